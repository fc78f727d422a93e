/** Small builders for the compare tests. */
import type { PlainTensor } from '../../grader/compare/plain-tensor';

export function f32(values: number[], shape: number[] = [values.length]): PlainTensor {
  return { kind: 'tensor', shape, dtype: 'float32', data: Float32Array.from(values) };
}

export function i32(values: number[], shape: number[] = [values.length]): PlainTensor {
  return { kind: 'tensor', shape, dtype: 'int32', data: Int32Array.from(values) };
}

/** A deterministic float32 matrix with entries in [-1, 1]. */
export function matrix(rows: number, cols: number, seed = 1): PlainTensor {
  const data = new Float32Array(rows * cols);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = (s / 2147483648) * 2 - 1;
  }
  return { kind: 'tensor', shape: [rows, cols], dtype: 'float32', data };
}

export function mapData(t: PlainTensor, f: (x: number, i: number) => number, shape = t.shape): PlainTensor {
  const data = Float32Array.from(t.data as Float32Array, f);
  return { kind: 'tensor', shape: [...shape], dtype: 'float32', data };
}
