/**
 * Training throughput: samples/s of one training step of the lecture's MLP and of a small CNN
 * on every tfjs backend that initialises here, next to PyTorch (one thread) in the same run.
 *
 * Each case runs in its own process (see training-protocol.ts for why): training-worker.js for
 * tfjs, torch_training.py for PyTorch. Cases run one after another, never side by side, and
 * PyTorch runs right before the tfjs backends of the same model so the ratios compare
 * numbers taken under the same background load.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKEND_NAMES, type BackendName } from '../../grader/tensors';
import type { BenchContext, BenchRow, Breakdown } from './bench-types';
import { packageRoot } from './bench-paths';
import {
  MeasurementSchema,
  MODEL_KINDS,
  type Measurement,
  type ModelKind,
  type StepProfile,
  type TrainingCaseConfig,
} from './training-protocol';

export const name = 'training-throughput';

/** Targets for tfjs-wasm as a fraction of PyTorch's samples/s, measured in the same run. */
const WASM_TARGETS: Record<ModelKind, number> = { mlp: 0.2, cnn: 0.3 };
const REFERENCE = 'pytorch';
const TOP_KERNELS = 8;
/** CPU seconds per wall second above which a "one-thread" measurement kept a second core busy. */
const BUSY_SECOND_CORE = 1.25;

const MODEL_TITLES: Record<ModelKind, string> = {
  mlp: 'MLP 784-100-10',
  cnn: 'CNN c16-p-c32-p-d10',
};

export function caseConfig(model: ModelKind, quick: boolean): TrainingCaseConfig {
  const common = {
    model,
    batchSize: 32,
    seed: 20240501,
    learningRate: 0.01,
    momentum: 0.9,
    batches: 4,
    topKernels: TOP_KERNELS,
  };
  return quick
    ? {
        ...common,
        warmupSteps: 1,
        warmupSeconds: 0,
        warmupMaxSeconds: 1,
        roundSeconds: 0.25,
        minRounds: 1,
        maxRounds: 2,
        budgetSeconds: 0.5,
      }
    : {
        ...common,
        warmupSteps: 3,
        warmupSeconds: 1,
        warmupMaxSeconds: 5,
        roundSeconds: 1,
        minRounds: 3,
        maxRounds: 7,
        budgetSeconds: 8,
      };
}

/** Generous: a loaded machine can take 10 s per CPU CNN step. Only a hang should hit it. */
function caseTimeoutMs(quick: boolean): number {
  return quick ? 180_000 : 600_000;
}

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

function firstLine(text: string, max = 200): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function malformed(what: string, detail: string): Measurement {
  return { status: 'failed', phase: 'init', reason: `${what}: ${detail}`, runtime: {} };
}

/** Keeps the last `limit` characters of a stream. */
function tail(stream: NodeJS.ReadableStream | null, limit = 8192): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-limit);
  });
  return () => text;
}

function runTfjsCase(backend: BackendName, config: TrainingCaseConfig, timeoutMs: number): Promise<Measurement> {
  const workerPath = path.join(packageRoot(), 'dist', 'tests', 'bench', 'training-worker.js');
  if (!fs.existsSync(workerPath)) {
    return Promise.resolve(malformed('worker missing', `${workerPath} (run npm run build)`));
  }
  return new Promise((resolve) => {
    const child = fork(workerPath, [JSON.stringify({ backend, config })], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    const stderr = tail(child.stderr);
    let answer: Measurement | undefined;
    let settled = false;
    const finish = (m: Measurement): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(m);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(malformed('timeout', `no answer after ${timeoutMs / 1000} s; killed`));
    }, timeoutMs);
    child.on('message', (message: unknown) => {
      const parsed = MeasurementSchema.safeParse(message);
      answer = parsed.success
        ? parsed.data
        : malformed('worker answered malformed measurement', parsed.error.message);
    });
    child.on('error', (err) => finish(malformed('could not start worker', err.message)));
    // 'close' rather than 'exit': it comes after the IPC channel and stdio have drained, so
    // an answer sent just before exiting has been seen.
    child.on('close', (code, signal) => {
      finish(
        answer ??
          malformed(
            'worker died without answering',
            `exit ${code ?? signal}; stderr: ${lastLines(stderr(), 3) || '(empty)'}`,
          ),
      );
    });
  });
}

interface TorchProbe {
  available: boolean;
  reason: string;
}

function probeTorch(): TorchProbe {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (probe.error) return { available: false, reason: `${PYTHON}: ${probe.error.message}` };
  if (probe.status !== 0) {
    return { available: false, reason: lastLines(probe.stderr, 1) || `exit ${probe.status}` };
  }
  return { available: true, reason: '' };
}

function runTorchCase(config: TrainingCaseConfig, timeoutMs: number): Promise<Measurement> {
  const script = path.join(packageRoot(), 'tests', 'bench', 'torch_training.py');
  return new Promise((resolve) => {
    // The environment passes through untouched (OpenBLAS settings included); the script
    // itself pins torch to one thread.
    const child = spawn(PYTHON, [script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = tail(child.stdout, 65536);
    const stderr = tail(child.stderr);
    let settled = false;
    const finish = (m: Measurement): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(m);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(malformed('timeout', `no answer after ${timeoutMs / 1000} s; killed`));
    }, timeoutMs);
    child.on('error', (err) => finish(malformed(`could not start ${PYTHON}`, err.message)));
    child.on('close', (code, signal) => {
      const line = stdout().trim().split('\n').pop() ?? '';
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        finish(
          malformed(
            'torch_training.py printed no JSON',
            `exit ${code ?? signal}; stderr: ${lastLines(stderr(), 3) || '(empty)'}`,
          ),
        );
        return;
      }
      const parsed = MeasurementSchema.safeParse(json);
      finish(
        parsed.success
          ? parsed.data
          : malformed('torch_training.py printed a malformed measurement', parsed.error.message),
      );
    });
  });
}

