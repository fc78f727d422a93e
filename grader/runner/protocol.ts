/**
 * Messages between the trusted grader and the untrusted runner process, sent as
 * authenticated frames on the runner channel (channel.ts; typed arrays cross as raw bytes,
 * frame-codec.ts).
 *
 * Everything the runner sends is parsed with these schemas: the runner is untrusted, and a
 * message that does not parse is treated as a crash of the runner, never as data.
 */
import { z } from 'zod';
import { AuditMessageSchema } from './call-audit';

export const ErrorInfoSchema = z.object({
  name: z.string().max(200),
  message: z.string().max(20_000),
  stack: z.string().max(20_000).optional(),
  /**
   * The student export that threw it, when the runner saw it leave one (exports are watched
   * as they are handed to probes): a probe's failure then names `evaluate()`, not the probe.
   */
  export: z.string().max(200).optional(),
  /**
   * Exports that returned undefined (synchronously) during the failed call: when the error
   * was thrown outside the student's code, the usual cause is one of them (not written yet).
   */
  returnedUndefined: z.array(z.string().max(200)).max(50).optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

export interface RunnerSetup {
  /** When set, autograd entry points throw this message inside the runner (backprop). */
  disableAutograd?: string;
}

/** What the runner may send back; the client checks the same bounds again on what arrives. */
export interface ReplyLimits {
  /** A frame's bytes (header included). */
  maxFrameBytes: number;
  /** A progress frame's bytes (header included); larger reports are dropped by the runner. */
  maxProgressBytes: number;
  /** Progress reports a second, on average (the runner drops the rest). */
  progressPerSecond: number;
  /** Progress reports sent back to back at most, before the rate applies. */
  progressBurst: number;
}

export const DEFAULT_REPLY_LIMITS: ReplyLimits = {
  maxFrameBytes: 256 * 1024 * 1024,
  maxProgressBytes: 16 * 1024,
  progressPerSecond: 10,
  progressBurst: 20,
};

export type ParentMessage =
  | {
      type: 'init';
      bundlePath: string;
      probesPath: string | null;
      backend: string;
      setup: RunnerSetup;
      limits: ReplyLimits;
    }
  | { type: 'call'; id: number; target: CallTarget; name: string; args: unknown[] };

/** A student export, a probe, or 'audit': nothing but the audit of earlier calls (call-audit.ts). */
export type CallTarget = 'export' | 'probe' | 'audit';

export const RunnerMessageSchema = z.union([
  z.object({
    type: z.literal('ready'),
    backend: z.string().max(50),
    exports: z.array(z.string().max(200)).max(1000),
  }),
  z.object({ type: z.literal('init-error'), error: ErrorInfoSchema }),
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: ErrorInfoSchema }),
  z.object({ type: z.literal('progress'), id: z.number().int(), data: z.unknown() }),
  AuditMessageSchema,
  /** The call `id` entered the student's export `export` (sent when it changes). */
  z.object({ type: z.literal('entered'), id: z.number().int(), export: z.string().max(200) }),
]);
export type RunnerMessage = z.infer<typeof RunnerMessageSchema>;
