import * as tf from '@tensorflow/tfjs';

export interface Layer {
  W: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** The network as a class; the products written with tf.einsum. */
class SigmoidNet {
  constructor(private readonly layers: Layer[]) {}

  forward(x: tf.Tensor2D): { zs: tf.Tensor2D[]; activations: tf.Tensor2D[] } {
    const zs: tf.Tensor2D[] = [];
    const activations: tf.Tensor2D[] = [x];
    for (const { W, b } of this.layers) {
      const a = activations[activations.length - 1];
      // z[n, o] = Σ_i a[n, i] W[o, i] + b[o]
      const z = tf.tidy(() => tf.einsum('ni,oi->no', a, W).add(b) as tf.Tensor2D);
      zs.push(z);
      activations.push(tf.sigmoid(z));
    }
    return { zs, activations };
  }

  backward(x: tf.Tensor2D, y: tf.Tensor2D) {
    return tf.tidy(() => {
      const { activations } = this.forward(x);
      const count = this.layers.length;
      const sigmaPrime = (a: tf.Tensor2D) => a.mul(a.neg().add(1)) as tf.Tensor2D;
      const deltas: tf.Tensor2D[] = new Array(count);
      deltas[count - 1] = activations[count].sub(y).div(x.shape[0]).mul(sigmaPrime(activations[count]));
      for (let k = count - 2; k >= 0; k--) {
        // δ[n, i] = Σ_o δ'[n, o] W[o, i]
        deltas[k] = tf.einsum('no,oi->ni', deltas[k + 1], this.layers[k + 1].W).mul(sigmaPrime(activations[k + 1]));
      }
      // dW[o, i] = Σ_n δ[n, o] a[n, i]
      const dW = deltas.map((d, k) => tf.einsum('no,ni->oi', d, activations[k]) as tf.Tensor2D);
      const db = deltas.map((d) => d.sum(0) as tf.Tensor1D);
      return { deltas, dW, db };
    });
  }
}

export function forward(layers: Layer[], x: tf.Tensor2D) {
  return new SigmoidNet(layers).forward(x);
}

export function backward(layers: Layer[], x: tf.Tensor2D, y: tf.Tensor2D) {
  return new SigmoidNet(layers).backward(x, y);
}
