/**
 * What the grader and its type-check child process say to each other (type-check-child.ts,
 * type-check-child-main.ts). The child runs the TypeScript checker, whose work a submission
 * controls through its types; every message is parsed on arrival.
 */
import { z } from 'zod';

export const TypeCheckRequestSchema = z.object({
  type: z.literal('check'),
  /** Matches the reply to the request. */
  id: z.number().int().nonnegative(),
  /** Absolute path of the assignment folder. */
  dir: z.string().min(1),
  /** Folder-relative path of the entry. */
  entry: z.string().min(1),
  /** Folder-relative path and text of every .ts source. */
  sources: z.array(z.tuple([z.string(), z.string()])),
  contract: z.object({ path: z.string().min(1), typeName: z.string().min(1) }).optional(),
});
export type TypeCheckRequest = z.infer<typeof TypeCheckRequestSchema>;

/** Parse TypeScript's libraries and tfjs's declarations now, before the first check comes. */
export const WarmUpRequestSchema = z.object({ type: z.literal('warm-up') });

export const TypeCheckChildRequestSchema = z.discriminatedUnion('type', [TypeCheckRequestSchema, WarmUpRequestSchema]);

export const CompileDiagnosticSchema = z.object({
  file: z.string(),
  line: z.number().int().nonnegative(),
  column: z.number().int().nonnegative(),
  code: z.string(),
  message: z.string(),
  sourceLine: z.string().optional(),
  severity: z.enum(['error', 'warning']),
});

export const TypeCheckReplySchema = z.discriminatedUnion('type', [
  /** Sent once, when the child has loaded TypeScript. */
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('checked'), id: z.number().int(), diagnostics: z.array(CompileDiagnosticSchema) }),
  /** The grader's own failure (a broken contract file): `name` is the error's class. */
  z.object({ type: z.literal('failed'), id: z.number().int(), name: z.string(), message: z.string() }),
]);
export type TypeCheckReply = z.infer<typeof TypeCheckReplySchema>;
