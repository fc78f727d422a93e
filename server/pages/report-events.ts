/**
 * GET …/reports/:job/events: the live feed of a job as server-sent events.
 *
 *   event: progress   data: {"type":"test-finished","index":2,"status":"passed",…}
 *   event: state      data: {"state":"running"}
 *   event: done       data: {"state":"done"}      (the page reloads to show the report)
 *
 * Progress streams as it happens (from this server's grading processes, or from Redis
 * workers through BullMQ's job progress), with what came before replayed on connect. What a
 * viewer may see of it, and how often epochs are sent, is live-feed.ts's: before the release
 * a student's feed carries nothing of hidden tests.
 */
import type { Request, Response } from 'express';
import type { JobProgressEvent, ServiceEvent } from '../../grader/queue/grading-service';
import type { AppContext } from '../app';
import { LiveFeed } from './live-feed';
import { hiddenReleased, plannedTests, reportFor, type ViewerOf } from './report-access';

const HEARTBEAT_MS = 15_000;
/** A state check in case an event was missed (e.g. a result stored by another process). */
const RECHECK_MS = 2_000;
/** Coalesced epoch frames go out this often at most (per test). */
const EPOCH_FLUSH_MS = 250;
/** A reader this far behind gets no epoch frames until it catches up (they are superseded anyway). */
const MAX_BUFFERED_BYTES = 64 * 1024;

export function reportEvents(ctx: AppContext, viewerOf: ViewerOf) {
  return (req: Request, res: Response): void => {
    const found = reportFor(ctx, viewerOf, req, res);
    if (found === undefined) return;
    const { viewer, record } = found;
    const jobId = record.job.id;
    const assignmentId = record.job.assignment_id;
    const showHidden = viewer.kind === 'instructor' || hiddenReleased(ctx, assignmentId);
    const feed = new LiveFeed(plannedTests(ctx, assignmentId), showHidden);
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
    const relay = (frames: readonly unknown[]) => {
      for (const frame of frames) send('progress', frame);
    };
    const checkState = () => {
      // A release withdrawn while a student watches: the page reloads into the view without hidden tests.
      if (viewer.kind === 'student' && showHidden && !hiddenReleased(ctx, assignmentId)) {
        send('done', { state: 'reload' });
        finish();
        return;
      }
      const job = ctx.service.queue.findJob(jobId);
      if (job === undefined) return;
      if (job.state !== lastState) {
        lastState = job.state;
        if (job.state === 'queued' || job.state === 'running') send('state', { state: job.state });
        else {
          relay(feed.flush());
          send('done', { state: job.state });
          finish();
        }
      }
    };
    const onProgress = (e: JobProgressEvent) => {
      if (e.jobId === jobId) relay(feed.offer(e.progress));
    };
    const onEvent = (e: ServiceEvent) => {
      if ('jobId' in e && e.jobId === jobId) checkState();
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const recheck = setInterval(checkState, RECHECK_MS);
    const flushEpochs = setInterval(() => {
      if (res.writableLength <= MAX_BUFFERED_BYTES) relay(feed.flush());
    }, EPOCH_FLUSH_MS);
    const finish = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearInterval(recheck);
      clearInterval(flushEpochs);
      ctx.service.off('progress', onProgress);
      ctx.service.off('event', onEvent);
      res.end();
    };
    req.on('close', finish);
    ctx.service.on('progress', onProgress);
    ctx.service.on('event', onEvent);
    for (const p of ctx.service.liveProgress(jobId)) relay(feed.offer(p));
    relay(feed.flush());
    checkState();
  };
}
