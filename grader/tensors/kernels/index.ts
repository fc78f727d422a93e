/**
 * Training kernels that complete @tensorflow/tfjs-backend-wasm. Registered once, the way
 * tfjs registers its own: one KernelConfig per kernel, one file each.
 *
 * Upstream wasm has no Conv2DBackpropFilter, and its Conv2DBackpropInput and MaxPoolGrad are
 * scalar loops (the latter also breaking ties unlike cpu); ours compose the backend's XNNPACK
 * kernels. The upstream configs are kept in {@link upstreamWasmKernels} for benchmarks.
 * Upstream has no depthwise convolution gradients either; ours are XNNPACK depthwise
 * convolutions (separableConv2d / depthwiseConv2d layers trained about 20x slower through cpu).
 * Also fixes: BatchMatMul and _FusedMatMul with transposed operands (slow, resp. wrong bias),
 * OneHot with a float dtype, and Einsum (absent upstream) as one matrix product.
 * Whatever wasm still lacks after these runs through cpu's kernel (cpu-fallback.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { maxPoolGradConfig } from './max-pool-grad';
import { batchMatMulConfig } from './batch-mat-mul';
import { oneHotConfig } from './one-hot';
import { fusedMatMulConfig } from './fused-mat-mul';
import { einsumConfig } from './einsum';
import { depthwiseConv2dBackpropFilterConfig } from './depthwise-conv2d-backprop-filter';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-conv2d-backprop-input';
import { upstreamWasmKernels } from './kernel-utils';

export { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
export { conv2dBackpropInputConfig } from './conv2d-backprop-input';
export { maxPoolGradConfig } from './max-pool-grad';
export { UnsupportedKernelAttributeError, upstreamWasmKernels } from './kernel-utils';
export { batchMatMulConfig } from './batch-mat-mul';
export { oneHotConfig } from './one-hot';
export { fusedMatMulConfig } from './fused-mat-mul';
export { einsumConfig, planEinsum } from './einsum';
export { depthwiseConv2dBackpropFilterConfig } from './depthwise-conv2d-backprop-filter';
export { depthwiseConv2dBackpropInputConfig } from './depthwise-conv2d-backprop-input';
export { cpuFallbackKernels, dtypeGuardedKernels, kernelsMissingOnWasm, registerCpuFallbacks, WASM_DTYPE_GUARDS, WRONG_ON_WASM } from './cpu-fallback';

export const TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  maxPoolGradConfig,
  batchMatMulConfig,
  oneHotConfig,
  fusedMatMulConfig,
  einsumConfig,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
];


/**
 * Registers our training kernels for 'wasm'. Idempotent; must run after
 * @tensorflow/tfjs-backend-wasm has been imported (it registers its kernels on import), and
 * may run before or after the backend is initialised (our kernels need no setup).
 */
export function registerTrainingKernels(): void {
  for (const config of TRAINING_KERNELS) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current === config) continue;
    if (current !== undefined) {
      // Unregister first: registerKernel would replace it too, but warn about the duplicate.
      if (!upstreamWasmKernels.has(config.kernelName)) upstreamWasmKernels.set(config.kernelName, current);
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
  }
}
