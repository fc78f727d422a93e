/** One line per service event, for the server's log. */
import type { ServiceEvent } from './grading-service';

/** 812 ms, 4.2 s, 3.5 min, 2.1 h, 21.5 d. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 2 * 3600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 2 * 86_400_000) return `${(ms / 3600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

export function formatServiceEvent(e: ServiceEvent): string {
  switch (e.type) {
    case 'received':
      return `received ${e.studentId} ${e.commit.slice(0, 12)} (submission ${e.submissionId}${e.duplicate ? ', already known' : ''})`;
    case 'prepared':
      return `submission ${e.submissionId}: ${e.jobs.length === 0 ? 'nothing new to grade' : `jobs ${e.jobs.join(', ')}`}${e.notes.length > 0 ? `; ${e.notes.join('; ')}` : ''}`;
    case 'prepare-retry':
      return `submission ${e.submissionId}: ${e.error}; trying again in ${Math.round(e.inMs / 1000)} s`;
    case 'prepare-failed':
      return `submission ${e.submissionId} failed: ${e.error}`;
    case 'started':
      return `job ${e.jobId} started: ${e.studentId}/${e.assignmentId} (${e.runner})`;
    case 'stored':
      return `job ${e.jobId} stored: ${e.studentId}/${e.assignmentId} ${e.score}/${e.maxScore} by ${e.worker}, ${formatDuration(e.totalMs)} after the push`;
    case 'job-retry':
      return `job ${e.jobId}: ${e.code} ${e.error}; will retry`;
    case 'job-failed':
      return `job ${e.jobId} failed: ${e.code} ${e.error}`;
    case 'outcome-ignored':
      return `job ${e.jobId}: a second outcome (from ${e.worker}) ignored; it is stored once`;
    case 'recovered':
      return `after a restart: jobs ${e.requeued.join(', ') || '-'} queued again, ${e.failed.join(', ') || '-'} failed (interrupted twice)`;
    case 'regrade-queued':
      return `job ${e.jobId} queued for a regrade by ${e.by}`;
    case 'warning':
      return `warning: ${e.message}`;
  }
}
