/**
 * The grade book: for every student and assignment, the submission that counts (chosen by
 * the assignment's policy among everything the student pushed: grader/store/counted-score.ts),
 * the state of the latest push's grading, and any instructor override. The dashboard, the
 * CSV export, the report and the student pages read this one model.
 */
import { z } from 'zod';
import type { AssignmentConfig, CountedPolicy, CourseConfig } from '../config/course-config-schema';
import { dueFor, type DueDate } from '../config/due-dates';
import { csvText } from '../util/csv';
import { chooseCounted, newAttempts, type Attempt, type CountedReason } from './counted-score';
import type { GradeStore } from './grade-store';
import type { InstructorRecords } from './instructor-records';
import { JobRowSchema, parseRow, type AttemptRow, type JobRow, type ScoreOverrideRow } from './rows';

export type CellStatus = 'none' | 'queued' | 'running' | 'graded' | 'compile_error' | 'missing' | 'error';

/** The push that counts, with its score as counted now. */
export interface CountedSubmission {
  /** The job whose result is counted (the one that graded this content). */
  jobId: number;
  commit: string;
  receivedAt: number;
  reason: CountedReason;
  /** Raw score of the result, before the penalty. */
  score: number;
  maxScore: number;
  daysLate: number;
  penaltyPercent: number;
  final: number;
  /** A regrade is replacing this result; it counts until the new one is stored. */
  stale: boolean;
  /** Chosen by comparing totals (hidden tests included): not for a student's eyes before the release. */
  comparedScores: boolean;
}

export interface GradebookCell {
  studentId: string;
  assignmentId: string;
  /** The state of the latest push's grading of this assignment. */
  status: CellStatus;
  /** The job grading the latest push's content (for links). */
  job?: JobRow;
  countedFrom?: CountedSubmission;
  override?: ScoreOverrideRow;
  /** What counts: the override, else the chosen push's score after its late penalty. */
  counted: number | null;
  maxScore: number | null;
  /** The push that counts was late. */
  late: boolean;
  policy: CountedPolicy;
  due: DueDate;
}

export interface Gradebook {
  cells: Map<string, Map<string, GradebookCell>>;
  cell(studentId: string, assignmentId: string): GradebookCell;
}

// Only the columns the choice needs: never the result JSON.
const ResultFactsSchema = z.object({
  job_id: z.number().int(),
  student_id: z.string(),
  assignment_id: z.string(),
  tree_sha: z.string(),
  status: z.string(),
  score: z.number(),
  max_score: z.number(),
});
type ResultFacts = z.infer<typeof ResultFactsSchema>;

const COUNTABLE = new Set(['graded', 'compile_error', 'missing']);

interface Scope {
  studentId?: string;
  assignmentId?: string;
}

const key = (...parts: string[]) => parts.join('\u0000');

/** Everything the choice reads, for the whole class or one student's assignment. */
function loadFacts(store: GradeStore, scope: Scope) {
  const params = { studentId: scope.studentId ?? null, assignmentId: scope.assignmentId ?? null };
  const where = `(@studentId IS NULL OR student_id = @studentId) AND (@assignmentId IS NULL OR assignment_id = @assignmentId)`;
  const attempts = store.listAttempts(scope);
  const jobs = store.db
    .prepare(`SELECT * FROM jobs WHERE ${where} AND state != 'superseded' ORDER BY id`)
    .all(params)
    .map((r) => parseRow(JobRowSchema, r, 'job'));
  const results = store.db
    .prepare(`SELECT job_id, student_id, assignment_id, tree_sha, status, score, max_score FROM results WHERE ${where} ORDER BY stored_at, id`)
    .all(params)
    .map((r) => parseRow(ResultFactsSchema, r, 'result'));
  // The result a regrade took away, for jobs being graded again.
  const replaced = store.db
    .prepare(
      `SELECT h.job_id, h.student_id, h.assignment_id, j.tree_sha, h.status, h.score, h.max_score FROM result_history h
       JOIN jobs j ON j.id = h.job_id
       WHERE (@studentId IS NULL OR h.student_id = @studentId) AND (@assignmentId IS NULL OR h.assignment_id = @assignmentId)
         AND j.state IN ('queued', 'running') AND NOT EXISTS (SELECT 1 FROM results r WHERE r.job_id = h.job_id)
       ORDER BY h.replaced_at, h.id`,
    )
    .all(params)
    .map((r) => parseRow(ResultFactsSchema, r, 'replaced result'));

  // Per content: the latest stored countable result, else the one being replaced.
  const byTree = new Map<string, { facts: ResultFacts; stale: boolean }>();
  for (const r of replaced) if (COUNTABLE.has(r.status)) byTree.set(key(r.student_id, r.assignment_id, r.tree_sha), { facts: r, stale: true });
  for (const r of results) if (COUNTABLE.has(r.status)) byTree.set(key(r.student_id, r.assignment_id, r.tree_sha), { facts: r, stale: false });
  // Per content: its latest job (pending, done or failed).
  const jobByTree = new Map<string, JobRow>();
  for (const j of jobs) jobByTree.set(key(j.student_id, j.assignment_id, j.tree_sha), j);
  const resultStatus = new Map(results.map((r) => [r.job_id, r.status]));
  const attemptsOf = new Map<string, AttemptRow[]>();
  for (const a of attempts) {
    const k = key(a.student_id, a.assignment_id);
    const list = attemptsOf.get(k) ?? [];
    list.push(a);
    attemptsOf.set(k, list);
  }
  return { byTree, jobByTree, resultStatus, attemptsOf };
}

