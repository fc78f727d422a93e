/**
 * The shape every benchmark module shares, and the schema of the results file.
 *
 * A benchmark module is a file in tests/bench that exports `name` and `run(context)`; it is
 * listed once in modules.ts. `run` returns rows and never has to catch its own failures to
 * keep the others going: the runner turns a throw into one failed row for that module.
 *
 * The results file (bench-results/latest.json) is a boundary that later runs and other tools
 * read back, so its types are inferred from zod schemas rather than written twice.
 */
import { z } from 'zod';

/** What a row says about its case: measured, could not be measured, or not applicable here. */
export const BenchStatusSchema = z.enum(['ok', 'failed', 'skipped']);
export type BenchStatus = z.infer<typeof BenchStatusSchema>;

/** One line of a breakdown: where part of the time went (a kernel, a phase). */
export const BreakdownItemSchema = z.object({
  name: z.string(),
  /** Total milliseconds, or null when the source could not time it. */
  ms: z.number().nullable(),
  count: z.number().int().nonnegative(),
});
export type BreakdownItem = z.infer<typeof BreakdownItemSchema>;

export const BreakdownSchema = z.object({
  /** What was broken down, e.g. "one profiled training step, top 8 kernels". */
  title: z.string(),
  /** Wall time of the whole thing that was broken down, when measured. */
  totalMs: z.number().nullable(),
  items: z.array(BreakdownItemSchema),
  /** Caveats the reader needs (nested kernels counted twice, profiling overhead, ...). */
  note: z.string().optional(),
});
export type Breakdown = z.infer<typeof BreakdownSchema>;

export const BenchRowSchema = z.object({
  /** The case, unique within its module, e.g. "cnn / wasm". */
  name: z.string(),
  status: BenchStatusSchema,
  /** The headline number; null unless status is ok. */
  value: z.number().nullable(),
  unit: z.string(),
  better: z.enum(['higher', 'lower']),
  /** The value relative to a reference measured in the same run (value / reference). */
  ratio: z.object({ to: z.string(), value: z.number() }).optional(),
  /** A target the value is held against; reported, never turned into an exit code. */
  target: z.object({ description: z.string(), met: z.boolean().nullable() }).optional(),
  /** Why the row failed or was skipped, or a short remark on an ok row. */
  message: z.string().optional(),
  breakdown: BreakdownSchema.optional(),
  /** Everything else worth keeping in the JSON (raw timings, environment, stacks). */
  details: z.record(z.unknown()).optional(),
});
export type BenchRow = z.infer<typeof BenchRowSchema>;

/** What the runner hands every module. */
export interface BenchContext {
  /** A smoke run: fewer steps and shorter budgets; numbers are not worth comparing. */
  readonly quick: boolean;
  /** Progress for the person watching (goes to stderr, never into the table). */
  log(message: string): void;
}

export interface BenchModule {
  readonly name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}

export const BenchModuleResultSchema = z.object({
  name: z.string(),
  durationMs: z.number(),
  rows: z.array(BenchRowSchema),
});
export type BenchModuleResult = z.infer<typeof BenchModuleResultSchema>;

export const BenchResultsSchema = z.object({
  schemaVersion: z.literal(1),
  startedAt: z.string(),
  finishedAt: z.string(),
  quick: z.boolean(),
  host: z.object({
    node: z.string(),
    platform: z.string(),
    arch: z.string(),
    cpuModel: z.string(),
    cpuCount: z.number().int(),
    /** 1-minute load average at the start and the end: how busy the machine was. */
    loadAverage: z.object({ start: z.number(), end: z.number() }),
  }),
  modules: z.array(BenchModuleResultSchema),
});
export type BenchResults = z.infer<typeof BenchResultsSchema>;
