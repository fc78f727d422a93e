/**
 * Probes: small pieces of trusted code that run inside the runner to build what cannot cross
 * a process boundary (a loss function for `minimize`, an iterable of batches for `evaluate`)
 * and then call the student's export. Probes hold no secrets: everything they see, the
 * student's code could see too.
 */
import type * as tfType from '@tensorflow/tfjs';

export interface ProbeContext {
  /** The student's module exports. */
  student: Record<string, unknown>;
  tf: typeof tfType;
  /** Reports progress (an epoch finished, say) to the grader for live reports. */
  progress(data: unknown): void;
}

export type ProbeFunction = (ctx: ProbeContext, ...args: unknown[]) => unknown;

/** Every assignments/<id>/probes.ts exports `probes` built with this. */
export function defineProbes<T extends Record<string, ProbeFunction>>(probes: T): T {
  return probes;
}

/** A student export as a function, or a clear error naming what is missing. */
export function studentFunction(ctx: ProbeContext, name: string): (...args: unknown[]) => unknown {
  const fn = ctx.student[name];
  if (typeof fn !== 'function') {
    throw new TypeError(`solution.ts does not export a function named '${name}'`);
  }
  return fn as (...args: unknown[]) => unknown;
}
