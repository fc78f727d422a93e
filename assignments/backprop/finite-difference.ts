/**
 * Central finite differences of the exercise's loss, in float64: an independent check of the
 * backprop gradients that shares no formula with them. Each entry is
 * (L(θ + h) − L(θ − h)) / 2h; with h = 1e-6 and float64 the error is around 1e-10, far below
 * the float32 tolerance the students' values are held to.
 */
import { forward64, lossOf, sigmoid, type Gradients64, type Layer64, type Matrix } from './float64';

const STEP = 1e-6;

/** The loss computed from layer `k`'s weighted input z onward. */
function lossFromZ(layers: Layer64[], k: number, z: Matrix, y: Matrix): number {
  let a = z.map((row) => row.map(sigmoid));
  for (let l = k + 1; l < layers.length; l++) {
    a = forward64([layers[l]], a).activations[1];
  }
  return lossOf(a, y);
}

function lossOfLayers(layers: Layer64[], x: Matrix, y: Matrix): number {
  const { activations } = forward64(layers, x);
  return lossOf(activations[activations.length - 1], y);
}

/** d loss / d v[i] for every i, perturbing v in place (and restoring it). */
function centralDifferences(v: number[], loss: () => number): number[] {
  return v.map((original, i) => {
    v[i] = original + STEP;
    const up = loss();
    v[i] = original - STEP;
    const down = loss();
    v[i] = original;
    return (up - down) / (2 * STEP);
  });
}

/** ∂L/∂zs[k], ∂L/∂W_k and ∂L/∂b_k of every layer, by central differences. */
export function finiteDifferenceGradients(layers: Layer64[], x: Matrix, y: Matrix): Gradients64 {
  // Work on copies: the differences perturb entries in place.
  const copy: Layer64[] = layers.map((l) => ({ W: l.W.map((row) => [...row]), b: [...l.b] }));
  const { zs } = forward64(copy, x);
  const deltas = zs.map((z, k) => z.map((row) => centralDifferences(row, () => lossFromZ(copy, k, z, y))));
  const dW = copy.map((layer) => layer.W.map((row) => centralDifferences(row, () => lossOfLayers(copy, x, y))));
  const db = copy.map((layer) => centralDifferences(layer.b, () => lossOfLayers(copy, x, y)));
  return { deltas, dW, db };
}
