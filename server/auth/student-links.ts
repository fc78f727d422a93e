/**
 * Each student reaches their own pages through a secret link, /s/<id>.<mac>: the MAC of the
 * student id under a key derived from the instructor token. Nothing is stored; a wrong or
 * forged link, or another student's report through it, answers 404 like a missing page.
 */
import type { CourseConfig, StudentConfig } from '../../grader/config/course-config-schema';
import { findStudent } from '../../grader/config/load-course-config';
import { constantTimeEqual } from '../webhooks/signatures';
import { ServerKeys } from './keys';

const MAC_CHARS = 32;

export function studentSecret(keys: ServerKeys, studentId: string): string {
  return `${studentId}.${keys.mac('student-link', studentId).slice(0, MAC_CHARS)}`;
}

/** The path of a student's own page. */
export function studentLink(config: CourseConfig, studentId: string, keys: ServerKeys = new ServerKeys(config)): string {
  return `/s/${studentSecret(keys, studentId)}`;
}

/** The student a link's secret belongs to, if it is genuine. */
export function studentForSecret(config: CourseConfig, keys: ServerKeys, secret: string): StudentConfig | undefined {
  const dot = secret.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const student = findStudent(config, secret.slice(0, dot));
  if (student === undefined) return undefined;
  return constantTimeEqual(secret, studentSecret(keys, student.id)) ? student : undefined;
}
