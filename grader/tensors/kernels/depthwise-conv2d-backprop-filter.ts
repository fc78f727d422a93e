/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend, which upstream does not register (it
 * ran through the cpu fallback: JS loops over TensorBuffer.get plus copies, about 1.5 s a step
 * for a small separableConv2d CNN at batch 32).
 *
 *   dW[i,j,c,m] = sum over n,oh,ow of  x[n, oh*s + i*d - padTop, ow*s + j*d - padLeft, c]
 *                                       * dy[n, oh, ow, c*M + m]
 *
 * is itself a depthwise convolution once batch and channel are read as one channel axis:
 *   input   x'  = x  as [1, H, W, N*C]        (channel n*C + c)
 *   filter  dy' = dy as [Ho, Wo, N*C, M]      (the gradient is the filter, multiplier M)
 *   stride = the forward dilation, dilation = the forward stride, padding = the forward padding,
 * so that out[0, i, j, (n*C + c)*M + m] is batch n's share of dW[i,j,c,m]; a Sum over n
 * finishes it. One XNNPACK depthwise convolution does the whole reduction (no cross-channel
 * waste, unlike the Conv2D trick of Conv2DBackpropFilter, which would compute C times too much).
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

const NAME = tf.DepthwiseConv2dNativeBackpropFilter;

type KernelArgs = Parameters<tf.KernelFunc>[0];

function depthwiseConv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { inputs, attrs = {}, backend: anyBackend } = args;
  const backend = asWasmBackend(NAME, anyBackend);
  let plan: ReturnType<typeof planFilter>;
  try {
    plan = planFilter(inputs, attrs);
  } catch (err) {
    if (err instanceof UnsupportedKernelAttributeError) return runOnCpu(NAME, args) as tf.TensorInfo;
    throw err;
  }
  const { x, dy, cropDy, info, filterShape } = plan;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const [fh, fw, , m] = filterShape;

  return withKernelScope(backend, [x, dy], (scope) => {
    if (n * ho * wo === 0) {
      return scope.run('Fill', {}, { shape: filterShape, value: 0, dtype: 'float32' });
    }
    const xT = scope.reshape(scope.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
    const dyUsed = cropDy ? scope.cropTo(dy, info.outShape) : dy;
    const dyT = scope.reshape(scope.transpose(dyUsed, [1, 2, 0, 3]), [ho, wo, n * c, m]);

    // The "filter" spans (Ho-1)*s+1 rows; pad the bottom/right just enough for fh output rows
    // (rows the forward pass never read give extra output rows, which the slice drops).
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;
    const padBottom = Math.max(0, (fh - 1) * dh + (ho - 1) * sh + 1 - h - padTop);
    const padRight = Math.max(0, (fw - 1) * dw + (wo - 1) * sw + 1 - w - padLeft);
    let out = scope.run(
      'DepthwiseConv2dNative',
      { x: xT, filter: dyT },
      {
        strides: [dh, dw],
        dilations: [sh, sw],
        pad: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
      },
    ); // [1, H', W', N*C*M] with H' >= fh, W' >= fw
    if (out.shape[1] !== fh || out.shape[2] !== fw) {
      out = scope.run('Slice', { x: out }, { begin: [0, 0, 0, 0], size: [1, fh, fw, n * c * m] });
    }
    if (n === 1) return scope.reshape(out, filterShape);
    const summed = scope.run('Sum', { x: scope.reshape(out, [fh * fw, n, c * m]) }, { axis: [1], keepDims: false });
    return scope.reshape(summed, filterShape);
  });
}

function planFilter(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) {
  const x = checkFloat4D(NAME, 'x', inputs.x);
  const dy = checkFloat4D(NAME, 'dy', inputs.dy);
  const strides = checkPair(NAME, 'attribute strides', attrs.strides);
  // tfjs's depthwise gradient rejects dilations > 1, and cpu's kernel, called directly with
  // them, ignores them in its loops; such calls keep running on cpu for identical results.
  checkNoDilation(NAME, attrs);
  const pad = checkPad(NAME, attrs.pad, 'NHWC');
  const dimRoundingMode = checkRounding(NAME, attrs.dimRoundingMode);
  const filterShape = checkShape4D(NAME, 'attribute filterShape', attrs.filterShape);
  if (x.shape.some((d) => d === 0)) {
    throw new UnsupportedKernelAttributeError(NAME, 'shape of x', x.shape, 'no empty dimension');
  }
  if (filterShape[2] !== x.shape[3]) {
    const expected = `${x.shape[3]} input channels, as x has`;
    throw new UnsupportedKernelAttributeError(NAME, 'attribute filterShape', filterShape, expected);
  }
  const info = tf.backend_util.computeConv2DInfo(
    [x.shape[0], x.shape[1], x.shape[2], x.shape[3]],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
  const roundingDropped = dimRoundingMode === undefined && typeof pad !== 'string';
  const cropDy = checkGradientShape(NAME, 'dy', dy.shape, info.outShape, [1, 2], roundingDropped);
  return { x, dy, cropDy, info, filterShape };
}

export const depthwiseConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropFilter,
};
