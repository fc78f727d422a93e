/**
 * What the job runner and its grading child process say to each other. The child is one
 * fresh process per job: the trusted side of grading (compile, reference, compare) is CPU
 * work that must not block the server's event loop, and a leak or crash in one job cannot
 * touch the next.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from '../tensors/backend';

export const GradeChildRequestSchema = z.object({
  type: z.literal('grade'),
  assignmentId: z.string().min(1),
  /** The submission root: holds <assignmentId>/. */
  submissionDir: z.string().min(1),
  catalogueRoot: z.string().min(1).optional(),
  backend: z.enum(BACKEND_NAMES).optional(),
  commit: z.string().optional(),
  /** Run student code without the OS sandbox (development only). */
  insecureNoSandbox: z.boolean().default(false),
});
export type GradeChildRequest = z.input<typeof GradeChildRequestSchema>;

export const GradeChildReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), result: z.unknown() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type GradeChildReply = z.infer<typeof GradeChildReplySchema>;
