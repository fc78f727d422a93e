/**
 * Reference for backprop (lecture 1b–1c): a fully connected sigmoid network, its forward pass
 * and the four backpropagation equations, written out by hand (autograd is what the exercise
 * replaces).
 *
 * Layout, batch first: x is [N, in], W is [out, in], b is [out].
 *   zs[k]            = activations[k] · W_kᵀ + b_k                      [N, out_k]
 *   activations[k+1] = σ(zs[k])
 * Loss L = 1/(2N) · Σ_n ‖a^L_n − y_n‖², so with K layers:
 *   deltas[K−1] = (a^L − y)/N ⊙ σ'(z^L)
 *   deltas[k]   = (deltas[k+1] · W_{k+1}) ⊙ σ'(zs[k])
 *   dW[k]       = deltas[k]ᵀ · activations[k]                           [out_k, in_k]
 *   db[k]       = Σ_n deltas[k][n]                                      [out_k]
 * σ'(z) = σ(z)(1 − σ(z)) is read off the activations.
 */
import * as tf from '@tensorflow/tfjs';

export interface Layer {
  /** [out, in] */
  W: tf.Tensor2D;
  /** [out] */
  b: tf.Tensor1D;
}

export function forward(layers: Layer[], x: tf.Tensor2D): { zs: tf.Tensor2D[]; activations: tf.Tensor2D[] } {
  const zs: tf.Tensor2D[] = [];
  // activations[0] is a copy, so that disposing the result never disposes the caller's x.
  const activations: tf.Tensor2D[] = [x.clone()];
  for (const { W, b } of layers) {
    const z = tf.tidy(() => tf.matMul(activations[activations.length - 1], W, false, true).add(b) as tf.Tensor2D);
    zs.push(z);
    activations.push(tf.sigmoid(z));
  }
  return { zs, activations };
}

export function backward(
  layers: Layer[],
  x: tf.Tensor2D,
  y: tf.Tensor2D,
): { deltas: tf.Tensor2D[]; dW: tf.Tensor2D[]; db: tf.Tensor1D[] } {
  return tf.tidy(() => {
    const { activations } = forward(layers, x);
    const n = x.shape[0];
    const count = layers.length;
    const sigmaPrime = (k: number) => activations[k + 1].mul(tf.scalar(1).sub(activations[k + 1]));
    const deltas: tf.Tensor2D[] = new Array<tf.Tensor2D>(count);
    deltas[count - 1] = activations[count].sub(y).div(n).mul(sigmaPrime(count - 1));
    for (let k = count - 2; k >= 0; k--) {
      deltas[k] = tf.matMul(deltas[k + 1], layers[k + 1].W).mul(sigmaPrime(k));
    }
    const dW = deltas.map((delta, k) => tf.matMul(delta, activations[k], true, false) as tf.Tensor2D);
    const db = deltas.map((delta) => delta.sum(0) as tf.Tensor1D);
    return { deltas, dW, db };
  });
}
