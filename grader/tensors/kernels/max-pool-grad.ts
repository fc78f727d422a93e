/**
 * MaxPoolGrad for the wasm backend, matching the cpu backend: each window's gradient goes to the
 * FIRST position (row-major window order) holding the window's maximum; padding is never chosen.
 *
 * Why not the obvious routes: upstream's wasm MaxPoolGrad is a scalar loop (10 ms for the first
 * pool of the course CNN at batch 32) and breaks ties differently from cpu, which matters
 * because after a ReLU many windows are all zeros. MaxPoolWithArgmax + ScatterNd is no better:
 * the wasm MaxPoolWithArgmax seeds its running max with FLT_MIN (the smallest positive float),
 * so a window of zeros or negatives yields index 0 and value 1.2e-38, and it keeps the LAST of
 * equal maxima. Comparisons (Equal, Select on broadcast shapes), StridedSlice and 5-6-D
 * Transpose/Slice are slow generic loops in this build, so the computation below uses only
 * XNNPACK kernels: broadcasting arithmetic, Floor, Relu, ClipByValue, PadV2 and MaxPool.
 *
 * For non-overlapping windows (filter <= stride) laid out as cells [N, Ho, S_h, Wo, S_w, C]:
 *   e     = floor(x - y)          0 where x equals its window's max, <= -1 elsewhere
 *   score = e + W                 W = (K - k) * 2^-m at window position k (row-major, K = fh*fw,
 *                                 2^m >= K), -inf at padding and at cell positions outside the
 *                                 window; so only maxima score above 0, earlier ones higher
 *   best  = MaxPool(score)        per window: the score of the first maximum
 *   sel   = relu(score - (best - 2^-m))   2^-m at that first maximum, 0 everywhere else
 *   dx    = sel * (dy * 2^m)      exact: scaling by powers of two does not round
 * so the result is bit-identical to cpu (2.6 ms instead of 10 ms for that first pool).
 *
 * Overlapping windows (filter > stride) are split into ceil(f/s)^2 groups of windows that do not
 * overlap each other; each group is the case above and their gradients add up (in another order
 * than cpu's, so equal up to float rounding). That costs one full pass per group: for 3x3/2
 * pooling it is about as fast as upstream, but picks the same positions as cpu.
 *
 * Assumes finite inputs and `output` = maxPool(input) as computed by a backend (true on the
 * gradient path); cpu recomputes the positions from `input` alone.
 */
import * as tf from '@tensorflow/tfjs';
import {
  asWasmBackend,
  checkFloat4D,
  checkNoDilation,
  checkPad,
  checkPair,
  checkRounding,
  checkGradientShape,
  KernelScope,
  withKernelScope,
} from './kernel-utils';

const NAME = tf.MaxPoolGrad;
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * One group of mutually non-overlapping windows (every q-th window) along one axis, laid out in
 * a "frame" of whole cells of `cell` = q*stride rows. Fake windows (y = 0, dy = 0, so they add
 * nothing) pad the group at both ends so that the frame covers all of x: x then only needs
 * PadV2, never a Slice (a JS loop in this build, ~1 ms per full-size tensor).
 */
interface AxisGroup {
  /** x row of the frame's first row (<= 0) and the frame's size in cells. */
  start: number;
  cells: number;
  /** Zero rows around y/dy so that every q-th row of the result is this group's. */
  padBefore: number;
  padAfter: number;
}

function axisGroup(
  g: number,
  q: number,
  stride: number,
  padStart: number,
  outSize: number,
  inSize: number,
): AxisGroup | undefined {
  const cell = q * stride;
  const windows = Math.ceil((outSize - g) / q);
  if (windows <= 0) return undefined;
  const first = g * stride - padStart; // x row of the group's first window
  // Enough fake windows in front for the frame to start at or before row 0, and at least one
  // when g > 0 so that y lines up with the frame by padding rather than cropping.
  const lead = Math.max(Math.ceil(Math.max(0, first) / cell), g > 0 ? 1 : 0);
  const start = first - lead * cell;
  const cells = Math.max(lead + windows, Math.ceil((inSize - start) / cell));
  const yBefore = q * lead - g;
  return { start, cells, padBefore: yBefore, padAfter: Math.max(0, q * (cells - 1) + 1 - yBefore - outSize) };
}

