/**
 * GET …/reports/:job/events: the live feed of a job as server-sent events.
 *
 *   event: progress   data: {"type":"test-finished","index":2,"status":"passed",…}
 *   event: state      data: {"state":"running"}
 *   event: done       data: {"state":"done"}      (the page reloads to show the report)
 *
 * Progress streams as it happens (from this server's grading processes, or from Redis
 * workers through BullMQ's job progress), with what came before replayed on connect.
 * Students get hidden tests' progress without their names until the release.
 */
import type { Request, Response } from 'express';
import type { JobProgress } from '../../grader/queue/job-progress';
import type { JobProgressEvent, ServiceEvent } from '../../grader/queue/grading-service';
import type { AppContext } from '../app';
import { hiddenReleased, reportFor, type ViewerOf } from './report-access';

const HEARTBEAT_MS = 15_000;
/** A state check in case an event was missed (e.g. a result stored by another process). */
const RECHECK_MS = 2_000;

function forViewer(p: JobProgress, showHidden: boolean): JobProgress {
  if (showHidden || p.type === 'compiled' || p.visibility === 'visible') return p;
  return { ...p, test: '' };
}

export function reportEvents(ctx: AppContext, viewerOf: ViewerOf) {
  return (req: Request, res: Response): void => {
    const found = reportFor(ctx, viewerOf, req, res);
    if (found === undefined) return;
    const { viewer, record } = found;
    const jobId = record.job.id;
    const showHidden = viewer.kind === 'instructor' || hiddenReleased(ctx, record.job.assignment_id);
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };

    let lastState = '';
    let closed = false;
    const checkState = () => {
      const job = ctx.service.queue.findJob(jobId);
      if (job === undefined) return;
      if (job.state !== lastState) {
        lastState = job.state;
        if (job.state === 'queued' || job.state === 'running') send('state', { state: job.state });
        else {
          send('done', { state: job.state });
          finish();
        }
      }
    };
    const onProgress = (e: JobProgressEvent) => {
      if (e.jobId === jobId) send('progress', forViewer(e.progress, showHidden));
    };
    const onEvent = (e: ServiceEvent) => {
      if ('jobId' in e && e.jobId === jobId) checkState();
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const recheck = setInterval(checkState, RECHECK_MS);
    const finish = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearInterval(recheck);
      ctx.service.off('progress', onProgress);
      ctx.service.off('event', onEvent);
      res.end();
    };
    req.on('close', finish);
    ctx.service.on('progress', onProgress);
    ctx.service.on('event', onEvent);
    for (const p of ctx.service.liveProgress(jobId)) send('progress', forViewer(p, showHidden));
    checkState();
  };
}
