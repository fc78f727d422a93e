/**
 * _FusedMatMul for wasm that honours transposeA and transposeB.
 *
 * Upstream's fused kernel adds the bias at the wrong positions whenever an operand is
 * transposed (measured on 4.22: `tf.fused.matMul({a, b: W, transposeB: true, bias})`, a dense
 * layer with W stored [out,in] as this course does, gives row 1 column 0 the bias of column 1),
 * and the activation then applies to those wrong values. Plain products are right. This kernel
 * transposes explicitly (a tight copy loop on wasm) and hands the plain product to upstream.
 * The right operand goes through {@link xnnSafeRightOperand}: upstream's XNNPACK operator cache
 * is keyed by b's data id without its shape (see batch-mat-mul.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { xnnSafeRightOperand } from './batch-mat-mul';
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
  const inputList = Object.values(inputs).filter((t): t is tf.TensorInfo => t != null);
  if (!transposeA && !transposeB) {
    return withKernelScope(backend, inputList, (scope) => {
      const b = xnnSafeRightOperand(backend, scope, inputs.a, inputs.b);
      return scope.own(upstream.kernelFunc({ inputs: { ...args.inputs, b }, attrs, backend }) as tf.TensorInfo);
    });
  }
  return withKernelScope(backend, inputList, (scope) => {
    const swapLast = (x: tf.TensorInfo): tf.TensorInfo => {
      const perm = x.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return scope.transpose(x, perm);
    };
    const a = transposeA ? swapLast(inputs.a) : inputs.a;
    const b = xnnSafeRightOperand(backend, scope, a, transposeB ? swapLast(inputs.b) : inputs.b);
    const plainInputs: tf.NamedTensorInfoMap = { ...args.inputs, a, b };
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
