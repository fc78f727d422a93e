/**
 * Runs benchmark modules one after another. One module's failure (a throw, or rows that do
 * not fit the schema) becomes a failed row for that module and never stops the rest.
 */
import { BenchRowSchema, type BenchContext, type BenchModuleResult, type BenchRow } from './bench-types';
import type { BenchModuleEntry } from './modules';

/** The entries named in `only` (all when empty), or the names that match none. */
export function selectModules(
  entries: readonly BenchModuleEntry[],
  only: readonly string[],
): { selected: BenchModuleEntry[]; unknown: string[] } {
  if (only.length === 0) return { selected: [...entries], unknown: [] };
  const known = new Set(entries.map((e) => e.name));
  return {
    selected: entries.filter((e) => only.includes(e.name)),
    unknown: only.filter((n) => !known.has(n)),
  };
}

function moduleFailure(message: string, error?: unknown): BenchRow {
  return {
    name: '(module)',
    status: 'failed',
    value: null,
    unit: '',
    better: 'higher',
    message,
    details: error instanceof Error ? { stack: error.stack } : undefined,
  };
}

export async function runModule(entry: BenchModuleEntry, context: BenchContext): Promise<BenchModuleResult> {
  const start = performance.now();
  let rows: BenchRow[];
  try {
    const mod = await entry.load();
    if (mod.name !== entry.name) {
      throw new Error(`modules.ts lists '${entry.name}' but the module calls itself '${mod.name}'`);
    }
    const produced: unknown[] = await mod.run(context);
    rows = produced.map((row, index) => {
      const parsed = BenchRowSchema.safeParse(row);
      if (parsed.success) return parsed.data;
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return moduleFailure(`row ${index} does not fit BenchRow: ${issues}`);
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    rows = [moduleFailure(`module threw: ${message.split('\n')[0]}`, err)];
  }
  return { name: entry.name, durationMs: performance.now() - start, rows };
}