interface PoolGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  fh: number;
  fw: number;
  /** Cell size = distance between windows of one group. */
  cellH: number;
  cellW: number;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function maxPoolGrad({ inputs, attrs = {}, backend: anyBackend }: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(NAME, anyBackend);
  const dy = checkFloat4D(NAME, 'dy', inputs.dy);
  const x = checkFloat4D(NAME, 'input', inputs.input);
  const y = checkFloat4D(NAME, 'output', inputs.output);
  const filterSize = checkPair(NAME, 'attribute filterSize', attrs.filterSize);
  const strides = checkPair(NAME, 'attribute strides', attrs.strides);
  const pad = checkPad(NAME, attrs.pad, 'NHWC');
  const dimRoundingMode = checkRounding(NAME, attrs.dimRoundingMode);
  checkNoDilation(NAME, attrs);

  const info = tf.backend_util.computePool2DInfo(
    [x.shape[0], x.shape[1], x.shape[2], x.shape[3]],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const roundingDropped = dimRoundingMode === undefined && typeof pad !== 'string';
  const cropY = checkGradientShape(NAME, 'output', y.shape, info.outShape, [1, 2], roundingDropped);
  const cropDy = checkGradientShape(NAME, 'dy', dy.shape, info.outShape, [1, 2], roundingDropped);
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  // Windows i and i+q never overlap when q*s >= f.
  const qh = Math.ceil(fh / sh);
  const qw = Math.ceil(fw / sw);
  const geo: PoolGeometry = {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    c: info.inChannels,
    fh,
    fw,
    cellH: qh * sh,
    cellW: qw * sw,
  };
  const groups: Array<[AxisGroup, AxisGroup]> = [];
  for (let g = 0; g < qh; g++) {
    for (let k = 0; k < qw; k++) {
      const rows = axisGroup(g, qh, sh, info.padInfo.top, info.outHeight, geo.h);
      const cols = axisGroup(k, qw, sw, info.padInfo.left, info.outWidth, geo.w);
      if (rows !== undefined && cols !== undefined) groups.push([rows, cols]);
    }
  }
  // All groups' gradients are summed in one frame covering every group's frame.
  const top = Math.min(...groups.map(([r]) => r.start));
  const left = Math.min(...groups.map(([, c]) => c.start));
  const bottom = Math.max(...groups.map(([r]) => r.start + r.cells * geo.cellH));
  const right = Math.max(...groups.map(([, c]) => c.start + c.cells * geo.cellW));

  return withKernelScope(backend, [dy, x, y], (scope) => {
    if (groups.length === 0) return scope.run('Fill', {}, { shape: x.shape, value: 0, dtype: 'float32' });
    const yUsed = cropY ? scope.cropTo(y, info.outShape) : y;
    const dyUsed = cropDy ? scope.cropTo(dy, info.outShape) : dy;
    // A window without any valid element (padding >= filter size) has y = -inf on cpu; clamping
    // keeps the arithmetic below free of inf - inf.
    const finite = { clipValueMin: -FLOAT32_MAX, clipValueMax: FLOAT32_MAX };
    const yFinite = scope.run('ClipByValue', { x: yUsed }, finite);
    let sum: tf.TensorInfo | undefined;
    for (const [rows, cols] of groups) {
      const previous = sum;
      sum = scope.nested((s) => {
        const yGroup = groupOutputs(s, yFinite, rows, cols, qh, qw);
        const dyGroup = groupOutputs(s, dyUsed, rows, cols, qh, qw);
        const part = groupGradient(s, geo, rows, cols, x, yGroup, dyGroup);
        const framed = s.pad(part, [
          [0, 0],
          [rows.start - top, bottom - rows.start - rows.cells * geo.cellH],
          [cols.start - left, right - cols.start - cols.cells * geo.cellW],
          [0, 0],
        ]);
        return previous === undefined ? framed : s.run('Add', { a: previous, b: framed });
      });
      if (previous !== undefined) scope.free(previous);
    }
    if (sum === undefined) throw new Error('unreachable: no window groups');
    return scope.window4D(sum, -top, geo.h, -left, geo.w, 0);
  });
}

/**
 * The group's windows of y (or dy) plus its fake windows (zeros): zero-padded, then every q-th
 * row and column taken by a 1x1 MaxPool with stride q (an exact decimation).
 */
function groupOutputs(
  scope: KernelScope,
  t: tf.TensorInfo,
  rows: AxisGroup,
  cols: AxisGroup,
  qh: number,
  qw: number,
): tf.TensorInfo {
  const padded = scope.pad(t, [
    [0, 0],
    [rows.padBefore, rows.padAfter],
    [cols.padBefore, cols.padAfter],
    [0, 0],
  ]);
  if (qh === 1 && qw === 1) return padded;
  return scope.run('MaxPool', { x: padded }, { filterSize: 1, strides: [qh, qw], pad: 'valid' });
}

/** dx of one group of non-overlapping windows, over the group's frame (see the file comment). */
function groupGradient(
  scope: KernelScope,
  geo: PoolGeometry,
  rowGroup: AxisGroup,
  colGroup: AxisGroup,
  x: tf.TensorInfo,
  y: tf.TensorInfo,
  dy: tf.TensorInfo,
): tf.TensorInfo {
  const { n, h, w, c, cellH, cellW } = geo;
  const th = rowGroup.cells;
  const tw = colGroup.cells;
  const rows = th * cellH;
  const cols = tw * cellW;
  const unitExp = Math.max(0, Math.ceil(Math.log2(geo.fh * geo.fw)));
  const unit = 2 ** -unitExp;

  // x over the frame; padding -inf (never a maximum, so never chosen).
  const xFrame = scope.pad(
    x,
    [
      [0, 0],
      [-rowGroup.start, rowGroup.start + rows - h],
      [-colGroup.start, colGroup.start + cols - w],
      [0, 0],
    ],
    -Infinity,
  );
  const xCells = scope.reshape(xFrame, [n, th, cellH, tw, cellW, c]);
  const yCells = scope.reshape(y, [n, th, 1, tw, 1, c]);
  const e = scope.run('Floor', { x: scope.run('Sub', { a: xCells, b: yCells }) });
  const weights = windowWeights(geo, rowGroup, colGroup, unit);
  const score = scope.run('Add', { a: e, b: scope.constant([1, th, cellH, tw, cellW, c], weights) });

  const cellPool = { filterSize: [cellH, cellW], strides: [cellH, cellW], pad: 'valid' };
  const best = scope.run('MaxPool', { x: scope.reshape(score, [n, rows, cols, c]) }, cellPool);
  // Windows without any valid position have best = -inf; clamping keeps their sel at 0. (The
  // upper bound only has to exceed the largest score, 1: XNNPACK rejects min == max.)
  const bestClamped = scope.run('ClipByValue', { x: best }, { clipValueMin: unit, clipValueMax: 2 });
  const threshold = scope.run('Sub', { a: bestClamped, b: scope.scalar(unit) });
  const aboveThreshold = scope.run('Sub', { a: score, b: scope.reshape(threshold, [n, th, 1, tw, 1, c]) });
  const sel = scope.run('Relu', { x: aboveThreshold });
  const dyScaled = scope.run('Multiply', { a: dy, b: scope.scalar(2 ** unitExp) });
  const dxCells = scope.run('Multiply', { a: sel, b: scope.reshape(dyScaled, [n, th, 1, tw, 1, c]) });
  return scope.reshape(dxCells, [n, rows, cols, c]);
}

/**
 * The additive score W of {@link groupGradient}, laid out [1, th, cellH, tw, cellW, C] (the C
 * axis is materialised because XNNPACK broadcasting along the innermost axis is ~3x slower).
 */
function windowWeights(
  geo: PoolGeometry,
  rowGroup: AxisGroup,
  colGroup: AxisGroup,
  unit: number,
): Float32Array {
  const { h, w, c, fh, fw, cellH, cellW } = geo;
  const rows = rowGroup.cells * cellH;
  const cols = colGroup.cells * cellW;
  const windowCount = fh * fw;
  // Per frame row/column: its position in the window, or -1 (outside the window, or padding).
  const rowInWindow = Int32Array.from({ length: rows }, (_, r) => {
    const i = r % cellH;
    const xRow = rowGroup.start + r;
    return i < fh && xRow >= 0 && xRow < h ? i : -1;
  });
  const colInWindow = Int32Array.from({ length: cols }, (_, q) => {
    const j = q % cellW;
    const xCol = colGroup.start + q;
    return j < fw && xCol >= 0 && xCol < w ? j : -1;
  });
  const weights = new Float32Array(rows * cols * c);
  let offset = 0;
  for (let r = 0; r < rows; r++) {
    const i = rowInWindow[r];
    for (let q = 0; q < cols; q++) {
      const j = colInWindow[q];
      weights.fill(i >= 0 && j >= 0 ? (windowCount - (i * fw + j)) * unit : -Infinity, offset, offset + c);
      offset += c;
    }
  }
  return weights;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
};
