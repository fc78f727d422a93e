/**
 * The grade book: for every student and assignment, the submission that counts (the latest
 * push received, as the late policy and the instructors see it), its state, its stored
 * result and any instructor override. The dashboard and the CSV export read this one model.
 */
import type { CourseConfig } from '../config/course-config-schema';
import type { GradeStore } from './grade-store';
import type { InstructorRecords } from './instructor-records';
import { JobRowSchema, ResultRowSchema, parseRow, type JobRow, type ResultRow, type ScoreOverrideRow } from './rows';

export type CellStatus = 'none' | 'queued' | 'running' | 'graded' | 'compile_error' | 'missing' | 'error';

export interface GradebookCell {
  studentId: string;
  assignmentId: string;
  status: CellStatus;
  /** The latest job (not superseded) of this student and assignment. */
  job?: JobRow;
  /** The latest stored result (of that job, or of an earlier one while the latest is pending). */
  result?: ResultRow;
  override?: ScoreOverrideRow;
  /** What counts: the override, else the result's score after the late penalty. */
  counted: number | null;
  maxScore: number | null;
  late: boolean;
}

export interface Gradebook {
  cells: Map<string, Map<string, GradebookCell>>;
  cell(studentId: string, assignmentId: string): GradebookCell;
}

function statusOf(job: JobRow | undefined, result: ResultRow | undefined): CellStatus {
  if (job === undefined) return 'none';
  if (job.state === 'queued' || job.state === 'running') return job.state;
  if (job.state === 'failed') return 'error';
  if (result === undefined || result.job_id !== job.id) return 'error';
  return result.status === 'graded' || result.status === 'compile_error' || result.status === 'missing' ? result.status : 'error';
}

export function buildGradebook(config: CourseConfig, store: GradeStore, records: InstructorRecords): Gradebook {
  const latestJobs = store.db
    .prepare(
      `SELECT * FROM jobs j WHERE j.state != 'superseded' AND j.id = (
         SELECT k.id FROM jobs k WHERE k.student_id = j.student_id AND k.assignment_id = j.assignment_id AND k.state != 'superseded'
         ORDER BY k.received_at DESC, k.id DESC LIMIT 1)`,
    )
    .all()
    .map((r) => parseRow(JobRowSchema, r, 'job'));
  const latestResults = store.db
    .prepare(
      `SELECT * FROM results r WHERE r.id = (
         SELECT s.id FROM results s WHERE s.student_id = r.student_id AND s.assignment_id = r.assignment_id
         ORDER BY s.received_at DESC, s.id DESC LIMIT 1)`,
    )
    .all()
    .map((r) => parseRow(ResultRowSchema, r, 'result'));
  const overrides = records.activeOverrides();
  const key = (s: string, a: string) => `${s}\u0000${a}`;
  const jobs = new Map(latestJobs.map((j) => [key(j.student_id, j.assignment_id), j]));
  const results = new Map(latestResults.map((r) => [key(r.student_id, r.assignment_id), r]));

  const cells = new Map<string, Map<string, GradebookCell>>();
  const make = (studentId: string, assignmentId: string): GradebookCell => {
    const job = jobs.get(key(studentId, assignmentId));
    const result = results.get(key(studentId, assignmentId));
    // An override belongs to the job it was given on; it counts while that job's result does.
    const override = result !== undefined ? overrides.get(result.job_id) : undefined;
    return {
      studentId,
      assignmentId,
      status: statusOf(job, result),
      ...(job !== undefined ? { job } : {}),
      ...(result !== undefined ? { result } : {}),
      ...(override !== undefined ? { override } : {}),
      counted: override?.score ?? result?.final_score ?? null,
      maxScore: result?.max_score ?? null,
      late: (job?.days_late ?? result?.days_late ?? 0) > 0,
    };
  };
  for (const student of config.roster) {
    const row = new Map<string, GradebookCell>();
    for (const assignment of config.assignments) row.set(assignment.id, make(student.id, assignment.id));
    cells.set(student.id, row);
  }
  return {
    cells,
    cell(studentId, assignmentId) {
      return cells.get(studentId)?.get(assignmentId) ?? make(studentId, assignmentId);
    },
  };
}

/** The grade book as CSV: a row per student, a column per assignment (the counted score). */
export function gradebookCsv(config: CourseConfig, book: Gradebook): string {
  const esc = (v: string) => {
    // Spreadsheets run cells that start with = + - @ as formulas: quote them as text.
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const assignments = config.assignments.filter((a) => a.enabled);
  const lines = [['student_id', 'name', ...assignments.map((a) => a.id), 'total'].map(esc).join(',')];
  for (const student of config.roster) {
    let total = 0;
    const scores = assignments.map((a) => {
      const counted = book.cell(student.id, a.id).counted;
      total += counted ?? 0;
      return counted === null ? '' : String(Math.round(counted * 100) / 100);
    });
    lines.push([student.id, student.name, ...scores, String(Math.round(total * 100) / 100)].map(esc).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
