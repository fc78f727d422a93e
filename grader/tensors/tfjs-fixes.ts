/**
 * Fixes for TensorFlow.js 4.22 bugs that correct student code hits, applied wherever a tensor
 * backend is set up (the runner that runs student code and the trusted grader alike), on every
 * backend: a correct submission must score the same whichever backend grades it.
 *
 * Each fix names the upstream defect and is checked by tests/tensors/tfjs-fixes.test.ts
 * against the mathematically right value.
 */
import * as tf from '@tensorflow/tfjs';

let applied = false;

/** Applies every fix once (one tfjs instance per process, see backend.ts). Idempotent. */
export function applyTfjsFixes(): void {
  if (applied) return;
  applied = true;
  fixSquaredDifferenceGradient();
  fixOptimizerDisposal();
}

/**
 * SquaredDifference's gradient (tfjs-core gradients/SquaredDifference_grad) returns
 * 2·dy·(a−b) at the broadcast shape for both inputs: `tf.squaredDifference(x, y)` with x [3,4]
 * and y [4] makes tf.grads throw ("The gradient of input 'b' has shape '3,4'") and an
 * optimizer cannot train a broadcast centre or bias through it. The replacement reduces over
 * the broadcast axes the way Sub's gradient does.
 */
function fixSquaredDifferenceGradient(): void {
  const config: tf.GradConfig = {
    kernelName: 'SquaredDifference',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const grad = dy as tf.Tensor;
      const [a, b] = saved;
      const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const reduceTo = (t: tf.Tensor, shape: number[]): tf.Tensor => {
        const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
        return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
      };
      const two = tf.scalar(2);
      return {
        a: () => reduceTo(tf.mul(grad, tf.mul(two, tf.sub(a, b))), a.shape),
        b: () => reduceTo(tf.mul(grad, tf.mul(two, tf.sub(b, a))), b.shape),
      };
    },
  };
  withoutWarnings(() => tf.registerGradient(config));
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
