/**
 * Plumbing shared by our wasm training kernels.
 *
 * Each training kernel is a composition of kernels the wasm backend already registers
 * (XNNPACK convolution, pooling and elementwise kernels), called the way tfjs backends compose
 * kernels: `getKernel(name, 'wasm').kernelFunc({inputs, attrs, backend})` on TensorInfo. That
 * bypasses the engine entirely (no tape, no engine memory accounting), so every intermediate
 * must be freed by hand with `backend.disposeData`; {@link KernelScope} does that bookkeeping.
 *
 * Validation helpers live here too: attributes are checked once, at the kernel boundary, with
 * messages that name the kernel and the offending attribute.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The wasm kernels ours replaced, by kernel name (absent: upstream had none). */
export const upstreamWasmKernels = new Map<string, tf.KernelConfig>();

export type Shape4D = [number, number, number, number];
type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** An attribute or input that our kernels do not support; the message names both. */
export class UnsupportedKernelAttributeError extends Error {
  readonly code = 'UNSUPPORTED_KERNEL_ATTRIBUTE';
  constructor(
    readonly kernelName: string,
    readonly attribute: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(
      `${kernelName} (wasm training kernel): unsupported ${attribute} ${describe(value)}; ` +
        `expected ${expected}`,
    );
    this.name = 'UnsupportedKernelAttributeError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The backend argument of a kernelFunc is typed `{}` by tfjs; our kernels only make sense on the
 * wasm backend, whose heap they address through other wasm kernels.
 */
export function asWasmBackend(kernelName: string, backend: unknown): BackendWasm {
  if (isWasmBackend(backend)) return backend;
  throw new Error(`${kernelName} (wasm training kernel) was called with a backend that is not wasm`);
}

function isWasmBackend(backend: unknown): backend is BackendWasm {
  return (
    typeof backend === 'object' &&
    backend !== null &&
    'wasm' in backend &&
    'dataIdMap' in backend &&
    'disposeData' in backend &&
    typeof backend.disposeData === 'function'
  );
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

export function checkFloat4D(
  kernelName: string,
  inputName: string,
  t: tf.TensorInfo | undefined,
): tf.TensorInfo {
  if (t === undefined) {
    throw new UnsupportedKernelAttributeError(kernelName, `input ${inputName}`, undefined, 'a tensor');
  }
  if (t.shape.length !== 4) {
    throw new UnsupportedKernelAttributeError(kernelName, `rank of ${inputName}`, t.shape, 'a rank-4 shape');
  }
  if (t.dtype !== 'float32') {
    throw new UnsupportedKernelAttributeError(kernelName, `dtype of ${inputName}`, t.dtype, "'float32'");
  }
  return t;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** strides / filterSize: a positive integer or a pair of them. */
export function checkPair(kernelName: string, attribute: string, value: unknown): [number, number] {
  if (isPositiveInt(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every(isPositiveInt)) {
    return [value[0], value[1]];
  }
  const expected = 'a positive integer or a pair of them';
  throw new UnsupportedKernelAttributeError(kernelName, attribute, value, expected);
}

/** Dilations are not part of the backprop kernels' attrs; reject any that would be ignored. */
export function checkNoDilation(kernelName: string, attrs: tf.NamedAttrMap): void {
  const value: unknown = attrs['dilations'];
  if (value === undefined || value === null) return;
  const ok = value === 1 || (Array.isArray(value) && value.length === 2 && value[0] === 1 && value[1] === 1);
  if (!ok) {
    const expected = '1 (tfjs gradients reject dilation > 1)';
    throw new UnsupportedKernelAttributeError(kernelName, 'attribute dilations', value, expected);
  }
}

const EXPLICIT_PADDING = {
  NHWC: '[[0,0],[top,bottom],[left,right],[0,0]]',
  NCHW: '[[0,0],[0,0],[top,bottom],[left,right]]',
} as const;

export function checkPad(kernelName: string, value: unknown, dataFormat: 'NHWC' | 'NCHW'): PadAttr {
  if (value === 'same' || value === 'valid' || isNonNegativeInt(value)) return value;
  if (
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((p) => Array.isArray(p) && p.length === 2 && p.every(isNonNegativeInt))
  ) {
    // Padding of the batch and channel dimensions makes no sense for a convolution.
    const v: number[][] = value;
    const channel = dataFormat === 'NHWC' ? v[3] : v[1];
    if (v[0][0] === 0 && v[0][1] === 0 && channel[0] === 0 && channel[1] === 0) {
      return [
        [v[0][0], v[0][1]],
        [v[1][0], v[1][1]],
        [v[2][0], v[2][1]],
        [v[3][0], v[3][1]],
      ];
    }
  }
  throw new UnsupportedKernelAttributeError(
    kernelName,
    'attribute pad',
    value,
    `'same', 'valid', a non-negative integer or explicit ${EXPLICIT_PADDING[dataFormat]}`,
  );
}

export function checkDataFormat(kernelName: string, value: unknown): 'NHWC' | 'NCHW' {
  if (value === undefined || value === null || value === 'NHWC') return 'NHWC';
  if (value === 'NCHW') return 'NCHW';
  throw new UnsupportedKernelAttributeError(kernelName, 'attribute dataFormat', value, "'NHWC' or 'NCHW'");
}

export function checkRounding(kernelName: string, value: unknown): 'floor' | 'round' | 'ceil' | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'floor' || value === 'round' || value === 'ceil') return value;
  const expected = "'floor', 'round' or 'ceil'";
  throw new UnsupportedKernelAttributeError(kernelName, 'attribute dimRoundingMode', value, expected);
}

export function checkShape4D(kernelName: string, attribute: string, value: unknown): Shape4D {
  if (Array.isArray(value) && value.length === 4 && value.every(isPositiveInt)) {
    return [value[0], value[1], value[2], value[3]];
  }
  throw new UnsupportedKernelAttributeError(kernelName, attribute, value, 'four positive integers');
}

export function checkSameShape(
  kernelName: string,
  what: string,
  actual: readonly number[],
  expected: readonly number[],
): void {
  if (!sameShape(actual, expected)) {
    const implied = `[${expected.join(',')}] (implied by the other inputs and attributes)`;
    throw new UnsupportedKernelAttributeError(kernelName, `shape of ${what}`, actual, implied);
  }
}

/**
 * Checks the shape of a gradient-side tensor (dy, or MaxPool's output) against the shape the
 * attributes imply; returns true when it must be cropped to it.
 *
 * tfjs's Conv2D and MaxPool gradients do not pass dimRoundingMode on, so after a forward pass
 * with numeric padding and 'ceil' or 'round' the gradient kernels receive a dy up to one
 * row/column larger than their attributes imply. The cpu kernels then ignore that last
 * row/column; so do we, for identical results. Any other mismatch is an error.
 */
export function checkGradientShape(
  kernelName: string,
  what: string,
  actual: readonly number[],
  expected: readonly number[],
  spatialAxes: readonly [number, number],
  roundingDropped: boolean,
): boolean {
  if (sameShape(actual, expected)) return false;
  const extra = (i: number): number => actual[i] - expected[i];
  const tolerated =
    roundingDropped &&
    actual.length === expected.length &&
    actual.every((_, i) => (spatialAxes.includes(i) ? extra(i) === 0 || extra(i) === 1 : extra(i) === 0));
  if (tolerated) return true;
  checkSameShape(kernelName, what, actual, expected); // throws
  return false;
}

// ---------------------------------------------------------------------------------------------
// Composition
// ---------------------------------------------------------------------------------------------

/** Runs the kernel registered for wasm under `name`. The caller owns (and must free) the result. */
export function runWasmKernel(
  backend: BackendWasm,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`kernel '${name}' is not registered for backend 'wasm'`);
  const out = config.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`kernel '${name}' returned ${out.length} outputs; expected one`);
  return out;
}

/**
 * Tracks the intermediates of one kernel invocation. Every TensorInfo created through the scope
 * is freed by {@link withKernelScope} except the one returned, also when a step throws.
 *
 * Reshape (and no-op Transpose) return the same dataId with its refCount raised, so freeing the
 * intermediate a result was reshaped from only drops that extra reference.
 */
export class KernelScope {
  private readonly owned: tf.TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    return this.own(runWasmKernel(this.backend, name, inputs, attrs));
  }

