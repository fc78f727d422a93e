/**
 * What the job runner and its grading child processes say to each other. The trusted side
 * of grading (compile, reference, compare) is CPU work that must not block the server's
 * event loop, so it runs in child processes: a small pool of them, each grading one job at
 * a time and replaced after a number of jobs (or at once when anything goes wrong: a failed
 * or timed-out job, a result with status 'error', a failure of its tensor backend), so a
 * warm process saves the start-up of node, tfjs and the sandbox probe without letting one
 * job's leftovers reach far. Student code itself always runs in fresh runner processes.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from '../tensors/backend';

export const GradeChildRequestSchema = z.object({
  type: z.literal('grade'),
  /** Matches the reply to the request. */
  id: z.number().int().nonnegative(),
  assignmentId: z.string().min(1),
  /** The submission root: holds <assignmentId>/. */
  submissionDir: z.string().min(1),
  catalogueRoot: z.string().min(1).optional(),
  backend: z.enum(BACKEND_NAMES).optional(),
  commit: z.string().optional(),
  /** The commit's key for hidden tests' inputs (grader/config/hidden-inputs.ts). */
  hiddenInputsKey: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** The language of the messages in the result. */
  lang: z.enum(['en', 'ru']).default('en'),
  /** Run student code without the OS sandbox (development only). */
  insecureNoSandbox: z.boolean().default(false),
});
export type GradeChildRequest = z.input<typeof GradeChildRequestSchema>;

export const GradeChildReplySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    result: z.unknown(),
    /** What failed in the child's own tensor backend during the job (backend-health.ts): the child is retired. */
    backendFailure: z.string().optional(),
  }),
  z.object({ type: z.literal('error'), id: z.number().int(), code: z.string(), message: z.string() }),
  /** Progress while grading (parsed again with JobProgressSchema by the receiver). */
  z.object({ type: z.literal('progress'), id: z.number().int(), progress: z.unknown() }),
]);
export type GradeChildReply = z.infer<typeof GradeChildReplySchema>;
