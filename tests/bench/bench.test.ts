/**
 * The benchmark's pure parts: command line, module selection and isolation, timing rules,
 * kernel totals, rows and the printed table. Nothing here measures anything.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBenchArgs } from './bench-args';
import { fileStamp, formatResults, writeResults } from './bench-report';
import { runModule, selectModules } from './bench-runner';
import { BenchResultsSchema, type BenchResults, type BenchRow } from './bench-types';
import { BENCH_MODULES, type BenchModuleEntry } from './modules';
import { runTrainingLoop, type Clock } from './training-loop';
import { aggregateKernels, median, type Measurement } from './training-protocol';
import { caseConfig, toRow } from './training-throughput';

const quiet = { quick: true, log: () => undefined };

describe('parseBenchArgs', () => {
  it('reads --quick and repeated or comma-separated --only', () => {
    const { args, errors } = parseBenchArgs(['--quick', '--only', 'a,b', '--only=c']);
    expect(errors).toEqual([]);
    expect(args).toEqual({ only: ['a', 'b', 'c'], quick: true, help: false });
  });

  it('reports every problem at once', () => {
    const { errors } = parseBenchArgs(['--fast', '--only', '--quick', '--only']);
    expect(errors).toEqual([
      "unknown argument '--fast'",
      '--only needs a module name',
      '--only needs a module name',
    ]);
  });
});

describe('modules', () => {
  const ok: BenchModuleEntry = {
    name: 'ok',
    load: async () => ({
      name: 'ok',
      run: async () => [{ name: 'x', status: 'ok', value: 1, unit: 'ms', better: 'lower' }],
    }),
  };
  const throws: BenchModuleEntry = {
    name: 'throws',
    load: async () => ({
      name: 'throws',
      run: async () => {
        throw new Error('boom\nsecond line');
      },
    }),
  };
  const malformed: BenchModuleEntry = {
    name: 'malformed',
    load: async () => ({
      name: 'malformed',
      run: async () => [{ name: 'x', status: 'great' } as unknown as BenchRow],
    }),
  };

  it('every listed module has a unique name', () => {
    const names = BENCH_MODULES.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('selects by name and reports unknown names', () => {
    const { selected, unknown } = selectModules([ok, throws], ['throws', 'nope']);
    expect(selected.map((m) => m.name)).toEqual(['throws']);
    expect(unknown).toEqual(['nope']);
  });

  it('turns a throwing module into one failed row', async () => {
    const result = await runModule(throws, quiet);
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]).toMatchObject({ status: 'failed', message: 'module threw: boom' });
  });

  it('turns a row that does not fit the schema into a failed row', async () => {
    const result = await runModule(malformed, quiet);
    expect(result.rows[0].status).toBe('failed');
    expect(result.rows[0].message).toMatch(/^row 0 does not fit BenchRow: status/);
  });

  it('notices a module whose name disagrees with its entry', async () => {
    const result = await runModule({ ...ok, name: 'other' }, quiet);
    expect(result.rows[0].message).toMatch(/lists 'other' but the module calls itself 'ok'/);
  });
});

/** A clock where each step takes `stepSeconds` and uses `cpuPerStep` CPU seconds. */
function fakeClock(stepSeconds: number, cpuPerStep: number): { clock: Clock; step: () => number } {
  let wall = 0;
  let cpu = 0;
  let steps = 0;
  return {
    clock: { now: () => wall, cpu: () => cpu },
    step: () => {
      wall += stepSeconds;
      cpu += cpuPerStep;
      steps += 1;
      return 1 / steps;
    },
  };
}

describe('runTrainingLoop', () => {
  it('warms up, then times whole-step rounds of at least roundSeconds', () => {
    const { clock, step } = fakeClock(0.125, 0.125);
    const config = caseConfig('mlp', false);
    const result = runTrainingLoop(step, config, undefined, clock);
    // Warm-up: at least 3 steps and 1 s. Rounds of 1 s = 8 steps, up to maxRounds (7) since
    // the 8 s budget is not spent before.
    expect(result.warmupSteps).toBe(8);
    expect(result.rounds.map((r) => r.steps)).toEqual(Array(7).fill(8));
    expect(result.cpuPerWall).toBeCloseTo(1);
    expect(result.lossFirst).toBe(1);
  });

  it('keeps a slow backend to a few steps (CPU CNN: seconds per step)', () => {
    const { clock, step } = fakeClock(4.5, 4.5);
    const result = runTrainingLoop(step, caseConfig('cnn', false), undefined, clock);
    expect(result.warmupSteps).toBe(2);
    expect(result.rounds).toHaveLength(3);
    expect(result.rounds.every((r) => r.steps === 1)).toBe(true);
  });

  it('stops at three times the budget even before minRounds', () => {
    const { clock, step } = fakeClock(30, 30);
    const result = runTrainingLoop(step, caseConfig('cnn', false), undefined, clock);
    expect(result.rounds).toHaveLength(1);
  });
});

