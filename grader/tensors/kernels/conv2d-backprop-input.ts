/**
 * Conv2DBackpropInput for the wasm backend. Upstream's is a scalar C++ loop (23 ms for the
 * second conv of the course CNN at batch 32, ten times the forward convolution); this one is a
 * single XNNPACK convolution (2.5 ms there) plus, for strides > 1, one transpose.
 *
 *   dx[n,h,w,ci] = sum over oh,ow,i,j,co with oh*s + i - padTop = h, ow*s + j - padLeft = w
 *                  of dy[n,oh,ow,co] * f[i,j,ci,co]
 *
 * Stride 1: a correlation of dy with the filter rotated by 180 degrees and its channels swapped,
 * padded by fh-1-padTop on top.
 *
 * Stride s > 1 ("sub-pixel" or polyphase form): the rows h = a + s*t of one phase a only meet the
 * filter rows i with i = fh-1-(c_a + s*m), so each phase is a stride-1 correlation of dy itself
 * (not a zero-upsampled dy) with a sub-filter of about fh/s taps. Stacking the s*s phases as
 * output channels turns them into ONE convolution with s*s*Cin outputs; a transpose then
 * interleaves the phases into dx. Upsampling dy by inserting zeros instead multiplies s*s - 1
 * of every s*s inputs by zero: for dy [32,14,14,32] -> dx [32,28,28,16] at stride 2 that took
 * 9.3 ms, this 4.5 ms (upstream: 29 ms).
 */
import * as tf from '@tensorflow/tfjs';
import {
  asWasmBackend,
  checkDataFormat,
  checkFloat4D,
  checkNoDilation,
  checkPad,
  checkPair,
  checkRounding,
  checkGradientShape,
  checkShape4D,
  UnsupportedKernelAttributeError,
  withKernelScope,
} from './kernel-utils';

const NAME = tf.Conv2DBackpropInput;

/** How one spatial axis splits into phases: see the file comment. */
interface AxisPhases {
  /** For each phase a: first rotated-filter tap c_a, tap count M_a, dy offset e_a. */
  first: number[];
  count: number[];
  offset: number[];
  /** The union window over all phases: dy rows t + lo .. t + lo + taps - 1. */
  lo: number;
  taps: number;
}

/**
 * Phases of one axis. `top` is fh-1-padTop: the padding of the equivalent stride-1 correlation
 * (negative when the forward padding exceeds fh-1).
 */
