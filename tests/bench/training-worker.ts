/**
 * Measures one training case (one model on one tfjs backend) in a process of its own and
 * answers with one Measurement: over IPC when started by training-throughput.ts, otherwise
 * on stdout, so a case can be run by hand:
 *
 *   node dist/tests/bench/training-worker.js '{"backend":"wasm","config":{...}}'
 *
 * Nothing here throws past main(): a backend that does not initialise is a skipped
 * measurement, a step that throws (a kernel not registered on wasm, say) a failed one.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, initBackend } from '../../grader/tensors';
import { runTrainingLoop } from './training-loop';
import { createTrainer, type Trainer } from './training-models';
import {
  aggregateKernels,
  summariseRounds,
  TfjsWorkerArgsSchema,
  type KernelCall,
  type Measurement,
  type Phase,
  type StepProfile,
  type TfjsWorkerArgs,
} from './training-protocol';

function errorText(err: unknown): { reason: string; stack?: string } {
  if (err instanceof Error) return { reason: err.message, stack: err.stack };
  if (typeof err === 'object' && err !== null && 'message' in err) {
    return { reason: String(err.message) };
  }
  return { reason: String(err) };
}

/** The OS threads of this process (Linux), to show whether anything ran multi-threaded. */
function osThreads(): number | undefined {
  try {
    const match = /^Threads:\s+(\d+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function describeRuntime(backend: TfjsWorkerArgs['backend']): Promise<Record<string, unknown>> {
  const runtime: Record<string, unknown> = {
    tfjs: tf.version.tfjs,
    node: process.version,
    backend: tf.getBackend(),
  };
  if (backend === 'wasm') {
    // In Node, tfjs-backend-wasm never loads its threaded binary (WASM_HAS_MULTITHREAD_SUPPORT
    // is hard-wired to false under IS_NODE, tfjs issue 3830): wasm here runs on one thread,
    // with SIMD when the CPU has it.
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    runtime.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    runtime.wasmMultithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    runtime.wasmThreads = wasm.getThreadsCount();
  }
  return runtime;
}

async function profileStep(trainer: Trainer, top: number): Promise<StepProfile> {
  const start = performance.now();
  const info = await tf.profile(() => {
    trainer.step();
  });
  const stepWallMs = performance.now() - start;
  const backend = tf.getBackend();
  const calls: KernelCall[] = info.kernels.map((kernel) => ({
    name: kernel.name,
    // After tf.profile resolves, kernelTimeMs is a number, or {error} where the backend's
    // timer could not time the kernel (its wall time then only shows in stepWallMs).
    ms: typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : undefined,
    // Names with no kernel registered for the backend are tf.customGrad op scopes.
    scope: tf.getKernel(kernel.name, backend) === undefined,
  }));
  return { source: 'tf.profile', stepWallMs, ...aggregateKernels(calls, top) };
}

export async function measure(args: TfjsWorkerArgs): Promise<Measurement> {
  const { backend, config } = args;
  let phase: Phase = 'init';
  let runtime: Record<string, unknown> = { tfjs: tf.version.tfjs, node: process.version };
  try {
    await initBackend(backend);
    runtime = await describeRuntime(backend);
  } catch (err) {
    if (err instanceof BackendUnavailableError) {
      return { status: 'skipped', reason: err.message, runtime };
    }
    return { status: 'failed', phase, ...errorText(err), runtime };
  }

  let trainer: Trainer | undefined;
  try {
    phase = 'build';
    trainer = createTrainer(config);
    const current = trainer;
    const tensorsBefore = { value: 0 };
    const loop = runTrainingLoop(
      () => current.step(),
      config,
      (next) => {
        phase = next;
        if (next === 'timed') tensorsBefore.value = tf.memory().numTensors;
      },
    );
    const timedSteps = loop.rounds.reduce((sum, r) => sum + r.steps, 0);
    const leakedTensorsPerStep = (tf.memory().numTensors - tensorsBefore.value) / timedSteps;

    phase = 'profile';
    let profile: StepProfile | undefined;
    let profileError: string | undefined;
    try {
      profile = await profileStep(trainer, config.topKernels);
    } catch (err) {
      profileError = errorText(err).reason;
    }
    runtime.osThreads = osThreads();
    return {
      status: 'ok',
      runtime,
      timing: {
        warmupSteps: loop.warmupSteps,
        warmupSeconds: loop.warmupSeconds,
        rounds: loop.rounds,
        ...summariseRounds(loop.rounds, config.batchSize),
        cpuPerWall: loop.cpuPerWall,
        lossFirst: loop.lossFirst,
        lossLast: loop.lossLast,
        leakedTensorsPerStep,
      },
      profile,
      profileError,
    };
  } catch (err) {
    return { status: 'failed', phase, ...errorText(err), runtime };
  } finally {
    try {
      trainer?.dispose();
    } catch {
      // The process ends right after; a failed step may leave the model half-disposed.
    }
  }
}

async function main(): Promise<void> {
  let measurement: Measurement;
  try {
    const args = TfjsWorkerArgsSchema.parse(JSON.parse(process.argv[2] ?? ''));
    measurement = await measure(args);
  } catch (err) {
    measurement = { status: 'failed', phase: 'init', ...errorText(err), runtime: {} };
  }
  const send = process.send?.bind(process);
  if (send) {
    send(measurement, undefined, undefined, () => process.exit(0));
  } else {
    process.stdout.write(`${JSON.stringify(measurement)}\n`, () => process.exit(0));
  }
}

if (require.main === module) void main();