function profileBreakdown(profile: StepProfile): Breakdown {
  const torch = profile.source !== 'tf.profile';
  const sum = profile.kernelMsSum === null ? 'n/a' : `${profile.kernelMsSum.toFixed(1)} ms`;
  const untimed = profile.untimedCalls > 0 ? `, ${profile.untimedCalls} calls untimed` : '';
  return {
    title: torch
      ? `one profiled step, top ${profile.top.length} ops by self CPU ms (${profile.source})`
      : `one profiled step, top ${profile.top.length} kernels by total ms (${profile.source} kernelMs)`,
    totalMs: profile.stepWallMs,
    items: profile.top,
    note:
      `all ${profile.distinctKernels} ${torch ? 'ops' : 'kernels'}: ${sum} in ${profile.kernelCalls} calls` +
      `${untimed}; step wall time includes profiling overhead`,
  };
}

interface RowInput {
  model: ModelKind;
  runner: string;
  config: TrainingCaseConfig;
  measurement: Measurement;
  reference: Measurement | undefined;
  target: number | undefined;
}

export function toRow(input: RowInput): BenchRow {
  const { model, runner, config, measurement: m, reference, target } = input;
  const row: BenchRow = {
    name: `${model} / ${runner}`,
    status: m.status,
    value: null,
    unit: 'samples/s',
    better: 'higher',
    details: { model: MODEL_TITLES[model], runner, config, runtime: m.runtime },
  };
  const refRate = reference?.status === 'ok' ? reference.timing.samplesPerSecond : undefined;
  if (m.status === 'ok') {
    row.value = m.timing.samplesPerSecond;
    const notes = [
      `cpu/wall ${m.timing.cpuPerWall.toFixed(2)}`,
      `loss ${m.timing.lossFirst.toFixed(3)}→${m.timing.lossLast.toFixed(3)}`,
    ];
    if (typeof m.runtime.osThreads === 'number' && runner === REFERENCE) {
      notes.push(`${m.runtime.osThreads} OS threads`);
    }
    if (runner === REFERENCE && m.timing.cpuPerWall > BUSY_SECOND_CORE) {
      // torch is pinned to one thread, but Debian's OpenBLAS (pthread build) keeps its own
      // pool, which the benchmark leaves alone; OPENBLAS_NUM_THREADS=1 pins it too.
      notes.push('>1 core busy: OpenBLAS pool, env untouched');
    }
    const leak = m.timing.leakedTensorsPerStep;
    if (leak !== undefined && leak !== 0) notes.push(`LEAK ${leak.toFixed(1)} tensors/step`);
    if (m.profileError !== undefined) notes.push(`profile failed: ${firstLine(m.profileError, 80)}`);
    row.message = notes.join(', ');
    if (refRate !== undefined && runner !== REFERENCE) {
      row.ratio = { to: REFERENCE, value: m.timing.samplesPerSecond / refRate };
    }
    if (m.profile) row.breakdown = profileBreakdown(m.profile);
    row.details = { ...row.details, timing: m.timing, profile: m.profile, profileError: m.profileError };
  } else if (m.status === 'failed') {
    row.message = `${m.phase}: ${firstLine(m.reason)}`;
    row.details = { ...row.details, phase: m.phase, reason: m.reason, stack: m.stack };
  } else {
    row.message = firstLine(m.reason);
  }
  if (target !== undefined) {
    row.target = {
      description: `≥ ${target.toFixed(2)}x ${REFERENCE}`,
      met: row.ratio === undefined ? null : row.ratio.value >= target,
    };
  }
  return row;
}

function describe(m: Measurement): string {
  if (m.status === 'ok') return `${m.timing.samplesPerSecond.toFixed(1)} samples/s`;
  return `${m.status}: ${firstLine(m.reason, 120)}`;
}

export async function run(context: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const timeoutMs = caseTimeoutMs(context.quick);
  const torch = probeTorch();
  if (!torch.available) context.log(`pytorch: skipped: torch not available (${torch.reason})`);

  for (const model of MODEL_KINDS) {
    const config = caseConfig(model, context.quick);
    let reference: Measurement;
    if (torch.available) {
      context.log(`${model} / ${REFERENCE} …`);
      reference = await runTorchCase(config, timeoutMs);
    } else {
      reference = { status: 'skipped', reason: `torch not available (${torch.reason})`, runtime: {} };
    }
    context.log(`${model} / ${REFERENCE}: ${describe(reference)}`);
    rows.push(toRow({ model, runner: REFERENCE, config, measurement: reference, reference, target: undefined }));

    for (const backend of BACKEND_NAMES) {
      context.log(`${model} / ${backend} …`);
      const measurement = await runTfjsCase(backend, config, timeoutMs);
      context.log(`${model} / ${backend}: ${describe(measurement)}`);
      const target = backend === 'wasm' ? WASM_TARGETS[model] : undefined;
      rows.push(toRow({ model, runner: backend, config, measurement, reference, target }));
    }
  }
  return rows;
}
