/**
 * OneHot for wasm that honours dtype.
 *
 * Upstream's C++ OneHot always writes int32 values, whatever dtype the output was allocated
 * with, so `tf.oneHot(labels, 10, 1, 0, 'float32')` reads back 1 as 1.4e-45 (int bits seen as
 * a float) and every loss built on it is garbage. Students write exactly that for
 * cross-entropy, so the grader fixes it: one-hot in int32, then Cast.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, upstreamWasmKernels, withKernelScope } from './kernel-utils';

const KERNEL = 'OneHot';

function oneHot(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const backend = asWasmBackend(KERNEL, args.backend);
  const attrs = args.attrs ?? {};
  const upstream = upstreamWasmKernels.get(KERNEL);
  if (upstream === undefined) throw new Error(`${KERNEL} (wasm kernel fix): the upstream kernel was not captured`);
  const dtype = attrs['dtype'];
  if (dtype === undefined || dtype === 'int32') {
    return upstream.kernelFunc({ inputs: args.inputs, attrs, backend }) as tf.TensorInfo;
  }
  const { indices } = args.inputs as { indices: tf.TensorInfo };
  return withKernelScope(backend, [indices], (scope) => {
    const asInt = scope.own(upstream.kernelFunc({ inputs: { indices }, attrs: { ...attrs, dtype: 'int32' }, backend }) as tf.TensorInfo);
    return scope.run('Cast', { x: asInt }, { dtype });
  });
}

export const oneHotConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  // Upstream's setup binds its C++ function; it must still run, since we call upstream.
  setupFunc: (backend) => upstreamWasmKernels.get(KERNEL)?.setupFunc?.(backend),
  kernelFunc: oneHot as unknown as tf.KernelFunc,
};
