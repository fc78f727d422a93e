/**
 * Whether the grading child's own tensor backend still works after a job. The trusted side
 * computes references and judges models on that backend; a wasm abort (its memory exhausted,
 * an internal assertion) or any other failure leaves it unusable or, worse, quietly wrong for
 * every later job of the process. Two signs are read: the wasm module's abort handler (a
 * failure even when later operations happen to succeed) and a small computation with a known
 * answer. A child with either sign is retired (grade-child.ts).
 */
import * as tf from '@tensorflow/tfjs';

interface AbortHook {
  onAbort?: (what: unknown) => void;
}

function isAbortHook(x: unknown): x is AbortHook {
  return typeof x === 'object' && x !== null && 'onAbort' in x;
}

/** The Emscripten modules already watched (one per wasm backend instance). */
const watched = new WeakSet<object>();
const aborts: string[] = [];

/**
 * Records every abort of the active wasm backend from now on. Idempotent; call it once the
 * job has chosen its backend (and again later: a no-op for a module already watched).
 */
export function watchBackend(): void {
  if (tf.getBackend() !== 'wasm') return;
  const backend: unknown = tf.backend();
  const module: unknown = typeof backend === 'object' && backend !== null && 'wasm' in backend ? backend.wasm : undefined;
  if (!isAbortHook(module) || watched.has(module)) return;
  watched.add(module);
  const previous = module.onAbort;
  module.onAbort = (what: unknown) => {
    aborts.push(`the wasm backend aborted (${String(what).slice(0, 200)})`);
    previous?.call(module, what);
  };
}

/** 1+4, 2+5, 3+6 and a 2x2 matrix product: what any working backend gets exactly right. */
function probe(): string | undefined {
  try {
    const got = tf.tidy(() => {
      const sum = tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6]));
      const product = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]));
      return [...sum.dataSync(), ...product.dataSync()];
    });
    const want = [5, 7, 9, 19, 22, 43, 50];
    if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
      return `the ${tf.getBackend()} backend computes wrong values ([${got.join(', ')}] for [${want.join(', ')}])`;
    }
    return undefined;
  } catch (err) {
    return `the ${tf.getBackend()} backend fails: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}

/**
 * What went wrong with the tensor backend since the last call, or undefined when it is
 * healthy (or no backend was ever chosen in this process).
 */
export function backendFailure(): string | undefined {
  let wrong: string | undefined;
  if (tf.getBackend() !== null && tf.getBackend() !== undefined) {
    watchBackend();
    wrong = probe();
  }
  // After the probe: a broken module aborts again on it, which adds nothing new.
  const found = [...new Set(aborts.splice(0))];
  if (wrong !== undefined) found.push(wrong);
  return found.length > 0 ? found.join('; ') : undefined;
}
