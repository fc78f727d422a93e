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
  /**
   * Measurements the submission cannot forge (grader/runner/trusted-tf.ts): use these, never
   * tf.memory() or the engine's state, which student code can patch.
   */
  trusted: TrustedTf;
}

/** What grader/runner/trusted-tf.ts captured before the submission loaded. */
export interface TrustedTf {
  /** Tensors the engine tracks and has not been asked to dispose. */
  liveTensors(): number;
  /** A mark in the engine's tensor births: `aliveSince(mark)` counts the tensors born after it and still alive. */
  tensorMark(): number;
  aliveSince(mark: number): number;
  /** The tensors born after mark `from` up to mark `to` and still alive, with their sizes. */
  aliveBornBetween(from: number, to: number): Array<{ tensor: object; size: number }>;
  /** Is this tensor tracked and not disposed? */
  isAlive(tensor: object): boolean;
  /** How many times the engine's gradients() has run since the runner started. */
  gradientCalls(): number;
  /** Tensor buffers the backend holds (wasm: malloc'd, cpu: stored); `measured` false on a backend without such a ledger. */
  liveBuffers(): { count: number; bytes: number; measured: boolean };
  /**
   * Watches the engine's gradients() until stop(): counts the calls and, with `replace`,
   * overwrites in place every float32 gradient it returns with random values in [1, 5)
   * (drawn from `seed`), listed in `replaced`.
   */
  watchAutograd(replace: boolean, seed: number): AutogradWatch;
  /**
   * A tensor's values as the backend holds them (null: disposed, or not a tensor of this
   * backend): what a probe compares before and after a call, never the tensor's own dataSync.
   */
  values(tensor: unknown): number[] | null;
  /**
   * Locks a wrapper onto `layer.call` and calls `onBatch(values, shape)` (read from the
   * backend) for every input the layer gets inside a gradients() call whose differentiated
   * value depends on the layer's output (a training step, whatever the style). False when the
   * wrapper could not be installed (the layer's `call` made unchangeable, or not a function).
   */
  watchLayerInputs(layer: object, onBatch: (values: ArrayLike<number>, shape: number[]) => void): boolean;
  /**
   * Until stop(): for every kernel the engine runs with `tensor`'s data among its inputs,
   * adds up the elements of its largest other input (a model's first weight: the data that went
   * through the model, whether by predict, apply, execute or hand-written ops on its weights).
   */
  watchKernelUse(tensor: object): KernelUseWatch;
}

export interface KernelUseWatch {
  readonly elements: number;
  stop(): void;
}

export interface AutogradWatch {
  readonly calls: number;
  readonly replaced: ReadonlyArray<{ dataId: object; values: Float32Array }>;
  stop(): void;
}

/**
 * A live-tensor count that a leak cannot hide from: `start` + the larger of the tensors born
 * since the meter was made and still alive, and the growth in backend buffers. A submission
 * that hides tensors from the engine's bookkeeping still holds their buffers; one that
 * disposes older tensors (not its own) to offset a leak does not change what was born since.
 */
export function tensorMeter(ctx: ProbeContext): { start: number; now(): number } {
  const start = ctx.trusted.liveTensors();
  const mark = ctx.trusted.tensorMark();
  const buffers = ctx.trusted.liveBuffers().count;
  return {
    start,
    now: () => start + Math.max(ctx.trusted.aliveSince(mark), ctx.trusted.liveBuffers().count - buffers),
  };
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
