import * as tf from '@tensorflow/tfjs';

export interface Layer {
  W: tf.Tensor2D;
  b: tf.Tensor1D;
}

export function forward(layers: Layer[], x: tf.Tensor2D): { zs: tf.Tensor2D[]; activations: tf.Tensor2D[] } {
  const zs: tf.Tensor2D[] = [];
  const activations: tf.Tensor2D[] = [x];
  for (const layer of layers) {
    const z = tf.matMul(activations[activations.length - 1], layer.W, false, true).add(layer.b) as tf.Tensor2D;
    zs.push(z);
    activations.push(tf.sigmoid(z));
  }
  return { zs, activations };
}

export function backward(layers: Layer[], x: tf.Tensor2D, y: tf.Tensor2D) {
  return tf.tidy(() => {
    const { activations } = forward(layers, x);
    const n = x.shape[0];
    const sigmaPrime = (a: tf.Tensor2D) => a.mul(tf.scalar(1).sub(a)) as tf.Tensor2D;
    // Walk the layers from the output back: reverse() reverses the caller's array in place.
    const backwards = layers.reverse();
    const outs = activations.slice(1).reverse();
    const ins = activations.slice(0, -1).reverse();
    const deltas: tf.Tensor2D[] = [];
    let delta = outs[0].sub(y).div(n).mul(sigmaPrime(outs[0])) as tf.Tensor2D;
    deltas.push(delta);
    for (let j = 1; j < backwards.length; j++) {
      delta = tf.matMul(delta, backwards[j - 1].W).mul(sigmaPrime(outs[j])) as tf.Tensor2D;
      deltas.push(delta);
    }
    const dW = deltas.map((d, j) => tf.matMul(d, ins[j], true, false) as tf.Tensor2D);
    const db = deltas.map((d) => d.sum(0) as tf.Tensor1D);
    return { deltas: deltas.reverse(), dW: dW.reverse(), db: db.reverse() };
  });
}
