/**
 * What the training-throughput module says to its measuring processes and what they answer.
 *
 * Every measurement (one model on one tfjs backend, or on PyTorch) runs in its own process:
 * a tfjs worker (training-worker.ts, answering over IPC) or torch_training.py (answering with
 * one JSON line on stdout). Both take the same TrainingCaseConfig and answer with the same
 * Measurement, so the two sides are timed by the same rules. A separate process per case
 * keeps one backend's crash, abort or leak from touching the next case, gives each case a
 * fresh heap, and lets the parent kill a case that hangs.
 */
import { z } from 'zod';

export const MODEL_KINDS = ['mlp', 'cnn'] as const;
export const ModelKindSchema = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof ModelKindSchema>;

export const TrainingCaseConfigSchema = z.object({
  model: ModelKindSchema,
  batchSize: z.number().int().positive(),
  /** Seeds the synthetic data and the initial weights. */
  seed: z.number().int().nonnegative(),
  learningRate: z.number().positive(),
  momentum: z.number().min(0).lt(1),
  /** Distinct synthetic batches, made before timing and cycled through. */
  batches: z.number().int().positive(),
  /**
   * Warm-up: at least `warmupSteps` steps and `warmupSeconds`, but stop after
   * `warmupMaxSeconds` once one step is done (a CPU CNN step takes seconds).
   */
  warmupSteps: z.number().int().positive(),
  warmupSeconds: z.number().nonnegative(),
  warmupMaxSeconds: z.number().positive(),
  /**
   * Timed phase: rounds of whole steps, each round lasting at least `roundSeconds`. Stops at
   * `maxRounds`, or once `budgetSeconds` are spent and `minRounds` are done, or at three
   * times the budget with at least one round. The headline is the median round's rate, which
   * a busy neighbour disturbs less than the mean.
   */
  roundSeconds: z.number().positive(),
  minRounds: z.number().int().positive(),
  maxRounds: z.number().int().positive(),
  budgetSeconds: z.number().positive(),
  /** How many kernels of the profiled step to keep, largest total time first. */
  topKernels: z.number().int().positive(),
});
export type TrainingCaseConfig = z.infer<typeof TrainingCaseConfigSchema>;

export const TfjsWorkerArgsSchema = z.object({
  backend: z.enum(['tensorflow', 'wasm', 'cpu']),
  config: TrainingCaseConfigSchema,
});
export type TfjsWorkerArgs = z.infer<typeof TfjsWorkerArgsSchema>;

export const RoundSchema = z.object({
  steps: z.number().int().positive(),
  seconds: z.number().positive(),
});
export type Round = z.infer<typeof RoundSchema>;

export const TimingSchema = z.object({
  warmupSteps: z.number().int().nonnegative(),
  warmupSeconds: z.number().nonnegative(),
  rounds: z.array(RoundSchema).min(1),
  /** Median over rounds of steps·batch/seconds: the headline. */
  samplesPerSecond: z.number().positive(),
  /** All timed samples over all timed seconds, for comparison with the median. */
  overallSamplesPerSecond: z.number().positive(),
  /**
   * Process CPU seconds per wall second over the timed rounds: about 1 for one busy thread,
   * up to the core count when a library spreads work over threads, below 1 when the
   * machine's other load took the core away.
   */
  cpuPerWall: z.number().nonnegative(),
  /** Loss of the first warm-up step and of the last timed step: training really happens. */
  lossFirst: z.number(),
  lossLast: z.number(),
  /** tfjs only: tensors left behind per timed step (should be 0). */
  leakedTensorsPerStep: z.number().optional(),
});
export type Timing = z.infer<typeof TimingSchema>;

export const KernelTotalSchema = z.object({
  name: z.string(),
  /** Summed milliseconds, or null when none of its calls could be timed. */
  ms: z.number().nullable(),
  count: z.number().int().positive(),
});
export type KernelTotal = z.infer<typeof KernelTotalSchema>;

