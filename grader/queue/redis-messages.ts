/**
 * The scale-out mode's messages over BullMQ. The server puts one `grade` job per claimed
 * job (payload: GradeJobPayload); a worker grades it and puts one `result` message back,
 * before its grade job completes, so a completed grade job always has its result on the way.
 */
import { z } from 'zod';
import type { ConnectionOptions } from 'bullmq';
import { JobOutcomeSchema } from './grade-job';

export const GRADE_QUEUE = 'grade';
export const RESULTS_QUEUE = 'results';
export const DEFAULT_PREFIX = 'nn2-grader';

export const ResultMessageSchema = z.object({
  jobId: z.number().int().positive(),
  attempt: z.number().int().positive(),
  /** Which worker graded it (host:pid by default). */
  worker: z.string().min(1).max(200),
  outcome: JobOutcomeSchema,
});
export type ResultMessage = z.infer<typeof ResultMessageSchema>;

/** BullMQ job ids: one per start of a job, so a retry after a failure is a new BullMQ job. */
export function gradeJobKey(jobId: number, attempt: number): string {
  return `job-${jobId}-${attempt}`;
}

export function resultKey(jobId: number, attempt: number): string {
  return `result-${jobId}-${attempt}`;
}

export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a Redis URL: '${url}' (expected redis://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`not a Redis URL: '${url}' (expected redis:// or rediss://)`);
  }
  // Workers need maxRetriesPerRequest null (BullMQ's blocking commands).
  return { url, maxRetriesPerRequest: null };
}

/** Waits for BullMQ connections, with a clear error instead of retrying forever. */
export async function whenReady(what: string, url: string, ready: Array<Promise<unknown>>, timeoutMs = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: cannot reach Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')} within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.all(ready), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
