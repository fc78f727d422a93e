/**
 * ResizeNearestNeighborGrad for the cpu backend, correct for batches.
 *
 * Upstream cpu (tfjs-backend-cpu 4.22 kernels/ResizeNearestNeighborGrad) reads dy at the
 * *image's* batch offset (`b * imagesStrides[0]`) instead of dy's, so for every batch element
 * after the first the gradient of an upsampling (tf.image.resizeNearestNeighbor,
 * tf.layers.upSampling2d) sums the wrong pixels; it also ignores halfPixelCenters. The wasm
 * kernel is right. This one scatters each dy pixel back to the source pixel the forward kernel
 * read, with the forward kernel's own index arithmetic, so it is exact in every mode.
 */
import * as tf from '@tensorflow/tfjs';

const KERNEL = 'ResizeNearestNeighborGrad';

interface CpuBackendData {
  data: { get(dataId: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/** The forward kernel's source index for output index `i` along one axis. */
export function nearestSource(i: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
  let src = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  if (halfPixelCenters) src = Math.max(0, src);
  return src;
}

function resizeNearestNeighborGrad(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as CpuBackendData;
  const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const alignCorners = args.attrs?.['alignCorners'] === true;
  const halfPixelCenters = args.attrs?.['halfPixelCenters'] === true;
  const [batch, xHeight, xWidth, depth] = images.shape;
  const [, yHeight, yWidth] = dy.shape;
  const dyValues = backend.data.get(dy.dataId).values as ArrayLike<number>;
  const output = new Float32Array(batch * xHeight * xWidth * depth);
  const rows = Array.from({ length: yHeight }, (_, r) => nearestSource(r, xHeight, yHeight, alignCorners, halfPixelCenters));
  const cols = Array.from({ length: yWidth }, (_, c) => nearestSource(c, xWidth, yWidth, alignCorners, halfPixelCenters));
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < yHeight; r++) {
      const rowBase = (b * xHeight + rows[r]) * xWidth;
      for (let c = 0; c < yWidth; c++) {
        const base = (rowBase + cols[c]) * depth;
        for (let d = 0; d < depth; d++) output[base + d] += dyValues[k++];
      }
    }
  }
  return backend.makeTensorInfo(images.shape, 'float32', output);
}

export const resizeNearestNeighborGradCpuConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGrad as unknown as tf.KernelFunc,
};