describe('median', () => {
  it('takes the middle, or the mean of the two middles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('aggregateKernels', () => {
  it('totals per name, largest first, keeps scopes and untimed calls out of the sum', () => {
    const result = aggregateKernels(
      [
        { name: 'MatMul', ms: 2 },
        { name: 'Add', ms: 0.5 },
        { name: 'MatMul', ms: 3 },
        { name: 'Reshape', ms: undefined },
        { name: 'fusedMatMul__op', ms: 4, scope: true },
      ],
      2,
    );
    expect(result.top).toEqual([
      { name: 'MatMul', ms: 5, count: 2 },
      { name: 'Add', ms: 0.5, count: 1 },
    ]);
    expect(result.kernelMsSum).toBe(5.5);
    expect(result.kernelCalls).toBe(4);
    expect(result.untimedCalls).toBe(1);
    expect(result.distinctKernels).toBe(3);
    expect(result.scopes).toEqual([{ name: 'fusedMatMul__op', ms: 4, count: 1 }]);
  });

  it('has no sum when nothing could be timed', () => {
    const result = aggregateKernels([{ name: 'A', ms: undefined }], 8);
    expect(result.kernelMsSum).toBeNull();
    expect(result.top).toEqual([{ name: 'A', ms: null, count: 1 }]);
  });
});

const timing = (samplesPerSecond: number): Extract<Measurement, { status: 'ok' }>['timing'] => ({
  warmupSteps: 3,
  warmupSeconds: 1,
  rounds: [{ steps: 10, seconds: 1 }],
  samplesPerSecond,
  overallSamplesPerSecond: samplesPerSecond,
  cpuPerWall: 1,
  lossFirst: 2.3,
  lossLast: 2.1,
  leakedTensorsPerStep: 0,
});

describe('toRow', () => {
  const config = caseConfig('cnn', true);
  const torch: Measurement = { status: 'ok', runtime: {}, timing: timing(1000) };

  it('gives the ratio to PyTorch and holds it against the target', () => {
    const wasm: Measurement = { status: 'ok', runtime: {}, timing: timing(350) };
    const row = toRow({ model: 'cnn', runner: 'wasm', config, measurement: wasm, reference: torch, target: 0.3 });
    expect(row).toMatchObject({ name: 'cnn / wasm', status: 'ok', value: 350 });
    expect(row.ratio).toEqual({ to: 'pytorch', value: 0.35 });
    expect(row.target).toEqual({ description: '≥ 0.30x pytorch', met: true });
  });

  it('reports a kernel missing on wasm as a failed row, target unknown', () => {
    const failed: Measurement = {
      status: 'failed',
      phase: 'warm-up',
      reason: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'",
      runtime: {},
    };
    const row = toRow({ model: 'cnn', runner: 'wasm', config, measurement: failed, reference: torch, target: 0.3 });
    expect(row.status).toBe('failed');
    expect(row.value).toBeNull();
    expect(row.message).toBe("warm-up: Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'");
    expect(row.target?.met).toBeNull();
  });

  it('has no ratio when PyTorch was skipped', () => {
    const skipped: Measurement = { status: 'skipped', reason: 'torch not available', runtime: {} };
    const wasm: Measurement = { status: 'ok', runtime: {}, timing: timing(350) };
    const row = toRow({ model: 'cnn', runner: 'wasm', config, measurement: wasm, reference: skipped, target: 0.3 });
    expect(row.ratio).toBeUndefined();
    expect(row.target?.met).toBeNull();
    const torchRow = toRow({ model: 'cnn', runner: 'pytorch', config, measurement: skipped, reference: skipped, target: undefined });
    expect(torchRow).toMatchObject({ status: 'skipped', message: 'torch not available' });
  });
});

describe('report', () => {
  const results: BenchResults = {
    schemaVersion: 1,
    startedAt: '2025-05-01T14:03:22.123Z',
    finishedAt: '2025-05-01T14:05:00.000Z',
    quick: false,
    host: { node: 'v20', platform: 'linux', arch: 'x64', cpuModel: 'cpu', cpuCount: 2, loadAverage: { start: 1, end: 2 } },
    modules: [
      {
        name: 'training-throughput',
        durationMs: 1,
        rows: [
          {
            name: 'mlp / wasm',
            status: 'ok',
            value: 4678.3,
            unit: 'samples/s',
            better: 'higher',
            ratio: { to: 'pytorch', value: 0.0017 },
            target: { description: '≥ 0.20x pytorch', met: false },
            breakdown: {
              title: 'one step',
              totalMs: 6.7,
              items: [{ name: 'BatchMatMul', ms: 3.7, count: 4 }],
            },
          },
        ],
      },
    ],
  };

  it('prints one line per row, small ratios readable, and the breakdown', () => {
    const text = formatResults(results);
    expect(text).toMatch(/mlp \/ wasm\s+ok\s+4678\s+samples\/s\s+0\.0017x pytorch\s+≥ 0\.20x pytorch: FAIL/);
    expect(text).toContain('BatchMatMul 3.70ms×4');
  });

  it('writes a dated file and latest.json that read back through the schema', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    const [dated, latest] = writeResults(results, dir, new Date(results.startedAt));
    expect(path.basename(dated)).toBe(`bench-${fileStamp(new Date(results.startedAt))}.json`);
    expect(path.basename(dated)).toBe('bench-2025-05-01T14-03-22Z.json');
    const back = BenchResultsSchema.parse(JSON.parse(fs.readFileSync(latest, 'utf8')));
    expect(back).toEqual(results);
    fs.rmSync(dir, { recursive: true });
  });
});
