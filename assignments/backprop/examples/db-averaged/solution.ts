import * as tf from '@tensorflow/tfjs';

export interface Layer {
  W: tf.Tensor2D;
  b: tf.Tensor1D;
}

export function forward(layers: Layer[], x: tf.Tensor2D): { zs: tf.Tensor2D[]; activations: tf.Tensor2D[] } {
  const zs: tf.Tensor2D[] = [];
  const activations: tf.Tensor2D[] = [x];
  for (const layer of layers) {
    const a = activations[activations.length - 1];
    const z = tf.matMul(a, layer.W, false, true).add(layer.b) as tf.Tensor2D;
    zs.push(z);
    activations.push(tf.sigmoid(z));
  }
  return { zs, activations };
}

export function backward(layers: Layer[], x: tf.Tensor2D, y: tf.Tensor2D) {
  const { activations } = forward(layers, x);
  const n = x.shape[0];
  const L = layers.length;
  const sigmaPrime = (a: tf.Tensor2D) => a.mul(tf.onesLike(a).sub(a)) as tf.Tensor2D;
  const deltas: tf.Tensor2D[] = [];
  deltas[L - 1] = activations[L].sub(y).div(n).mul(sigmaPrime(activations[L]));
  for (let k = L - 2; k >= 0; k--) {
    deltas[k] = tf.matMul(deltas[k + 1], layers[k + 1].W).mul(sigmaPrime(activations[k + 1]));
  }
  const dW = deltas.map((d, k) => tf.matMul(d, activations[k], true, false) as tf.Tensor2D);
  const db = deltas.map((d) => tf.mean(d, 0) as tf.Tensor1D); // averaged over the batch
  return { deltas, dW, db };
}
