/**
 * BatchMatMul for wasm with transposed operands made fast.
 *
 * Upstream's BatchMatMul reaches XNNPACK only when neither operand is transposed; with
 * transposeA or transposeB it runs a scalar loop. Every dense layer's backward pass asks for
 * exactly those (dW = xᵀ·dy, dx = dy·Wᵀ), so an MLP training step spent most of its time
 * there (measured at batch 32, 784→100: 4.7 ms for xᵀ·dy against 1.1 ms for an explicit
 * transpose followed by the XNNPACK product). This kernel transposes explicitly (the wasm
 * Transpose kernel is a tight copy loop) and hands the plain product to the upstream kernel.
 *
 * Upstream's plain product (no transposes, batch 1 on both sides) is an XNNPACK fully-connected
 * operator whose packed weights are cached in C++ under the key (id of b, id of bias, activation)
 * (batch_mat_mul_impl.cc, `OperatorCacheKey`), without b's shape. Reshape shares the data id, so
 * a vector used as a [1,n] row and later as an [n,1] column (`tf.outerProduct(d, a)` then
 * `tf.dot(W, a)`) reuses the operator packed for the first shape: wrong products, and writes
 * past the output buffer ("memory access out of bounds"). {@link xnnSafeRightOperand} keeps that
 * cache consistent: the first shape a b takes in the product owns its id; any other view of the
 * same data is multiplied through a fresh copy (its own id, its operators freed with it).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asWasmBackend, KernelScope, upstreamWasmKernels, withKernelScope } from './kernel-utils';

const KERNEL = 'BatchMatMul';

/**
 * The column count of b with which XNNPACK operators were first packed for b's data, by the
 * engine's dataId object (weak: forgotten with the tensor). `id` is the backend's numeric id of
 * the data at that time: a dataId moved to another backend and back gets a new id, and a new
 * id has no cached operators yet.
 */
const packedColumns = new WeakMap<object, { id: number; columns: number }>();

function batchOf(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((x, y) => x * y, 1);
}

/**
 * The right operand to hand to upstream's plain (untransposed) product: b itself, or a copy when
 * b is a view of data whose XNNPACK operator was packed for another shape. Only products that
 * reach XNNPACK (float32, batch 1 on both sides) are concerned; the others run upstream's loop,
 * which caches nothing.
 */
export function xnnSafeRightOperand(
  backend: BackendWasm,
  scope: KernelScope,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
): tf.TensorInfo {
  if (b.shape.length < 2 || batchOf(a.shape) !== 1 || batchOf(b.shape) !== 1) return b;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return b;
  const data = backend.dataIdMap.get(b.dataId);
  if (data === undefined) return b;
  const columns = b.shape[b.shape.length - 1];
  const seen = packedColumns.get(b.dataId);
  if (seen === undefined || seen.id !== data.id) {
    packedColumns.set(b.dataId, { id: data.id, columns });
    return b;
  }
  // Same size and same column count: the same [k, n] matrix.
  if (seen.columns === columns) return b;
  return scope.run('Identity', { x: b });
}

function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const backend = asWasmBackend(KERNEL, args.backend);
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = args.attrs ?? {};
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  const upstream = upstreamWasmKernels.get(KERNEL);
  if (upstream === undefined) throw new Error(`${KERNEL} (wasm training kernel): the upstream kernel was not captured`);
  const plain = upstream.kernelFunc;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    return plain({ inputs: { a, b }, attrs, backend }) as tf.TensorInfo;
  }
  if (!transposeA && !transposeB) {
    return withKernelScope(backend, [a, b], (scope) =>
      scope.own(plain({ inputs: { a, b: xnnSafeRightOperand(backend, scope, a, b) }, attrs, backend }) as tf.TensorInfo),
    );
  }
  return withKernelScope(backend, [a, b], (scope) => {
    const swapLast = (x: tf.TensorInfo): tf.TensorInfo => {
      const perm = x.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return scope.transpose(x, perm);
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    // Through the registry: with both flags off our kernel passes straight to upstream's.
    return scope.run(KERNEL, { a: a2, b: b2 }, { ...attrs, transposeA: false, transposeB: false });
  });
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  // Upstream's setup binds its C++ function; it must still run, since we call upstream.
  setupFunc: (backend) => upstreamWasmKernels.get(KERNEL)?.setupFunc?.(backend),
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
