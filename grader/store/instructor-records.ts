/**
 * What instructors add to the grading: score overrides with a comment (kept as a history),
 * the release of hidden tests to students, and the results a regrade replaced.
 */
import type { Database } from './database';
import {
  HiddenReleaseRowSchema,
  ResultHistoryRowSchema,
  ScoreOverrideRowSchema,
  findRow,
  parseRow,
  type HiddenReleaseRow,
  type ResultHistoryRow,
  type ScoreOverrideRow,
} from './rows';

export interface NewOverride {
  jobId: number;
  studentId: string;
  assignmentId: string;
  /** The final score to count (after any late penalty); null withdraws the override. */
  score: number | null;
  comment: string;
  createdBy: string;
  createdAt: number;
}

export class InstructorRecords {
  constructor(readonly db: Database) {}

  addOverride(o: NewOverride): ScoreOverrideRow {
    const info = this.db
      .prepare(
        `INSERT INTO score_overrides (job_id, student_id, assignment_id, score, comment, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(o.jobId, o.studentId, o.assignmentId, o.score, o.comment, o.createdBy, o.createdAt);
    return parseRow(ScoreOverrideRowSchema, this.db.prepare('SELECT * FROM score_overrides WHERE id = ?').get(info.lastInsertRowid), 'override');
  }

  /** Every override of a job, oldest first. */
  listOverrides(jobId: number): ScoreOverrideRow[] {
    return this.db
      .prepare('SELECT * FROM score_overrides WHERE job_id = ? ORDER BY id')
      .all(jobId)
      .map((r) => parseRow(ScoreOverrideRowSchema, r, 'override'));
  }

  /** Every override of a student's assignment, oldest first (whichever push it was given on). */
  listOverridesFor(studentId: string, assignmentId: string): ScoreOverrideRow[] {
    return this.db
      .prepare('SELECT * FROM score_overrides WHERE student_id = ? AND assignment_id = ? ORDER BY id')
      .all(studentId, assignmentId)
      .map((r) => parseRow(ScoreOverrideRowSchema, r, 'override'));
  }

  /**
   * The overrides in force: for each student and assignment its latest row, unless that
   * withdraws it. An override stays attached to the student and assignment (not to the push
   * it was given on) until an instructor withdraws it: a later push does not undo it.
   */
  activeOverrides(): ScoreOverrideRow[] {
    return this.db
      .prepare(
        `SELECT * FROM score_overrides o WHERE id = (SELECT MAX(id) FROM score_overrides p WHERE p.student_id = o.student_id AND p.assignment_id = o.assignment_id)`,
      )
      .all()
      .map((r) => parseRow(ScoreOverrideRowSchema, r, 'override'))
      .filter((r) => r.score !== null);
  }

  findActiveOverrideFor(studentId: string, assignmentId: string): ScoreOverrideRow | undefined {
    const last = findRow(
      ScoreOverrideRowSchema,
      this.db.prepare('SELECT * FROM score_overrides WHERE student_id = ? AND assignment_id = ? ORDER BY id DESC LIMIT 1').get(studentId, assignmentId),
      'override',
    );
    return last !== undefined && last.score !== null ? last : undefined;
  }

  release(assignmentId: string, by: string, at: number): void {
    this.db
      .prepare(`INSERT INTO hidden_releases (assignment_id, released_at, released_by) VALUES (?, ?, ?) ON CONFLICT (assignment_id) DO NOTHING`)
      .run(assignmentId, at, by);
  }

  withdrawRelease(assignmentId: string): void {
    this.db.prepare('DELETE FROM hidden_releases WHERE assignment_id = ?').run(assignmentId);
  }

  releases(): Map<string, HiddenReleaseRow> {
    const rows = this.db.prepare('SELECT * FROM hidden_releases').all().map((r) => parseRow(HiddenReleaseRowSchema, r, 'release'));
    return new Map(rows.map((r) => [r.assignment_id, r]));
  }

  /** Results of a job that regrades replaced, oldest first. */
  resultHistory(jobId: number): ResultHistoryRow[] {
    return this.db
      .prepare('SELECT * FROM result_history WHERE job_id = ? ORDER BY replaced_at, id')
      .all(jobId)
      .map((r) => parseRow(ResultHistoryRowSchema, r, 'result history'));
  }
}
