/**
 * _FusedMatMul for wasm that honours transposeA and transposeB.
 *
 * Upstream's fused kernel adds the bias at the wrong positions whenever an operand is
 * transposed (measured on 4.22: `tf.fused.matMul({a, b: W, transposeB: true, bias})`, a dense
 * layer with W stored [out,in] as this course does, gives row 1 column 0 the bias of column 1),
 * and the activation then applies to those wrong values. Plain products are right. This kernel
 * transposes explicitly (a tight copy loop on wasm) and hands the plain product to upstream.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, upstreamWasmKernels, withKernelScope } from './kernel-utils';

const KERNEL = '_FusedMatMul';

function fusedMatMul(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const backend = asWasmBackend(KERNEL, args.backend);
  const inputs = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  const attrs = args.attrs ?? {};
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  const upstream = upstreamWasmKernels.get(KERNEL);
  if (upstream === undefined) throw new Error(`${KERNEL} (wasm kernel fix): the upstream kernel was not captured`);
  if (!transposeA && !transposeB) {
    return upstream.kernelFunc({ inputs: args.inputs, attrs, backend }) as tf.TensorInfo;
  }
  return withKernelScope(backend, Object.values(inputs).filter((t): t is tf.TensorInfo => t != null), (scope) => {
    const swapLast = (x: tf.TensorInfo): tf.TensorInfo => {
      const perm = x.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return scope.transpose(x, perm);
    };
    const plainInputs: tf.NamedTensorInfoMap = {
      ...args.inputs,
      a: transposeA ? swapLast(inputs.a) : inputs.a,
      b: transposeB ? swapLast(inputs.b) : inputs.b,
    };
    return scope.own(
      upstream.kernelFunc({ inputs: plainInputs, attrs: { ...attrs, transposeA: false, transposeB: false }, backend }) as tf.TensorInfo,
    );
  });
}

export const fusedMatMulConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  // Upstream's setup binds its C++ function; it must still run, since we call upstream.
  setupFunc: (backend) => upstreamWasmKernels.get(KERNEL)?.setupFunc?.(backend),
  kernelFunc: fusedMatMul as unknown as tf.KernelFunc,
};
