/**
 * _FusedMatMul for wasm that honours transposeA and transposeB.
 *
 * Upstream's fused kernel adds the bias at the wrong positions whenever an operand is
 * transposed (measured on 4.22: `tf.fused.matMul({a, b: W, transposeB: true, bias})`, a dense
 * layer with W stored [out,in] as this course does, gives row 1 column 0 the bias of column 1),
 * and the activation then applies to those wrong values. Plain products are right. This kernel
 * transposes explicitly (a tight copy loop on wasm) and hands the plain product to upstream.
 *
 * Upstream also adds the bias wrongly whenever it is not a plain [n] vector on a batch-1 product
 * (measured on 4.22: bias [1] lands on column 0 only; with a batch of products, rows after the
 * first get the bias's last element; a scalar or rank-2 bias is refused, though cpu broadcasts
 * it), and PReLU weights likewise unless they are [n]. Those products run as BatchMatMul, Add
 * (broadcasting) and the activation's own kernels.
 *
 * The right operand goes through {@link xnnSafeRightOperand}: upstream's XNNPACK operator cache
 * is keyed by b's data id without its shape (see batch-mat-mul.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { xnnSafeRightOperand } from './batch-mat-mul';
import { asWasmBackend, KernelScope, upstreamWasmKernels, withKernelScope } from './kernel-utils';

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
  const n = transposeB ? inputs.b.shape[inputs.b.shape.length - 2] : inputs.b.shape[inputs.b.shape.length - 1];
  const irregularBias = inputs.bias != null && !upstreamAddsBiasRight(inputs.a, inputs.b, inputs.bias, n);
  // Upstream's PReLU treats the weights as one row of channels, repeated: right for [n] only.
  const alpha = attrs['activation'] === 'prelu' ? inputs.preluActivationWeights : undefined;
  const irregularAlpha = alpha != null && !(alpha.shape.length === 1 && alpha.shape[0] === n);
  if (irregularBias || irregularAlpha) {
    return withKernelScope(backend, inputList, (scope) => unfused(scope, inputs, attrs));
  }
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

function batchOf(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((x, y) => x * y, 1);
}

/** Upstream's bias is right for an [n] bias on a product with batch 1 on both sides. */
function upstreamAddsBiasRight(a: tf.TensorInfo, b: tf.TensorInfo, bias: tf.TensorInfo, n: number): boolean {
  return bias.shape.length === 1 && bias.shape[0] === n && batchOf(a.shape) === 1 && batchOf(b.shape) === 1;
}

/** The fused product as its parts: BatchMatMul (ours), Add with broadcasting, the activation. */
function unfused(
  scope: KernelScope,
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo },
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  let y = scope.run('BatchMatMul', { a: inputs.a, b: inputs.b }, { transposeA: attrs['transposeA'] === true, transposeB: attrs['transposeB'] === true });
  if (inputs.bias != null) y = scope.run('Add', { a: y, b: inputs.bias });
  const activation = attrs['activation'] ?? 'linear';
  switch (activation) {
    case 'linear':
      return y;
    case 'relu':
      return scope.run('Relu', { x: y });
    case 'relu6':
      return scope.run('Relu6', { x: y });
    case 'sigmoid':
      return scope.run('Sigmoid', { x: y });
    case 'elu':
      return scope.run('Elu', { x: y });
    case 'leakyrelu':
      return scope.run('LeakyRelu', { x: y }, { alpha: attrs['leakyreluAlpha'] ?? 0.2 });
    case 'prelu': {
      const alpha = inputs.preluActivationWeights;
      if (alpha == null) throw new Error(`${KERNEL} (wasm kernel fix): prelu activation without preluActivationWeights`);
      // max(y, 0) + alpha * min(y, 0), broadcasting alpha as cpu does.
      const zero = scope.scalar(0);
      const negative = scope.run('Multiply', { a: alpha, b: scope.run('Minimum', { a: y, b: zero }) });
      return scope.run('Add', { a: scope.run('Maximum', { a: y, b: zero }), b: negative });
    }
    default:
      throw new Error(`${KERNEL} (wasm kernel fix): unsupported activation '${String(activation)}'`);
  }
}

export const fusedMatMulConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  // Upstream's setup binds its C++ function; it must still run, since we call upstream.
  setupFunc: (backend) => upstreamWasmKernels.get(KERNEL)?.setupFunc?.(backend),
  kernelFunc: fusedMatMul as unknown as tf.KernelFunc,
};
