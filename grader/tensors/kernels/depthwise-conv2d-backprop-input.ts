/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend, which upstream does not register (it
 * ran through the cpu fallback: JS loops plus copies).
 *
 *   dx[n,h,w,c] = sum over oh,ow,i,j,m with oh*s + i*d - padTop = h, ow*s + j*d - padLeft = w
 *                 of dy[n,oh,ow,c*M + m] * f[i,j,c,m]
 *
 * Stride 1: a depthwise correlation (multiplier 1, dilation d) of dy's C*M channels with the
 * filter rotated by 180 degrees, padded by (fh-1)*d - padTop on top, then a Sum over the M
 * channels of each input channel (skipped for M = 1).
 * Stride s > 1: dy is first spread out with s-1 zeros after each row/column (one PadV2 of the
 * [N, Ho, 1, Wo, 1, C*M] view), then the same. The zeros cost s*s times the multiply-adds of the
 * depthwise convolution, which is cheap next to everything else of a training step (a polyphase
 * form, as in Conv2DBackpropInput, would avoid them at the price of two transposes).
 *
 * Written for any dilation d, but dilations > 1 (which no tfjs gradient produces) run through
 * cpu's kernel, as do non-float32 inputs and attributes this kernel does not understand: cpu
 * then accepts them or throws its own error
 * exactly as plain TF.js does.
 */
import * as tf from '@tensorflow/tfjs';
import { runOnCpu } from './cpu-fallback';
import {
  asWasmBackend,
  checkFloat4D,
  checkGradientShape,
  checkNoDilation,
  checkPad,
  checkPair,
  checkRounding,
  checkShape4D,
  UnsupportedKernelAttributeError,
  withKernelScope,
} from './kernel-utils';

const NAME = tf.DepthwiseConv2dNativeBackpropInput;

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** f [fh, fw, C, M] rotated by 180 degrees as a depthwise filter [fh, fw, C*M, 1]. */
function rotatedFilter(f: Float32Array, [fh, fw, c, m]: readonly number[]): Float32Array {
  const block = c * m;
  const g = new Float32Array(f.length);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const src = ((fh - 1 - i) * fw + (fw - 1 - j)) * block;
      g.set(f.subarray(src, src + block), (i * fw + j) * block);
    }
  }
  return g;
}

function depthwiseConv2dBackpropInput(args: KernelArgs): tf.TensorInfo {
  const { inputs, attrs = {}, backend: anyBackend } = args;
  const backend = asWasmBackend(NAME, anyBackend);
  let plan: ReturnType<typeof planInput>;
  try {
    plan = planInput(inputs, attrs);
  } catch (err) {
    if (err instanceof UnsupportedKernelAttributeError) return runOnCpu(NAME, args) as tf.TensorInfo;
    throw err;
  }
  const { dy, filter, cropDy, info, inputShape } = plan;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const [fh, fw, , m] = filter.shape;
  const cm = c * m;

  return withKernelScope(backend, [dy, filter], (scope) => {
    if (n * ho * wo === 0) {
      return scope.run('Fill', {}, { shape: inputShape, value: 0, dtype: 'float32' });
    }
    const dyUsed = cropDy ? scope.cropTo(dy, info.outShape) : dy;
    // Zeros after each row/column for strides > 1: [N, Ho*sh, Wo*sw, C*M].
    let u = dyUsed;
    if (sh > 1 || sw > 1) {
      const spread = scope.pad(scope.reshape(dyUsed, [n, ho, 1, wo, 1, cm]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      u = scope.reshape(spread, [n, ho * sh, wo * sw, cm]);
    }
    const weights = backend.readSync(filter.dataId);
    if (!(weights instanceof Float32Array)) throw new Error(`${NAME}: filter data is not float32`);
    const g = scope.constant([fh, fw, cm, 1], rotatedFilter(weights, filter.shape));

    // Output row h reads u rows h - top + i*d, i < fh: the correlation needs H + (fh-1)*d rows
    // starting at u row -top. Negative padding (explicit forward padding above (fh-1)*d) means
    // starting inside u: then cut the window out first.
    const top = (fh - 1) * dh - info.padInfo.top;
    const left = (fw - 1) * dw - info.padInfo.left;
    const rows = h + (fh - 1) * dh;
    const cols = w + (fw - 1) * dw;
    let source = u;
    let pad: number[][] = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    if (top >= 0 && left >= 0) {
      pad = [
        [0, 0],
        [top, Math.max(0, rows - top - u.shape[1])],
        [left, Math.max(0, cols - left - u.shape[2])],
        [0, 0],
      ];
    } else {
      source = scope.window4D(u, -top, rows, -left, cols, 0);
    }
    const conv = scope.run('DepthwiseConv2dNative', { x: source, filter: g }, { strides: 1, dilations: [dh, dw], pad });
    // [N, H', W', C*M] with H' >= H, W' >= W
    const dxAll = scope.window4D(conv, 0, h, 0, w, 0);
    if (m === 1) return dxAll;
    return scope.run('Sum', { x: scope.reshape(dxAll, [n, h, w, c, m]) }, { axis: [4], keepDims: false });
  });
}

function planInput(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) {
  const dy = checkFloat4D(NAME, 'dy', inputs.dy);
  const filter = checkFloat4D(NAME, 'filter', inputs.filter);
  const strides = checkPair(NAME, 'attribute strides', attrs.strides);
  // tfjs's depthwise gradient rejects dilations > 1, and cpu's kernel, called directly with
  // them, ignores them in its loops; such calls keep running on cpu for identical results.
  checkNoDilation(NAME, attrs);
  const pad = checkPad(NAME, attrs.pad, 'NHWC');
  const dimRoundingMode = checkRounding(NAME, attrs.dimRoundingMode);
  const inputShape = checkShape4D(NAME, 'attribute inputShape', attrs.inputShape);
  if (filter.shape.some((d) => d === 0)) {
    throw new UnsupportedKernelAttributeError(NAME, 'shape of filter', filter.shape, 'no empty dimension');
  }
  if (filter.shape[2] !== inputShape[3]) {
    const expected = `${inputShape[3]} input channels, as inputShape has`;
    throw new UnsupportedKernelAttributeError(NAME, 'shape of filter', filter.shape, expected);
  }
  const [fh, fw, fc, fm] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(inputShape, [fh, fw, fc, fm], strides, 1, pad, dimRoundingMode, true);
  const roundingDropped = dimRoundingMode === undefined && typeof pad !== 'string';
  const cropDy = checkGradientShape(NAME, 'dy', dy.shape, info.outShape, [1, 2], roundingDropped);
  return { dy, filter, cropDy, info, inputShape };
}

export const depthwiseConv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropInput,
};
