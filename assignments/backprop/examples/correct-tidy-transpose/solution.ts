import * as tf from '@tensorflow/tfjs';

export interface Layer {
  W: tf.Tensor2D;
  b: tf.Tensor1D;
}

const sigmoidPrimeOfZ = (z: tf.Tensor2D): tf.Tensor2D =>
  tf.tidy(() => {
    const s = tf.sigmoid(z);
    return tf.mul(s, tf.sub(1, s));
  });

export const forward = (layers: Layer[], x: tf.Tensor2D) => {
  const zs: tf.Tensor2D[] = [];
  const activations: tf.Tensor2D[] = [x];
  layers.forEach(({ W, b }, k) => {
    const Wt = tf.transpose(W);
    const product = tf.matMul(activations[k], Wt);
    zs.push(tf.add(product, b));
    activations.push(tf.sigmoid(zs[k]));
    tf.dispose([Wt, product]);
  });
  return { zs, activations };
};

/** Deltas from z (σ' recomputed from zs), intermediates disposed by hand, never the inputs. */
export const backward = (layers: Layer[], x: tf.Tensor2D, y: tf.Tensor2D) => {
  const { zs, activations } = forward(layers, x);
  const L = layers.length;
  const deltas: tf.Tensor2D[] = [];
  const error = tf.div(tf.sub(activations[L], y), y.shape[0]);
  const outPrime = sigmoidPrimeOfZ(zs[L - 1]);
  deltas.unshift(tf.mul(error, outPrime));
  tf.dispose([error, outPrime]);
  for (let k = L - 2; k >= 0; k--) {
    const back = tf.matMul(deltas[0], layers[k + 1].W);
    const prime = sigmoidPrimeOfZ(zs[k]);
    deltas.unshift(tf.mul(back, prime));
    tf.dispose([back, prime]);
  }
  const dW = deltas.map((d, k) => tf.matMul(tf.transpose(d), activations[k]));
  const db = deltas.map((d) => tf.sum(d, 0));
  // activations[0] is x, the caller's: dispose only what forward created.
  tf.dispose([...zs, ...activations.slice(1)]);
  return { deltas, dW, db } as { deltas: tf.Tensor2D[]; dW: tf.Tensor2D[]; db: tf.Tensor1D[] };
};
