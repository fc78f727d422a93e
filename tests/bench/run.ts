/**
 * `npm run bench`: runs the benchmark modules listed in modules.ts, prints a table and
 * writes bench-results/bench-<UTC time>.json and bench-results/latest.json.
 * Exits 0 whenever it produced results, whatever they say (targets are reported, not
 * enforced); 2 on a bad command line.
 */
import * as os from 'node:os';
import { parseBenchArgs, USAGE } from './bench-args';
import { resultsDir } from './bench-paths';
import { formatResults, writeResults } from './bench-report';
import { runModule, selectModules } from './bench-runner';
import type { BenchModuleResult, BenchResults } from './bench-types';
import { BENCH_MODULES } from './modules';

async function main(argv: readonly string[]): Promise<number> {
  const { args, errors } = parseBenchArgs(argv);
  const { selected, unknown } = selectModules(BENCH_MODULES, args.only);
  for (const name of unknown) {
    errors.push(`unknown module '${name}' (known: ${BENCH_MODULES.map((m) => m.name).join(', ')})`);
  }
  if (args.help || errors.length > 0) {
    for (const error of errors) process.stderr.write(`bench: ${error}\n`);
    process.stderr.write(`${USAGE}\n`);
    return args.help && errors.length === 0 ? 0 : 2;
  }

  const started = new Date();
  const loadStart = os.loadavg()[0];
  const modules: BenchModuleResult[] = [];
  for (const entry of selected) {
    const log = (message: string): void => {
      process.stderr.write(`[${entry.name}] ${message}\n`);
    };
    modules.push(await runModule(entry, { quick: args.quick, log }));
  }
  const cpus = os.cpus();
  const results: BenchResults = {
    schemaVersion: 1,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    quick: args.quick,
    host: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpuModel: cpus[0]?.model ?? 'unknown',
      cpuCount: cpus.length,
      loadAverage: { start: loadStart, end: os.loadavg()[0] },
    },
    modules,
  };
  process.stdout.write(`${formatResults(results)}\n`);
  const written = writeResults(results, resultsDir(), started);
  process.stdout.write(`\nwrote ${written.join(' and ')}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
