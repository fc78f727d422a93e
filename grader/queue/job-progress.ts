/**
 * What a job reports while it is graded (for the live report page): tests started and
 * finished, training epochs. It crosses from the grading child process to the server, so it
 * is parsed, never trusted; the loss comes from student code and may be any number.
 */
import { z } from 'zod';
import { TestStatusSchema, VisibilitySchema } from '../results/result-schema';
import type { GradeEvent } from '../run/grade-assignment';

const count = z.number().int().nonnegative();

export const JobProgressSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('compiled'), ok: z.boolean() }),
  z.object({ type: z.literal('test-started'), test: z.string().max(500), visibility: VisibilitySchema, index: count, total: count }),
  z.object({
    type: z.literal('test-finished'),
    test: z.string().max(500),
    visibility: VisibilitySchema,
    status: TestStatusSchema,
    score: z.number().finite(),
    maxScore: z.number().finite(),
    index: count,
    total: count,
  }),
  z.object({
    type: z.literal('epoch'),
    test: z.string().max(500),
    visibility: VisibilitySchema,
    epoch: z.number().finite().nullable(),
    /** Epochs in all, when the probe says. */
    epochs: z.number().int().positive().nullable().default(null),
    loss: z.number().finite().nullable(),
  }),
]);
export type JobProgress = z.infer<typeof JobProgressSchema>;

const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The engine's event as progress; undefined for events the page does not show. */
export function toJobProgress(event: GradeEvent, visibilityOf: (test: string) => 'visible' | 'hidden'): JobProgress | undefined {
  switch (event.type) {
    case 'compiled':
      return { type: 'compiled', ok: event.ok };
    case 'test-started':
      return { type: 'test-started', test: event.test, visibility: visibilityOf(event.test), index: event.index, total: event.total };
    case 'test-finished':
      return {
        type: 'test-finished',
        test: event.test.name,
        visibility: event.test.visibility,
        status: event.test.status,
        score: event.test.score,
        maxScore: event.test.max_score,
        index: event.index,
        total: event.total,
      };
    case 'progress': {
      const data = event.data;
      if (typeof data !== 'object' || data === null || !('epoch' in data || 'loss' in data)) return undefined;
      const d = data as { epoch?: unknown; epochs?: unknown; loss?: unknown };
      const epochs = finiteOrNull(d.epochs);
      return {
        type: 'epoch',
        test: event.test,
        visibility: visibilityOf(event.test),
        epoch: finiteOrNull(d.epoch),
        epochs: epochs !== null && Number.isInteger(epochs) && epochs > 0 ? epochs : null,
        loss: finiteOrNull(d.loss),
      };
    }
  }
}