function axisPhases(filterSize: number, stride: number, top: number): AxisPhases {
  const first: number[] = [];
  const count: number[] = [];
  const offset: number[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (let a = 0; a < stride; a++) {
    const c = (((top - a) % stride) + stride) % stride;
    const m = c < filterSize ? Math.ceil((filterSize - c) / stride) : 0;
    const e = (a - top + c) / stride;
    first.push(c);
    count.push(m);
    offset.push(e);
    if (m > 0) {
      lo = Math.min(lo, e);
      hi = Math.max(hi, e + m);
    }
  }
  return { first, count, offset, lo, taps: hi - lo };
}

/**
 * The stacked sub-filters [taps_h, taps_w, Cout, sh*sw*Cin]: channel (a*sw + b)*Cin + ci of the
 * output is phase (a, b) of input channel ci. This reorders the (small) filter in JS; all the
 * arithmetic runs in the convolution.
 */
function phaseFilter(
  f: Float32Array,
  [fh, fw, cIn, cOut]: readonly number[],
  rows: AxisPhases,
  cols: AxisPhases,
): Float32Array {
  const sh = rows.first.length;
  const sw = cols.first.length;
  const outC = sh * sw * cIn;
  const g = new Float32Array(rows.taps * cols.taps * cOut * outC);
  for (let r = 0; r < rows.taps; r++) {
    for (let q = 0; q < cols.taps; q++) {
      for (let a = 0; a < sh; a++) {
        const m = r + rows.lo - rows.offset[a];
        if (m < 0 || m >= rows.count[a]) continue;
        const i = fh - 1 - (rows.first[a] + sh * m);
        for (let b = 0; b < sw; b++) {
          const k = q + cols.lo - cols.offset[b];
          if (k < 0 || k >= cols.count[b]) continue;
          const j = fw - 1 - (cols.first[b] + sw * k);
          for (let co = 0; co < cOut; co++) {
            const dst = ((r * cols.taps + q) * cOut + co) * outC + (a * sw + b) * cIn;
            const src = ((i * fw + j) * cIn) * cOut + co;
            for (let ci = 0; ci < cIn; ci++) g[dst + ci] = f[src + ci * cOut];
          }
        }
      }
    }
  }
  return g;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function conv2dBackpropInput({ inputs, attrs = {}, backend: anyBackend }: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(NAME, anyBackend);
  const dy = checkFloat4D(NAME, 'dy', inputs.dy);
  const filter = checkFloat4D(NAME, 'filter', inputs.filter);
  const dataFormat = checkDataFormat(NAME, attrs.dataFormat);
  const strides = checkPair(NAME, 'attribute strides', attrs.strides);
  const pad = checkPad(NAME, attrs.pad, dataFormat);
  const dimRoundingMode = checkRounding(NAME, attrs.dimRoundingMode);
  const inputShape = checkShape4D(NAME, 'attribute inputShape', attrs.inputShape);
  checkNoDilation(NAME, attrs);

  const channelsLast = dataFormat === 'NHWC';
  const [fh, fw, filterIn, cOut] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    [fh, fw, filterIn, cOut],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    channelsLast ? 'channelsLast' : 'channelsFirst',
  );
  const spatial: [number, number] = channelsLast ? [1, 2] : [2, 3];
  const roundingDropped = dimRoundingMode === undefined && typeof pad !== 'string';
  const cropDy = checkGradientShape(NAME, 'dy', dy.shape, info.outShape, spatial, roundingDropped);
  if (filterIn !== info.inChannels) {
    const expected = `${info.inChannels} input channels, as inputShape has`;
    throw new UnsupportedKernelAttributeError(NAME, 'shape of filter', filter.shape, expected);
  }
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cIn } = info;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;

  return withKernelScope(backend, [dy, filter], (scope) => {
    if (n * ho * wo === 0) {
      return scope.run('Fill', {}, { shape: inputShape, value: 0, dtype: 'float32' });
    }
    const dyUsed = cropDy ? scope.cropTo(dy, info.outShape) : dy;
    const dyNhwc = channelsLast ? dyUsed : scope.transpose(dyUsed, [0, 2, 3, 1]);
    const rows = axisPhases(fh, sh, fh - 1 - info.padInfo.top);
    const cols = axisPhases(fw, sw, fw - 1 - info.padInfo.left);
    const phases = sh * sw;

    const weights = backend.readSync(filter.dataId);
    if (!(weights instanceof Float32Array)) throw new Error(`${NAME}: filter data is not float32`);
    const g = scope.constant(
      [rows.taps, cols.taps, cOut, phases * cIn],
      phaseFilter(weights, [fh, fw, cIn, cOut], rows, cols),
    );

    // Each phase yields ceil(H/s) rows; the union window starts at dy row t + lo, i.e. padding
    // -lo on top. Negative paddings become a crop of the convolution output instead.
    const hq = Math.ceil(h / sh);
    const wq = Math.ceil(w / sw);
    const padTop = -rows.lo;
    const padLeft = -cols.lo;
    const padBottom = hq - ho + rows.taps - 1 - padTop;
    const padRight = wq - wo + cols.taps - 1 - padLeft;
    const conv = scope.run(
      'Conv2D',
      { x: dyNhwc, filter: g },
      {
        strides: 1,
        dilations: 1,
        pad: [
          [0, 0],
          [Math.max(0, padTop), Math.max(0, padBottom)],
          [Math.max(0, padLeft), Math.max(0, padRight)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    // [N, hq, wq, sh*sw*Cin]
    const stacked = scope.window4D(conv, Math.max(0, -padTop), hq, Math.max(0, -padLeft), wq, 0);

    let dx = stacked;
    if (phases > 1) {
      // [N*hq, wq, sh, sw*Cin] -> [N*hq, sh, wq, sw*Cin]: rows a + sh*t, columns b + sw*u.
      const split = scope.reshape(stacked, [n * hq, wq, sh, sw * cIn]);
      const interleaved = scope.transpose(split, [0, 2, 1, 3]);
      dx = scope.window4D(scope.reshape(interleaved, [n, hq * sh, wq * sw, cIn]), 0, h, 0, w, 0);
    }
    return channelsLast ? dx : scope.transpose(dx, [0, 3, 1, 2]);
  });
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput,
};
