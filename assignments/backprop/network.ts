/**
 * Seeded test networks for the backprop spec, as plain data (what crosses to the runner), as
 * float64 matrices (for the finite differences and the mistakes' values) and run through the
 * reference (float32 tf, in the grader's process).
 */
import * as tf from '@tensorflow/tfjs';
import { fromTf, plainTensor, toTf, type PlainTensor } from '../../grader/compare';
import type { SeededRandom } from '../../grader/util/rng';
import type * as Reference from '../../reference/backprop';
import type { Gradients64, Layer64, Matrix } from './float64';

export interface PlainLayer {
  W: PlainTensor;
  b: PlainTensor;
}

export interface PlainGradients {
  deltas: PlainTensor[];
  dW: PlainTensor[];
  db: PlainTensor[];
}

export interface PlainForward {
  zs: PlainTensor[];
  activations: PlainTensor[];
}

export interface Network {
  /** Layer widths, input first: [3, 4, 2] is 3 inputs, 4 hidden units, 2 outputs. */
  sizes: number[];
  batch: number;
  layers: PlainLayer[];
  x: PlainTensor;
  y: PlainTensor;
  layers64: Layer64[];
  x64: Matrix;
  y64: Matrix;
}

function rows(values: Float32Array, count: number, width: number): Matrix {
  return Array.from({ length: count }, (_, r) => Array.from(values.subarray(r * width, (r + 1) * width)));
}

/**
 * Weights N(0, 1), biases N(0, 0.5²), inputs N(0, 1) and targets in (0, 1): the sigmoids stay
 * away from saturation, so σ' is never negligible and every mistake shows.
 */
export function makeNetwork(rng: SeededRandom, sizes: number[], batch: number): Network {
  const layers: PlainLayer[] = [];
  const layers64: Layer64[] = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    const [inputs, outputs] = [sizes[k], sizes[k + 1]];
    const W = rng.normals(outputs * inputs);
    const b = rng.normals(outputs, 0.5);
    layers.push({ W: plainTensor(W, [outputs, inputs]), b: plainTensor(b, [outputs]) });
    layers64.push({ W: rows(W, outputs, inputs), b: Array.from(b) });
  }
  const x = rng.normals(batch * sizes[0]);
  const out = sizes[sizes.length - 1];
  const y = rng.floats(batch * out, 0.05, 0.95);
  return {
    sizes,
    batch,
    layers,
    x: plainTensor(x, [batch, sizes[0]]),
    y: plainTensor(y, [batch, out]),
    layers64,
    x64: rows(x, batch, sizes[0]),
    y64: rows(y, batch, out),
  };
}

/** 'a 3-4-2 network, batch 5' */
export function describeNetwork(net: Network, lang: 'en' | 'ru'): string {
  return lang === 'ru' ? `сеть ${net.sizes.join('-')}, батч ${net.batch}` : `a ${net.sizes.join('-')} network, batch ${net.batch}`;
}

function liveLayers(net: Network): Reference.Layer[] {
  return net.layers.map((l) => ({ W: toTf(l.W) as tf.Tensor2D, b: toTf(l.b) as tf.Tensor1D }));
}

export function referenceForward(ref: typeof Reference, net: Network): PlainForward {
  const out = tf.tidy(() => {
    const { zs, activations } = ref.forward(liveLayers(net), toTf(net.x) as tf.Tensor2D);
    return { zs, activations };
  });
  const plain = { zs: out.zs.map(fromTf), activations: out.activations.map(fromTf) };
  tf.dispose(out);
  return plain;
}

export function referenceBackward(ref: typeof Reference, net: Network): PlainGradients {
  const out = tf.tidy(() => {
    const { deltas, dW, db } = ref.backward(liveLayers(net), toTf(net.x) as tf.Tensor2D, toTf(net.y) as tf.Tensor2D);
    return { deltas, dW, db };
  });
  const plain = { deltas: out.deltas.map(fromTf), dW: out.dW.map(fromTf), db: out.db.map(fromTf) };
  tf.dispose(out);
  return plain;
}

export function matrixTensor(m: Matrix): PlainTensor {
  return plainTensor(m.flat(), [m.length, m[0].length]);
}

/** Float64 gradients as float32 plain tensors (what a student's values are compared with). */
export function plainGradients(g: Gradients64): PlainGradients {
  return {
    deltas: g.deltas.map(matrixTensor),
    dW: g.dW.map(matrixTensor),
    db: g.db.map((v) => plainTensor(v, [v.length])),
  };
}
