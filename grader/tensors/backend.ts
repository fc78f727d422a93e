/**
 * Tensor backend selection.
 *
 * Order of preference: `tensorflow` (@tensorflow/tfjs-node, an optional dependency whose
 * install downloads libtensorflow and often fails) → `wasm` (@tensorflow/tfjs-backend-wasm,
 * completed by our training kernels) → `cpu` (pure JS, always there, slow).
 * `GRADER_BACKEND` or an explicit name overrides the order; an explicit choice that cannot
 * load is an error, never a silent fallback, so a report never names the wrong backend.
 *
 * Every package here resolves the one @tensorflow/tfjs-core that @tensorflow/tfjs brings, so
 * kernels registered here are the ones student code sees. The same set-up runs in the runner
 * (student code) and in the trusted grader: on wasm, our kernels (kernels/index.ts), then a cpu
 * fallback for every kernel cpu has and wasm lacks or gets wrong (kernels/cpu-fallback.ts); on
 * every backend, the fixes for TF.js bugs correct student code hits (tfjs-fixes.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { registerCpuFallbacks, registerTrainingKernels } from './kernels';
import { applyTfjsFixes } from './tfjs-fixes';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

export class BackendUnavailableError extends Error {
  readonly code = 'BACKEND_UNAVAILABLE';
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`tensor backend '${backend}' is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

/** Loads the module that registers a backend with tfjs; returns why it failed, if it did. */
function loadBackendModule(name: BackendName): string | undefined {
  try {
    if (name === 'tensorflow') {
      // tfjs-node registers itself as 'tensorflow' on import. It is optional: absent when
      // its install could not download libtensorflow.
      require('@tensorflow/tfjs-node');
    } else if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
      registerTrainingKernels();
      // After ours: every kernel cpu has and wasm still lacks runs through cpu's kernel.
      registerCpuFallbacks();
    }
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

async function trySetBackend(name: BackendName): Promise<string | undefined> {
  // Fixes for tfjs bugs that correct student code hits, whatever the backend.
  applyTfjsFixes();
  const loadError = loadBackendModule(name);
  if (loadError !== undefined) return loadError;
  try {
    // setBackend resolves false (and logs) when the backend's initialisation fails.
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (ok && name === 'cpu') silenceCpuBackendAdvice();
    return ok && tf.getBackend() === name ? undefined : 'initialisation failed';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The cpu backend prints a "install tfjs-node" banner on its first tensor. In a runner that
 * banner would land in the submission's captured output, so it is consumed here.
 */
function silenceCpuBackendAdvice(): void {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    tf.tensor1d([0]).dispose();
  } finally {
    console.warn = warn;
  }
}

/**
 * Chooses and initialises the tensor backend; returns the name of the backend in use.
 * @param name an explicit backend; otherwise `GRADER_BACKEND`, otherwise the first that loads.
 */
export async function initBackend(name?: BackendName): Promise<BackendName> {
  const requested = name ?? readBackendFromEnv();
  if (requested !== undefined) {
    const error = await trySetBackend(requested);
    if (error !== undefined) throw new BackendUnavailableError(requested, error);
    return requested;
  }
  const failures: string[] = [];
  for (const candidate of BACKEND_NAMES) {
    const error = await trySetBackend(candidate);
    if (error === undefined) return candidate;
    failures.push(`${candidate}: ${error}`);
  }
  throw new BackendUnavailableError('any', failures.join('; '));
}

function readBackendFromEnv(): BackendName | undefined {
  const value = process.env.GRADER_BACKEND?.trim();
  if (value === undefined || value === '') return undefined;
  if (!isBackendName(value)) {
    throw new BackendUnavailableError(
      value,
      `GRADER_BACKEND must be one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
  return value;
}

/** The backends that load on this machine, without changing the active one for long. */
export async function availableBackends(): Promise<BackendName[]> {
  const before = tf.getBackend();
  const found: BackendName[] = [];
  for (const candidate of BACKEND_NAMES) {
    if ((await trySetBackend(candidate)) === undefined) found.push(candidate);
  }
  if (before) await tf.setBackend(before);
  return found;
}