  /** A float32 constant written into the wasm heap. */
  constant(shape: number[], values: Float32Array): tf.TensorInfo {
    return this.own(this.backend.makeOutput(shape, 'float32', undefined, values));
  }

  scalar(value: number): tf.TensorInfo {
    return this.constant([], Float32Array.of(value));
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    if (sameShape(x.shape, shape)) return x;
    return this.run('Reshape', { x }, { shape });
  }

  /**
   * Transpose through the wasm kernel, first merging axes that stay adjacent: its C++ handles
   * rank <= 4 with tight loops but falls back to a per-element generic loop above that (about
   * 40x slower), so a 6-D permutation that is really 3-D must be presented as 3-D.
   */
  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    const outShape = perm.map((p) => x.shape[p]);
    const reduced = reduceTranspose(x.shape, perm);
    if (reduced.perm.every((p, i) => p === i)) return this.reshape(x, outShape);
    const moved = this.run('Transpose', { x: this.reshape(x, reduced.shape) }, { perm: reduced.perm });
    return this.reshape(moved, outShape);
  }

  /** PadV2 (XNNPACK constant pad, any rank up to 6); skipped when there is nothing to pad. */
  pad(x: tf.TensorInfo, paddings: Array<[number, number]>, constantValue = 0): tf.TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue });
  }

  /** The leading `size` block of x (rare path: ignored trailing gradient rows/columns). */
  cropTo(x: tf.TensorInfo, size: number[]): tf.TensorInfo {
    if (sameShape(x.shape, size)) return x;
    return this.run('Slice', { x }, { begin: size.map(() => 0), size });
  }

  /**
   * `out[n, r, c, :] = x[n, r0 + r, c0 + c, :]` for an `rows x cols` window that may stick out
   * of x on any side; what sticks out is `fill`. The in-bounds part is a Slice of the
   * [N, H, W*C] view (whole contiguous row segments; the wasm Slice is a JS loop over runs, so
   * longer runs are much faster), the rest a PadV2.
   */
  window4D(
    x: tf.TensorInfo,
    r0: number,
    rows: number,
    c0: number,
    cols: number,
    fill: number,
  ): tf.TensorInfo {
    const [n, h, w, c] = x.shape;
    const top = Math.max(0, r0);
    const left = Math.max(0, c0);
    const bottom = Math.min(h, r0 + rows);
    const right = Math.min(w, c0 + cols);
    if (bottom <= top || right <= left) {
      return this.run('Fill', {}, { shape: [n, rows, cols, c], value: fill, dtype: 'float32' });
    }
    let inner = x;
    if (top > 0 || left > 0 || bottom < h || right < w) {
      const flat = this.reshape(x, [n, h, w * c]);
      const begin = [0, top, left * c];
      const sliced = this.run('Slice', { x: flat }, { begin, size: [n, bottom - top, (right - left) * c] });
      inner = this.reshape(sliced, [n, bottom - top, right - left, c]);
    }
    const padded = this.pad(
      inner,
      [
        [0, 0],
        [top - r0, r0 + rows - bottom],
        [left - c0, c0 + cols - right],
        [0, 0],
      ],
      fill,
    );
    return padded;
  }

  /**
   * Runs `body` in a child scope whose intermediates are freed as soon as it returns; its result
   * then belongs to this scope. Keeps the peak heap small in loops over full-size tensors: a
   * bigger wasm heap means slower allocations.
   */
  nested(body: (scope: KernelScope) => tf.TensorInfo): tf.TensorInfo {
    const child = new KernelScope(this.backend);
    let result: tf.TensorInfo | undefined;
    try {
      result = body(child);
      return child.owned.includes(result) ? this.own(result) : result;
    } finally {
      child.release(result);
    }
  }

  /** Frees intermediates of this scope early. */
  free(...tensors: tf.TensorInfo[]): void {
    for (const t of tensors) {
      const index = this.owned.indexOf(t);
      if (index < 0) continue; // an input, or not ours to free
      this.owned.splice(index, 1);
      this.backend.disposeData(t.dataId);
    }
  }

  /** Takes ownership of a tensor made outside `run` (e.g. by an upstream kernel called directly). */
  own(t: tf.TensorInfo): tf.TensorInfo {
    this.owned.push(t);
    return t;
  }

  /** Frees every intermediate except `keep`. */
  release(keep?: tf.TensorInfo): void {
    for (const t of this.owned.splice(0)) {
      if (t !== keep) this.backend.disposeData(t.dataId);
    }
  }
}