type Facts = ReturnType<typeof loadFacts>;

function statusOf(job: JobRow | undefined, resultStatus: string | undefined): CellStatus {
  if (job === undefined) return 'none';
  if (job.state === 'queued' || job.state === 'running') return job.state;
  if (job.state === 'failed' || resultStatus === undefined) return 'error';
  return COUNTABLE.has(resultStatus) ? (resultStatus as CellStatus) : 'error';
}

function makeCell(config: CourseConfig, facts: Facts, overrides: Map<string, ScoreOverrideRow>, studentId: string, assignment: AssignmentConfig): GradebookCell {
  const rows = facts.attemptsOf.get(key(studentId, assignment.id)) ?? [];
  const attempts: Attempt<AttemptRow>[] = rows.map((a) => {
    const content = facts.byTree.get(key(studentId, assignment.id, a.tree_sha));
    return {
      receivedAt: a.received_at,
      treeSha: a.tree_sha,
      accepted: a.accepted,
      scored: content !== undefined ? { score: content.facts.score, maxScore: content.facts.max_score, stale: content.stale } : {},
      ref: a,
    };
  });
  const due = dueFor(config, studentId, assignment);
  const choice = chooseCounted(attempts, assignment.counts, assignment.latePolicy, due.dueMs);
  const latest = newAttempts(attempts.filter((a) => a.accepted)).pop();
  const job = latest !== undefined ? facts.jobByTree.get(key(studentId, assignment.id, latest.treeSha)) : undefined;
  const override = overrides.get(key(studentId, assignment.id));
  let countedFrom: CountedSubmission | undefined;
  if (choice !== undefined) {
    const content = facts.byTree.get(key(studentId, assignment.id, choice.attempt.treeSha));
    if (content !== undefined) {
      countedFrom = {
        jobId: content.facts.job_id,
        commit: choice.attempt.ref.commit_sha,
        receivedAt: choice.attempt.receivedAt,
        reason: choice.reason,
        score: content.facts.score,
        maxScore: choice.maxScore,
        daysLate: choice.daysLate,
        penaltyPercent: choice.penaltyPercent,
        final: choice.final,
        stale: content.stale,
        comparedScores: choice.comparedScores,
      };
    }
  }
  return {
    studentId,
    assignmentId: assignment.id,
    status: statusOf(job, job !== undefined ? facts.resultStatus.get(job.id) : undefined),
    ...(job !== undefined ? { job } : {}),
    ...(countedFrom !== undefined ? { countedFrom } : {}),
    ...(override !== undefined ? { override } : {}),
    counted: override?.score ?? countedFrom?.final ?? null,
    maxScore: countedFrom?.maxScore ?? null,
    late: (countedFrom?.daysLate ?? 0) > 0,
    policy: assignment.counts,
    due,
  };
}

/** Overrides in force, by student and assignment. */
function overridesByCell(records: InstructorRecords): Map<string, ScoreOverrideRow> {
  return new Map([...records.activeOverrides()].map((o) => [key(o.student_id, o.assignment_id), o]));
}

/** The grade book of the class, or of one student (their page reads only their rows). */
export function buildGradebook(config: CourseConfig, store: GradeStore, records: InstructorRecords, studentId?: string): Gradebook {
  const facts = loadFacts(store, studentId !== undefined ? { studentId } : {});
  const overrides = overridesByCell(records);
  const cells = new Map<string, Map<string, GradebookCell>>();
  for (const student of config.roster) {
    if (studentId !== undefined && student.id !== studentId) continue;
    const row = new Map<string, GradebookCell>();
    for (const assignment of config.assignments) row.set(assignment.id, makeCell(config, facts, overrides, student.id, assignment));
    cells.set(student.id, row);
  }
  return {
    cells,
    cell(student, assignmentId) {
      const found = cells.get(student)?.get(assignmentId);
      if (found !== undefined) return found;
      const assignment = config.assignments.find((a) => a.id === assignmentId);
      if (assignment === undefined) throw new Error(`no assignment '${assignmentId}' in the course`);
      return makeCell(config, facts, overrides, student, assignment);
    },
  };
}

/** One student's cell for one assignment, reading only their rows (report and student pages). */
export function gradebookCell(config: CourseConfig, store: GradeStore, records: InstructorRecords, studentId: string, assignmentId: string): GradebookCell {
  const assignment = config.assignments.find((a) => a.id === assignmentId);
  if (assignment === undefined) throw new Error(`no assignment '${assignmentId}' in the course`);
  const facts = loadFacts(store, { studentId, assignmentId });
  const override = records.findActiveOverrideFor(studentId, assignmentId);
  const overrides = new Map(override !== undefined ? [[key(studentId, assignmentId), override]] : []);
  return makeCell(config, facts, overrides, studentId, assignment);
}

/** The grade book as CSV: a row per student, a column per assignment (the counted score). */
export function gradebookCsv(config: CourseConfig, book: Gradebook): string {
  const assignments = config.assignments.filter((a) => a.enabled);
  const rows = [['student_id', 'name', ...assignments.map((a) => a.id), 'total']];
  for (const student of config.roster) {
    let total = 0;
    const scores = assignments.map((a) => {
      const counted = book.cell(student.id, a.id).counted;
      total += counted ?? 0;
      return counted === null ? '' : String(Math.round(counted * 100) / 100);
    });
    rows.push([student.id, student.name, ...scores, String(Math.round(total * 100) / 100)]);
  }
  return csvText(rows);
}
