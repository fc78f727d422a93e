/**
 * Grades every assignment folder found in a submission (or the ones asked for).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GradeResult } from '../results/result-schema';
import { discoverAssignments, getAssignment, type LoadedAssignment } from '../spec/discover';
import { gradeAssignment, type GradeOptions } from './grade-assignment';

export interface SubmissionOptions extends Omit<GradeOptions, 'assignment'> {
  /** Only these assignments; default: every known assignment whose folder is present. */
  assignmentIds?: string[];
  /** Root holding assignments/ and reference/ (tests use a fixture catalogue). */
  catalogueRoot?: string;
}

export class NothingToGradeError extends Error {
  readonly code = 'NOTHING_TO_GRADE';
}

export function assignmentsInSubmission(submissionDir: string, catalogueRoot?: string): LoadedAssignment[] {
  const { assignments } = discoverAssignments(catalogueRoot);
  return assignments.filter((a) => fs.existsSync(path.join(submissionDir, a.id)));
}

export async function gradeSubmission(options: SubmissionOptions): Promise<GradeResult[]> {
  if (!fs.existsSync(options.submissionDir) || !fs.statSync(options.submissionDir).isDirectory()) {
    throw new NothingToGradeError(`submission folder not found: ${options.submissionDir}`);
  }
  const targets = options.assignmentIds !== undefined
    ? options.assignmentIds.map((id) => getAssignment(id, options.catalogueRoot))
    : assignmentsInSubmission(options.submissionDir, options.catalogueRoot);
  if (targets.length === 0) {
    const known = discoverAssignments(options.catalogueRoot).assignments.map((a) => a.id);
    throw new NothingToGradeError(
      `no assignment folder in ${options.submissionDir}; expected one of: ${known.join(', ')}`,
    );
  }
  const results: GradeResult[] = [];
  for (const assignment of targets) {
    results.push(await gradeAssignment({ ...options, assignment }));
  }
  return results;
}
