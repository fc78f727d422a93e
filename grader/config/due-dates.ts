/**
 * A student's due date for an assignment: their extension when the course file grants one,
 * else the assignment's. Lateness, the hard cutoff and the counted score all follow it.
 */
import type { AssignmentConfig, CourseConfig, ExtensionConfig } from './course-config-schema';

export interface DueDate {
  dueMs: number;
  due: string;
  /** The extension it comes from, if any. */
  extension?: ExtensionConfig;
}

export function findExtension(config: CourseConfig, studentId: string, assignmentId: string): ExtensionConfig | undefined {
  return config.extensions.find((e) => e.studentId === studentId && e.assignmentId === assignmentId);
}

export function dueFor(config: CourseConfig, studentId: string, assignment: AssignmentConfig): DueDate {
  const extension = findExtension(config, studentId, assignment.id);
  return extension !== undefined ? { dueMs: extension.dueMs, due: extension.due, extension } : { dueMs: assignment.dueMs, due: assignment.due };
}
