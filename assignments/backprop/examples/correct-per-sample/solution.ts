import * as tf from '@tensorflow/tfjs';

export interface Layer {
  W: tf.Tensor2D;
  b: tf.Tensor1D;
}

export function forward(layers: Layer[], x: tf.Tensor2D): { zs: tf.Tensor2D[]; activations: tf.Tensor2D[] } {
  return tf.tidy(() => {
    const zs: tf.Tensor2D[] = [];
    const activations: tf.Tensor2D[] = [x.clone()];
    layers.forEach((layer, k) => {
      zs.push(activations[k].matMul(layer.W.transpose()).add(layer.b));
      activations.push(zs[k].sigmoid());
    });
    return { zs, activations };
  });
}

/**
 * The lecture's equations for one sample (column vectors), applied sample by sample and summed:
 * δ^L = (a − y)/N ⊙ σ'(z), δ^k = (W^(k+1))ᵀ δ^(k+1) ⊙ σ'(z^k), ∂W^k += δ^k (a^(k−1))ᵀ, ∂b^k += δ^k.
 */
export function backward(layers: Layer[], x: tf.Tensor2D, y: tf.Tensor2D) {
  return tf.tidy(() => {
    const n = x.shape[0];
    const L = layers.length;
    const deltaRows: tf.Tensor1D[][] = layers.map(() => []);
    let dW = layers.map((l) => tf.zerosLike(l.W) as tf.Tensor2D);
    let db = layers.map((l) => tf.zerosLike(l.b) as tf.Tensor1D);
    for (let s = 0; s < n; s++) {
      const a: tf.Tensor1D[] = [x.gather(s) as tf.Tensor1D];
      for (const { W, b } of layers) a.push(tf.sigmoid(tf.dot(W, a[a.length - 1]).add(b)) as tf.Tensor1D);
      const sp = (k: number) => a[k + 1].mul(tf.sub(1, a[k + 1]));
      const deltas: tf.Tensor1D[] = new Array(L);
      deltas[L - 1] = a[L].sub(y.gather(s)).div(n).mul(sp(L - 1)) as tf.Tensor1D;
      for (let k = L - 2; k >= 0; k--) deltas[k] = tf.dot(layers[k + 1].W.transpose(), deltas[k + 1]).mul(sp(k)) as tf.Tensor1D;
      dW = dW.map((g, k) => g.add(tf.outerProduct(deltas[k], a[k])) as tf.Tensor2D);
      db = db.map((g, k) => g.add(deltas[k]) as tf.Tensor1D);
      deltas.forEach((d, k) => deltaRows[k].push(d));
    }
    return { deltas: deltaRows.map((rows) => tf.stack(rows) as tf.Tensor2D), dW, db };
  });
}
