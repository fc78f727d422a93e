/**
 * The sigmoid network of the exercise in plain float64 JavaScript (no tf): the trusted side's
 * independent check of the reference, and the values of the typical mistakes, which let a
 * message name the mistake a student made.
 *
 * Matrices are row-major number[][]; the layout is the exercise's: x [N, in], W [out, in].
 */

export type Matrix = number[][];

export interface Layer64 {
  /** [out, in] */
  W: Matrix;
  /** [out] */
  b: number[];
}

export interface Gradients64 {
  deltas: Matrix[];
  dW: Matrix[];
  db: number[][];
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** z = a · Wᵀ + b for a batch a [N, in]. */
export function affine(a: Matrix, layer: Layer64): Matrix {
  return a.map((row) => layer.W.map((w, j) => w.reduce((s, wi, i) => s + wi * row[i], layer.b[j])));
}

export function forward64(layers: Layer64[], x: Matrix): { zs: Matrix[]; activations: Matrix[] } {
  const zs: Matrix[] = [];
  const activations: Matrix[] = [x];
  for (const layer of layers) {
    const z = affine(activations[activations.length - 1], layer);
    zs.push(z);
    activations.push(z.map((row) => row.map(sigmoid)));
  }
  return { zs, activations };
}

/** L = 1/(2N) · Σ_n ‖a_n − y_n‖² of an output batch a. */
export function lossOf(a: Matrix, y: Matrix): number {
  let sum = 0;
  a.forEach((row, n) => row.forEach((v, j) => (sum += (v - y[n][j]) ** 2)));
  return sum / (2 * a.length);
}

/**
 * How a backward pass may go wrong. The lecture's form is
 * `{ outputSigmaPrime: true, derivative: 'sigma-prime', scale: 'mean' }`.
 */
export interface BackpropForm {
  /** false: δ^L = ∂L/∂a^L, the slide's form without the factor σ'(z^L). */
  outputSigmaPrime: boolean;
  /**
   * What multiplies the back-propagated error: σ'(z), σ(z) itself, z(1 − z), ReLU's derivative
   * step(z) (1 where z > 0, else 0), or nothing at all (1).
   */
  derivative: 'sigma-prime' | 'sigma' | 'z-one-minus-z' | 'relu' | 'one';
  /** false: the hidden deltas lack the derivative factor (the output delta may still have it). */
  hiddenDerivative?: boolean;
  /** 'mean': (a − y)/N as the loss says; 'sum': the 1/N forgotten; 'mean-times-2': the ½ forgotten. */
  scale: 'mean' | 'sum' | 'mean-times-2';
}

export const LECTURE_FORM: BackpropForm = { outputSigmaPrime: true, derivative: 'sigma-prime', scale: 'mean' };

/** The four backprop equations in float64, in the given form. */
export function backward64(layers: Layer64[], x: Matrix, y: Matrix, form: BackpropForm = LECTURE_FORM): Gradients64 {
  const { zs, activations } = forward64(layers, x);
  const count = layers.length;
  const n = x.length;
  const factor = form.scale === 'sum' ? 1 : form.scale === 'mean-times-2' ? 2 / n : 1 / n;
  const derivative = (z: number, a: number): number => {
    switch (form.derivative) {
      case 'sigma-prime':
        return a * (1 - a);
      case 'sigma':
        return a;
      case 'z-one-minus-z':
        return z * (1 - z);
      case 'relu':
        return z > 0 ? 1 : 0;
      case 'one':
        return 1;
    }
  };
  const hidden = (z: number, a: number) => (form.hiddenDerivative === false ? 1 : derivative(z, a));
  const deltas: Matrix[] = new Array<Matrix>(count);
  deltas[count - 1] = activations[count].map((row, i) =>
    row.map((a, j) => (a - y[i][j]) * factor * (form.outputSigmaPrime ? derivative(zs[count - 1][i][j], a) : 1)),
  );
  for (let k = count - 2; k >= 0; k--) {
    const next = deltas[k + 1];
    const W = layers[k + 1].W;
    deltas[k] = zs[k].map((row, i) =>
      row.map((z, j) => next[i].reduce((s, d, o) => s + d * W[o][j], 0) * hidden(z, activations[k + 1][i][j])),
    );
  }
  const dW = deltas.map((delta, k) =>
    delta[0].map((_, o) => activations[k][0].map((__, i) => delta.reduce((s, row, r) => s + row[o] * activations[k][r][i], 0))),
  );
  const db = deltas.map((delta) => delta[0].map((_, o) => delta.reduce((s, row) => s + row[o], 0)));
  return { deltas, dW, db };
}
