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

  /** The override in force for each job that has one (its latest row, unless withdrawn). */
  activeOverrides(): Map<number, ScoreOverrideRow> {
    const rows = this.db
      .prepare(`SELECT * FROM score_overrides o WHERE id = (SELECT MAX(id) FROM score_overrides WHERE job_id = o.job_id)`)
      .all()
      .map((r) => parseRow(ScoreOverrideRowSchema, r, 'override'));
    return new Map(rows.filter((r) => r.score !== null).map((r) => [r.job_id, r]));
  }

  findActiveOverride(jobId: number): ScoreOverrideRow | undefined {
    const last = findRow(ScoreOverrideRowSchema, this.db.prepare('SELECT * FROM score_overrides WHERE job_id = ? ORDER BY id DESC LIMIT 1').get(jobId), 'override');
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
