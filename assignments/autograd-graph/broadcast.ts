/**
 * Broadcasting in plain JavaScript, for the values of the typical mistakes: two shapes
 * broadcast like tf.add (aligned on the right, a missing or size-1 axis repeats), and a
 * gradient over the broadcast shape is summed down to its input's shape, as autograd does.
 */
import { plainTensor, type PlainTensor } from '../../grader/compare';

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The broadcast shape of a and b, or undefined when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For every entry of `shape` (row-major), the index of the entry of `from` it reads. */
function sourceIndex(from: readonly number[], shape: readonly number[]): number[] {
  const n = sizeOf(shape);
  const rank = shape.length;
  const offset = rank - from.length;
  const strides: number[] = new Array<number>(from.length).fill(1);
  for (let i = from.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * from[i + 1];
  const index: number[] = new Array<number>(n);
  for (let flat = 0; flat < n; flat++) {
    let rest = flat;
    let src = 0;
    for (let axis = rank - 1; axis >= 0; axis--) {
      const coord = rest % shape[axis];
      rest = Math.floor(rest / shape[axis]);
      const k = axis - offset;
      if (k >= 0 && from[k] !== 1) src += coord * strides[k];
    }
    index[flat] = src;
  }
  return index;
}

export interface BroadcastPair {
  shape: number[];
  xs: number[];
  ys: number[];
}

/** x and y expanded to their broadcast shape; undefined when they do not broadcast. */
export function broadcastPair(x: PlainTensor, y: PlainTensor): BroadcastPair | undefined {
  const shape = broadcastShape(x.shape, y.shape);
  if (shape === undefined) return undefined;
  const xi = sourceIndex(x.shape, shape);
  const yi = sourceIndex(y.shape, shape);
  return { shape, xs: xi.map((i) => Number(x.data[i])), ys: yi.map((i) => Number(y.data[i])) };
}

/** Values over `shape` summed down to `target` (a shape that broadcasts to `shape`). */
export function sumTo(values: readonly number[], shape: readonly number[], target: readonly number[]): number[] {
  const out: number[] = new Array<number>(sizeOf(target)).fill(0);
  sourceIndex(target, shape).forEach((t, i) => (out[t] += values[i]));
  return out;
}

export function tensorOf(values: readonly number[], shape: readonly number[]): PlainTensor {
  return plainTensor(Float32Array.from(values), [...shape]);
}
