/**
 * Results on the commit: follows the grading service's events and posts, per assignment of
 * a push, a commit status to the student's git host (context `<context>/<assignment>`):
 * "queued" when the push's jobs are created (within seconds of receipt), "being graded" when
 * a job starts, and the outcome when it is stored (or has failed for good). The link is the
 * student's own report. Posting happens in the background (status-poster.ts); whatever the
 * host does, nothing here reaches grading or storage.
 */
import type { CourseConfig } from '../../grader/config/course-config-schema';
import { findStudent } from '../../grader/config/load-course-config';
import type { GradingService, ServiceEvent } from '../../grader/queue/grading-service';
import { GradeResultSchema } from '../../grader/results/result-schema';
import { ServerKeys } from '../auth/keys';
import { studentLink } from '../auth/student-links';
import { StatusPoster, type PosterTimes } from './status-poster';
import { GRADER_FAILED, QUEUED, RUNNING, resultText, type StatusText } from './status-text';

export interface CommitStatusesOptions {
  config: CourseConfig;
  service: GradingService;
  log: (line: string) => void;
  keys?: ServerKeys;
  times?: Partial<PosterTimes>;
}

type Moment = 'queued' | 'running' | 'stored' | 'failed';

/** The service's events that change what a job's status says. */
const MOMENT_OF: Readonly<Partial<Record<ServiceEvent['type'], Moment>>> = Object.freeze({
  prepared: 'queued',
  'regrade-queued': 'queued',
  started: 'running',
  stored: 'stored',
  // Failed for good (a retry is 'job-retry', and the next start says "being graded").
  'job-failed': 'failed',
});

export class CommitStatuses {
  readonly poster: StatusPoster;
  private readonly config: CourseConfig;
  private readonly keys: ServerKeys;
  private readonly onEvent = (event: ServiceEvent) => {
    // Called inside the service's own work: never throw there.
    try {
      this.handle(event);
    } catch (err) {
      this.options.log(`commit status: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  constructor(private readonly options: CommitStatusesOptions) {
    const statusConfig = options.config.commitStatus;
    if (statusConfig === undefined) throw new Error('the course file has no commitStatus section');
    this.config = options.config;
    this.keys = options.keys ?? new ServerKeys(options.config);
    this.poster = new StatusPoster(statusConfig, options.log, options.times);
  }

  start(): this {
    this.options.service.on('event', this.onEvent);
    return this;
  }

  /** Stops following the service; statuses not yet accepted by the host are dropped. */
  stop(): void {
    this.options.service.off('event', this.onEvent);
    this.poster.close();
  }

  private handle(event: ServiceEvent): void {
    const moment = MOMENT_OF[event.type];
    if (moment === undefined) return;
    const jobs = event.type === 'prepared' ? event.jobs : 'jobId' in event ? [event.jobId] : [];
    for (const jobId of jobs) this.postFor(jobId, moment);
  }

  private textFor(jobId: number, moment: Moment): StatusText | undefined {
    if (moment === 'queued') return QUEUED;
    if (moment === 'running') return RUNNING;
    if (moment === 'failed') return GRADER_FAILED;
    const row = this.options.service.store.findResultForJob(jobId);
    if (row === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(row.result_json);
    } catch {
      return GRADER_FAILED;
    }
    const parsed = GradeResultSchema.safeParse(json);
    return parsed.success ? resultText(parsed.data, row.penalty_percent) : GRADER_FAILED;
  }

  private postFor(jobId: number, moment: Moment): void {
    const job = this.options.service.queue.findJob(jobId);
    const student = job !== undefined ? findStudent(this.config, job.student_id) : undefined;
    const statusConfig = this.config.commitStatus;
    if (job === undefined || student?.hostRepoPath === undefined || statusConfig === undefined || this.config.publicUrl === undefined) return;
    const text = this.textFor(jobId, moment);
    if (text === undefined) return;
    this.poster.post({
      repoPath: student.hostRepoPath,
      sha: job.commit_sha,
      phase: text.phase,
      description: text.description,
      targetUrl: `${this.config.publicUrl}${studentLink(this.config, student.id, this.keys)}/reports/${job.id}`,
      context: `${statusConfig.context}/${job.assignment_id}`,
    });
  }
}
