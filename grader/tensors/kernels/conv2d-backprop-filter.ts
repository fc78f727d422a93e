/**
 * Conv2DBackpropFilter for the wasm backend, which upstream does not register at all (so any CNN
 * training on wasm throws without it).
 *
 *   dW[i,j,ci,co] = sum over n,oh,ow of  x[n, oh*s + i - padTop, ow*s + j - padLeft, ci] * dy[n,oh,ow,co]
 *
 * is itself a convolution once the batch is read as the channel axis:
 *   input   x'  = x  as [Cin, H, W, N]      (Cin plays the batch)
 *   filter  dy' = dy as [Ho, Wo, N, Cout]   (the gradient is the filter)
 *   stride 1, dilation = the forward stride, padding = the forward padding, so that
 *   out[ci, i, j, co] = dW[i, j, ci, co].
 * One XNNPACK convolution does the whole reduction, strides and padding included. Measured at
 * the course CNN's shapes (batch 32) against im2col + BatchMatMul (a depthwise one-hot im2col,
 * then an XNNPACK GEMM): within 10% for Cin = 1, twice as fast for Cin = 16. Most of its time
 * is XNNPACK packing the huge one-off "filter" (about 1 ms per 200k elements of dy), not the
 * arithmetic.
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

const NAME = tf.Conv2DBackpropFilter;

type KernelArgs = Parameters<tf.KernelFunc>[0];

function conv2dBackpropFilter({ inputs, attrs = {}, backend: anyBackend }: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(NAME, anyBackend);
  const x = checkFloat4D(NAME, 'x', inputs.x);
  const dy = checkFloat4D(NAME, 'dy', inputs.dy);
  const dataFormat = checkDataFormat(NAME, attrs.dataFormat);
  const strides = checkPair(NAME, 'attribute strides', attrs.strides);
  const pad = checkPad(NAME, attrs.pad, dataFormat);
  const dimRoundingMode = checkRounding(NAME, attrs.dimRoundingMode);
  const filterShape = checkShape4D(NAME, 'attribute filterShape', attrs.filterShape);
  checkNoDilation(NAME, attrs);

  const channelsLast = dataFormat === 'NHWC';
  const info = tf.backend_util.computeConv2DInfo(
    [x.shape[0], x.shape[1], x.shape[2], x.shape[3]],
    filterShape,
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
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cIn, outChannels: cOut } = info;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const [fh, fw] = filterShape;
  if (filterShape[2] !== cIn) {
    const expected = `${cIn} input channels, as x has`;
    throw new UnsupportedKernelAttributeError(NAME, 'attribute filterShape', filterShape, expected);
  }

  return withKernelScope(backend, [x, dy], (scope) => {
    if (n * ho * wo === 0) {
      return scope.run('Fill', {}, { shape: filterShape, value: 0, dtype: 'float32' });
    }
    // NCHW needs no extra pass: the same two transposes just start from the other layout.
    const xT = scope.transpose(x, channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0]); // [Cin, H, W, N]
    const dyUsed = cropDy ? scope.cropTo(dy, info.outShape) : dy;
    const dyT = scope.transpose(dyUsed, channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]); // [Ho, Wo, N, Cout]

    // The dilated "filter" spans (Ho-1)*s+1 rows; pad the bottom/right just enough for the
    // output to reach fh x fw. Rows of x that the forward conv never read give extra output rows
    // (dW of a bigger filter), which the slice below drops.
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;
    const padBottom = Math.max(0, fh + (ho - 1) * sh - h - padTop);
    const padRight = Math.max(0, fw + (wo - 1) * sw - w - padLeft);
    let out = scope.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: 1,
        dilations: [sh, sw],
        pad: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    ); // [Cin, H', W', Cout] with H' >= fh, W' >= fw
    if (out.shape[1] !== fh || out.shape[2] !== fw) {
      out = scope.run('Slice', { x: out }, { begin: [0, 0, 0, 0], size: [cIn, fh, fw, cOut] });
    }
    return scope.transpose(out, [1, 2, 0, 3]);
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