export const StepProfileSchema = z.object({
  /** 'tf.profile' (kernelMs per kernel) or 'torch.autograd.profiler' (self CPU time per op). */
  source: z.string(),
  /** Wall time around the whole profiled step, profiling overhead included. */
  stepWallMs: z.number().nonnegative(),
  /** Sum over all timed calls (not only the top ones); null if none could be timed. */
  kernelMsSum: z.number().nullable(),
  kernelCalls: z.number().int().nonnegative(),
  /** Calls with no time of their own (kernelMs unavailable); counted, not summed. */
  untimedCalls: z.number().int().nonnegative(),
  distinctKernels: z.number().int().nonnegative(),
  top: z.array(KernelTotalSchema),
  /**
   * tf.profile also records the op scopes that tf.customGrad wraps around kernels
   * (`fusedMatMul__op`, `softmaxCrossEntropy__op`): their time includes the kernels they
   * ran, which are recorded too, so they are kept out of `top` and the sum, and listed here.
   */
  scopes: z.array(KernelTotalSchema).optional(),
});
export type StepProfile = z.infer<typeof StepProfileSchema>;

export const PhaseSchema = z.enum(['init', 'build', 'warm-up', 'timed', 'profile']);
export type Phase = z.infer<typeof PhaseSchema>;

export const MeasurementSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    runtime: z.record(z.unknown()),
    timing: TimingSchema,
    profile: StepProfileSchema.optional(),
    /** Set when profiling failed after the timing succeeded; the row stays ok. */
    profileError: z.string().optional(),
  }),
  z.object({
    status: z.literal('failed'),
    phase: PhaseSchema,
    reason: z.string(),
    stack: z.string().optional(),
    runtime: z.record(z.unknown()),
  }),
  z.object({
    status: z.literal('skipped'),
    reason: z.string(),
    runtime: z.record(z.unknown()),
  }),
]);
export type Measurement = z.infer<typeof MeasurementSchema>;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Headline numbers from the timed rounds. */
export function summariseRounds(
  rounds: readonly Round[],
  batchSize: number,
): { samplesPerSecond: number; overallSamplesPerSecond: number } {
  const rates = rounds.map((r) => (r.steps * batchSize) / r.seconds);
  const steps = rounds.reduce((sum, r) => sum + r.steps, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  return { samplesPerSecond: median(rates), overallSamplesPerSecond: (steps * batchSize) / seconds };
}

/** One call of a kernel as a profiler saw it; ms is undefined when it could not be timed. */
export interface KernelCall {
  name: string;
  ms: number | undefined;
  /** A scope around other recorded calls (not a kernel of its own): kept out of the totals. */
  scope?: boolean;
}

function totalsByName(calls: readonly KernelCall[]): KernelTotal[] {
  const totals = new Map<string, { ms: number; timed: number; count: number }>();
  for (const call of calls) {
    const total = totals.get(call.name) ?? { ms: 0, timed: 0, count: 0 };
    total.count += 1;
    if (call.ms !== undefined) {
      total.ms += call.ms;
      total.timed += 1;
    }
    totals.set(call.name, total);
  }
  const all: KernelTotal[] = [...totals].map(([name, t]) => ({
    name,
    ms: t.timed > 0 ? t.ms : null,
    count: t.count,
  }));
  return all.sort(
    (a, b) => (b.ms ?? -1) - (a.ms ?? -1) || b.count - a.count || a.name.localeCompare(b.name),
  );
}

/** Totals per kernel name, largest time first (untimed kernels last, by count). */
export function aggregateKernels(
  calls: readonly KernelCall[],
  top: number,
): Omit<StepProfile, 'source' | 'stepWallMs'> {
  const kernels = calls.filter((c) => c.scope !== true);
  const scopes = calls.filter((c) => c.scope === true);
  const untimed = kernels.filter((c) => c.ms === undefined).length;
  const totals = totalsByName(kernels);
  return {
    kernelMsSum:
      kernels.length > 0 && untimed === kernels.length
        ? null
        : kernels.reduce((sum, c) => sum + (c.ms ?? 0), 0),
    kernelCalls: kernels.length,
    untimedCalls: untimed,
    distinctKernels: totals.length,
    top: totals.slice(0, top),
    ...(scopes.length > 0 ? { scopes: totalsByName(scopes) } : {}),
  };
}
