/**
 * Training kernels that complete @tensorflow/tfjs-backend-wasm. Registered once, the way
 * tfjs registers its own: one KernelConfig per kernel, one file each.
 */
export function registerTrainingKernels(): void {
  // Filled in by the kernels work (issue 2).
}