/**
 * Runs `body` with a fresh scope and frees its intermediates, keeping only the returned tensor.
 * If the result is one of the kernel's own inputs (a no-op reshape of an input), its reference
 * count is raised so that the engine may own it like any kernel output.
 */
export function withKernelScope(
  backend: BackendWasm,
  inputs: readonly tf.TensorInfo[],
  body: (scope: KernelScope) => tf.TensorInfo,
): tf.TensorInfo {
  const scope = new KernelScope(backend);
  let result: tf.TensorInfo | undefined;
  try {
    result = body(scope);
    if (inputs.includes(result)) {
      backend.incRef(result.dataId);
      result = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
    }
    return result;
  } finally {
    scope.release(result);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Drops size-1 axes and merges runs of input axes that stay adjacent and in order under `perm`.
 * Returns the equivalent lower-rank transpose (same data order in and out).
 */
export function reduceTranspose(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  const kept = perm.filter((p) => shape[p] !== 1);
  // Group consecutive output axes whose input axes are consecutive.
  const groups: number[][] = [];
  for (const p of kept) {
    const last = groups[groups.length - 1];
    if (last !== undefined && nextKeptAxis(shape, last[last.length - 1]) === p) last.push(p);
    else groups.push([p]);
  }
  // Order groups by their first input axis to get the reduced input shape.
  const byInput = [...groups].sort((a, b) => a[0] - b[0]);
  const reducedShape = byInput.map((g) => g.reduce((acc, p) => acc * shape[p], 1));
  const reducedPerm = groups.map((g) => byInput.indexOf(g));
  return { shape: reducedShape, perm: reducedPerm };
}

/** The next input axis after `axis` that is not of size 1, or -1. */
function nextKeptAxis(shape: readonly number[], axis: number): number {
  for (let a = axis + 1; a < shape.length; a++) if (shape[a] !== 1) return a;
  return -1;
}
