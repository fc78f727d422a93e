/**
 * The benchmark modules `npm run bench` knows, in the order they run. Adding one is one line
 * here. Each loads lazily, so `--only` never imports (or pays for) the others; the runner
 * checks that the loaded module's `name` matches its entry.
 */
import type { BenchModule } from './bench-types';

export interface BenchModuleEntry {
  readonly name: string;
  load(): Promise<BenchModule>;
}

export const BENCH_MODULES: readonly BenchModuleEntry[] = [
  { name: 'training-throughput', load: () => import('./training-throughput') },
  { name: 'sandbox-overhead', load: () => import('./sandbox-overhead') },
  { name: 'boundary-overhead', load: () => import('./boundary-overhead') },
  { name: 'grading-latency', load: () => import('./grading-latency') },
  { name: 'push-latency', load: () => import('./push-latency') },
  { name: 'kit-check', load: () => import('./kit-check') },
  { name: 'page-latency', load: () => import('./page-latency') },
];
