/**
 * Fixes for TensorFlow.js 4.22 bugs that correct student code hits, applied wherever a tensor
 * backend is set up (the runner that runs student code and the trusted grader alike), on every
 * backend: a correct submission must score the same whichever backend grades it.
 *
 * Each fix names the upstream defect and is checked by tests/tensors/tfjs-fixes.test.ts
 * against the mathematically right value.
 */
import * as tf from '@tensorflow/tfjs';
import { resizeNearestNeighborGradCpuConfig } from './kernels/resize-nearest-neighbor-grad-cpu';

let applied = false;

/** Applies every fix once (one tfjs instance per process, see backend.ts). Idempotent. */
export function applyTfjsFixes(): void {
  if (applied) return;
  applied = true;
  fixBroadcastGradients();
  fixOptimizerDisposal();
  addEinsumGradient();
  replaceKernel(resizeNearestNeighborGradCpuConfig);
}

/** Replaces a backend's registered kernel by ours (the backend module must be loaded). */
function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) === config) return;
  if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

/**
 * tfjs 4.22 registers no gradient for Einsum ("Cannot compute gradient: gradient function not
 * found for Einsum"), on any backend. The derivative of an einsum with respect to one operand is
 * an einsum too: contract dy with the other operands onto that operand's indices
 * (d/dA of 'ij,jk->ik' is 'ik,jk->ij'), then broadcast along the indices the forward pass
 * summed away inside that operand alone. Repeated indices within one operand (diagonals) are
 * refused by the forward kernel already.
 */
function addEinsumGradient(): void {
  if (tf.getGradient('Einsum') !== undefined) return;
  tf.registerGradient({
    kernelName: 'Einsum',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const equation = String(attrs['equation']).replace(/\s/g, '');
      // The forward kernel accepts only explicit equations ('ij,jk->ik').
      const [lhs, rhs] = equation.split('->');
      const subs = lhs.split(',');
      const derivatives: Record<string, () => tf.Tensor> = {};
      saved.forEach((operand, k) => {
        derivatives[String(k)] = () => einsumDerivative(dy as tf.Tensor, rhs, subs, saved, k, operand.shape);
      });
      return derivatives;
    },
  });
}

function einsumDerivative(
  dy: tf.Tensor,
  outSubs: string,
  subs: string[],
  operands: tf.Tensor[],
  k: number,
  shape: number[],
): tf.Tensor {
  const mine = subs[k];
  if (new Set(mine).size !== mine.length) {
    throw new Error(`Einsum gradient: repeated index in operand '${mine}' is not supported`);
  }
  const otherSubs = subs.filter((_, i) => i !== k);
  const others = operands.filter((_, i) => i !== k);
  const reachable = outSubs + otherSubs.join('');
  const kept = mine.split('').filter((c) => reachable.includes(c)).join('');
  const contracted =
    otherSubs.length === 0 && kept === outSubs
      ? dy
      : tf.einsum([outSubs, ...otherSubs].join(',') + '->' + kept, dy, ...others);
  // Indices only this operand had were summed in the forward pass: the derivative is constant
  // along them.
  const keptShape = mine.split('').map((c, i) => (kept.includes(c) ? shape[i] : 1));
  return tf.broadcastTo(tf.reshape(contracted, keptShape), shape);
}

/**
 * Kernels whose tfjs 4.22 gradient forgets to reduce over broadcast axes: it returns the
 * derivative at the broadcast (output) shape, so `tf.grads` throws ("The gradient of input 'b'
 * has shape '3,4', which does not match the shape of the input '4'") and an optimizer cannot
 * train a broadcast operand (a centre in squaredDifference(x, c), a threshold in maximum(x, t),
 * a shared weight in matMul(x3d, w2d)). Sub's gradient shows the right way: sum over the axes
 * the input was broadcast along, then reshape to the input's shape.
 */
export const BROADCAST_GRADIENT_FIXES = ['SquaredDifference', 'Maximum', 'Minimum', 'BatchMatMul'] as const;

/**
 * Wraps the registered gradient of each of {@link BROADCAST_GRADIENT_FIXES} so that every
 * input's derivative is reduced to that input's shape. The upstream formula is kept (only the
 * reduction is added), so unbroadcast cases compute exactly what they did.
 */
function fixBroadcastGradients(): void {
  for (const kernelName of BROADCAST_GRADIENT_FIXES) {
    const upstream = tf.getGradient(kernelName);
    if (upstream === undefined || upstream.inputsToSave === undefined) continue;
    const inputsToSave = upstream.inputsToSave;
    const config: tf.GradConfig = {
      ...upstream,
      gradFunc: (dy, saved, attrs) => {
        const derivatives = upstream.gradFunc(dy, saved, attrs);
        const reduced: Record<string, () => tf.Tensor> = {};
        for (const [name, derivative] of Object.entries(derivatives)) {
          const index = inputsToSave.indexOf(name);
          const shape = index >= 0 ? saved[index]?.shape : undefined;
          reduced[name] = shape === undefined ? derivative : () => reduceToShape(derivative(), shape);
        }
        return reduced;
      },
    };
    withoutWarnings(() => tf.registerGradient(config));
  }
}

/** Sums `t` (a derivative at a broadcast shape) down to `shape`, numpy broadcasting rules. */
export function reduceToShape(t: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (tf.util.arraysEqual(t.shape, shape as number[])) return t;
  const extra = t.rank - shape.length;
  if (extra < 0) return tf.reshape(t, shape as number[]);
  const axes: number[] = [];
  for (let i = 0; i < t.rank; i++) {
    if (i < extra || (shape[i - extra] === 1 && t.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? tf.sum(t, axes, true) : t;
  return tf.reshape(summed, shape as number[]);
}

/**
 * MomentumOptimizer.dispose (tfjs-core optimizers/momentum_optimizer) frees its momentum scalar
 * and accumulators but never calls SGDOptimizer.dispose, so the learning-rate scalar `c` that
 * the SGD constructor keeps outlives the optimizer: one tensor leaked per momentum optimizer,
 * used or not. The patched dispose frees it too. (sgd, adam, rmsprop, adagrad, adadelta and
 * adamax free everything they made; tests/tensors/tfjs-fixes.test.ts checks all of them.)
 */
function fixOptimizerDisposal(): void {
  const proto = tf.MomentumOptimizer.prototype as unknown as {
    dispose(this: { c?: tf.Tensor }): void;
  };
  const upstream = proto.dispose;
  proto.dispose = function (this: { c?: tf.Tensor }): void {
    upstream.call(this);
    if (this.c !== undefined && !this.c.isDisposed) this.c.dispose();
  };
}

/** tfjs warns "Overriding the gradient for ..." on console.warn, which a runner captures. */
function withoutWarnings(body: () => void): void {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    body();
  } finally {
    console.warn = warn;
  }
}
