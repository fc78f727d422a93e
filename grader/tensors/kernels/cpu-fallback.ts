/**
 * Fallbacks: every kernel the cpu backend registers and the wasm backend does not runs on wasm
 * through the cpu backend's own kernel function.
 *
 * Plain TF.js in Node runs on cpu, so a student's code that works there (tf.einsum, a
 * depthwise/separable convolution's gradient, tf.unsortedSegmentSum, ...) must work on the
 * grading backend too; upstream wasm 4.22 simply has no kernel for some of those and the
 * student's op throws "kernel not registered". The missing set is computed from the kernel
 * registry (cpu's names minus wasm's, after our own kernels are registered), never a hand list,
 * so a tfjs upgrade that adds kernels to either backend is followed automatically.
 *
 * A fallback reads its inputs from the wasm heap, writes them into a private cpu backend,
 * calls the cpu kernelFunc with the same attributes, copies the outputs back into wasm tensors
 * and frees every cpu temporary (also when the cpu kernel refuses its inputs and throws: the
 * error reaches the student exactly as on cpu). The kernel keeps its name, so the engine records
 * it on the tape under that name and the gradient tfjs registers for it applies unchanged.
 *
 * complex64 lives on wasm as interleaved float32 pairs (what `tf.tensor(.., 'complex64')` and
 * cpu's readSync use); upstream wasm cannot read such a tensor back, so
 * {@link enableWasmComplexReads} teaches its readSync that layout.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asWasmBackend, upstreamWasmKernels } from './kernel-utils';

type KernelArgs = { inputs: tf.NamedTensorInfoMap | tf.TensorInfo[]; attrs?: tf.NamedAttrMap; backend: unknown };
type Values = tf.backend_util.BackendValues;

/**
 * Upstream wasm kernels that exist but compute wrong values, replaced by the cpu fallback too;
 * each with the defect found (tests/tensors/wasm-vs-cpu.test.ts checks it against the exact
 * value). Our own wasm kernels (kernels/index.ts) fix the ones that training needs fast.
 */
export const WRONG_ON_WASM: Readonly<Record<string, string>> = {
  Conv3DBackpropInputV2:
    "tf.conv3d's input gradient: upstream's loop is off by far (max error 30 on a [1,4,4,4,2] input, 2x2x2 filter)",
};

type Guard = { defect: string; needsCpu: (inputs: tf.TensorInfo[], attrs: tf.NamedAttrMap) => boolean };
const notAllFloat = (inputs: tf.TensorInfo[]): boolean => inputs.some((t) => t.dtype !== 'float32');

/**
 * Upstream wasm kernels that are right on float32 but refuse or corrupt other dtypes (found by
 * running ops on int32/bool on both backends; tests/tensors/wasm-vs-cpu.test.ts keeps them
 * checked). For those inputs the kernel runs through cpu; float32 stays native.
 */
export const WASM_DTYPE_GUARDS: Readonly<Record<string, Guard>> = {
  BatchMatMul: { defect: "int32 refused ('BatchMatMul for non non-float32 tensors'): tf.matMul, tf.dot, tf.math.confusionMatrix", needsCpu: notAllFloat },
  ClipByValue: { defect: 'int32 read as float bits (clipByValue(int [3,-2,7], -1, 4) gives garbage)', needsCpu: notAllFloat },
  StridedSlice: { defect: 'int32 input comes back as float32 holding the int bits', needsCpu: notAllFloat },
  ResizeNearestNeighbor: { defect: 'int32 input comes back as float32', needsCpu: notAllFloat },
  MaxPool: { defect: 'int32 refused', needsCpu: notAllFloat },
  Reciprocal: { defect: 'int32 gives float bits (2139095040) instead of 1/x truncated', needsCpu: notAllFloat },
  IsNan: { defect: 'int32 read as float bits (some ints reported NaN)', needsCpu: notAllFloat },
  Cast: {
    defect: "int32/float32 to bool copies the low byte (3 stays 3, -2 becomes 254) instead of x != 0",
    needsCpu: (inputs, attrs) => attrs['dtype'] === 'bool' && inputs.some((t) => t.dtype !== 'bool'),
  },
};

/** The guarded configs we registered, by kernel name. */
export const dtypeGuardedKernels = new Map<string, tf.KernelConfig>();

/**
 * Wraps each kernel of {@link WASM_DTYPE_GUARDS} registered on wasm (upstream's, or ours that
 * call upstream) so inputs it mishandles run through cpu. Idempotent.
 */
export function registerDtypeGuards(): void {
  for (const [kernelName, guard] of Object.entries(WASM_DTYPE_GUARDS)) {
    const native = tf.getKernel(kernelName, 'wasm');
    if (native === undefined || dtypeGuardedKernels.get(kernelName) === native) continue;
    const config: tf.KernelConfig = {
      kernelName,
      backendName: 'wasm',
      setupFunc: native.setupFunc,
      disposeFunc: native.disposeFunc,
      kernelFunc: ((args: KernelArgs) => {
        const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)).filter(
          (t): t is tf.TensorInfo => t != null && !Array.isArray(t),
        );
        return guard.needsCpu(inputs, args.attrs ?? {})
          ? runOnCpu(kernelName, args)
          : native.kernelFunc(args as Parameters<tf.KernelFunc>[0]);
      }) as unknown as tf.KernelFunc,
    };
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(config);
    dtypeGuardedKernels.set(kernelName, config);
  }
}

/** The fallback configs we registered, by kernel name. */
export const cpuFallbackKernels = new Map<string, tf.KernelConfig>();

/** Kernel names the cpu backend registers and the wasm backend does not (now). Once the
 * fallbacks are registered this is empty (tests/tensors/kernel-coverage.test.ts). */
export function kernelsMissingOnWasm(): string[] {
  const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  return tf
    .getKernelsForBackend('cpu')
    .map((k) => k.kernelName)
    .filter((name) => !wasm.has(name))
    .sort();
}

/**
 * Registers a cpu fallback on 'wasm' for each kernel {@link kernelsMissingOnWasm} lists.
 * Idempotent; run it after @tensorflow/tfjs-backend-wasm is imported and our own wasm kernels
 * are registered (they are real wasm kernels and must not be shadowed). Returns the names
 * registered by this call.
 */
export function registerCpuFallbacks(): string[] {
  const added: string[] = [];
  for (const kernelName of Object.keys(WRONG_ON_WASM)) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current === undefined || cpuFallbackKernels.get(kernelName) === current) continue;
    if (!upstreamWasmKernels.has(kernelName)) upstreamWasmKernels.set(kernelName, current);
    tf.unregisterKernel(kernelName, 'wasm');
  }
  for (const kernelName of kernelsMissingOnWasm()) {
    const config: tf.KernelConfig = {
      kernelName,
      backendName: 'wasm',
      kernelFunc: ((args: KernelArgs) => runOnCpu(kernelName, args)) as unknown as tf.KernelFunc,
    };
    tf.registerKernel(config);
    cpuFallbackKernels.set(kernelName, config);
    added.push(kernelName);
  }
  registerDtypeGuards();
  enableWasmComplexReads();
  return added;
}

/** What we use of tfjs-backend-cpu's MathBackendCPU (reached through the engine's registry:
 * the package is @tensorflow/tfjs's dependency, not ours). */
interface MathBackendCPU {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Values): tf.TensorInfo;
  readSync(dataId: object): Values;
  disposeData(dataId: object, force?: boolean): boolean;
  numDataIds(): number;
}

/**
 * A fresh cpu backend per call, made by the factory @tensorflow/tfjs registered for 'cpu':
 * cheap (a WeakMap), never the engine's instance, and whatever a cpu kernel forgets to free is
 * garbage with it.
 */
export function privateCpuBackend(): MathBackendCPU {
  const registry = (tf.engine() as unknown as { registryFactory: Record<string, { factory: () => unknown }> })
    .registryFactory;
  const entry = registry['cpu'];
  if (entry === undefined) throw new Error("the 'cpu' backend is not registered");
  const cpu = entry.factory() as MathBackendCPU;
  // Its first write prints the "install tfjs-node" advice; that would land in a student's output.
  (cpu as unknown as { firstUse: boolean }).firstUse = false;
  return cpu;
}

export function runOnCpu(kernelName: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const wasm = asWasmBackend(kernelName, args.backend);
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  if (cpuKernel === undefined) throw new Error(`kernel '${kernelName}' is not registered for backend 'cpu'`);
  const cpu = privateCpuBackend();
  const temps: tf.TensorInfo[] = [];
  const toCpu = (t: tf.TensorInfo | undefined | null): tf.TensorInfo | undefined | null => {
    if (t === undefined || t === null) return t;
    const info = writeToCpu(cpu, t.shape, t.dtype, readWasm(wasm, t));
    temps.push(info);
    return info;
  };
  try {
    // Some kernels (Einsum, Concat, AddN) take their inputs as an array, not a map, and some
    // (RaggedGather's paramsNestedSplits) take an array as one named input.
    const convert = (t: unknown): unknown => (Array.isArray(t) ? t.map(convert) : toCpu(t as tf.TensorInfo | undefined));
    const inputs = Array.isArray(args.inputs)
      ? args.inputs.map(convert)
      : Object.fromEntries(Object.entries(args.inputs).map(([name, t]) => [name, convert(t)]));
    const out = cpuKernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      attrs: args.attrs ?? {},
      backend: cpu,
    }) as tf.TensorInfo | tf.TensorInfo[];
    const outs = Array.isArray(out) ? out : [out];
    temps.push(...outs);
    const made: tf.TensorInfo[] = [];
    try {
      for (const o of outs) made.push(writeToWasm(wasm, o.shape, o.dtype, cpu.readSync(o.dataId)));
    } catch (err) {
      for (const m of made) wasm.disposeData(m.dataId, true);
      throw err;
    }
    return Array.isArray(out) ? made : made[0];
  } finally {
    for (const t of temps) cpu.disposeData(t.dataId);
  }
}

/** A wasm tensor's values: strings as their bytes, complex64 as interleaved float32 pairs
 * (readSync patched by {@link enableWasmComplexReads}). */
function readWasm(wasm: BackendWasm, t: tf.TensorInfo): Values {
  return wasm.readSync(t.dataId);
}

function writeToCpu(cpu: MathBackendCPU, shape: number[], dtype: tf.DataType, values: Values): tf.TensorInfo {
  if (dtype !== 'complex64') return cpu.makeTensorInfo(shape, dtype, values);
  // cpu keeps a complex tensor as two float32 tensors; its Complex kernel pairs them.
  const pairs = values as Float32Array;
  const n = pairs.length / 2;
  const re = new Float32Array(n);
  const im = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = pairs[2 * i];
    im[i] = pairs[2 * i + 1];
  }
  const real = cpu.makeTensorInfo(shape, 'float32', re);
  const imag = cpu.makeTensorInfo(shape, 'float32', im);
  try {
    const complex = tf.getKernel('Complex', 'cpu');
    if (complex === undefined) throw new Error("kernel 'Complex' is not registered for backend 'cpu'");
    return complex.kernelFunc({ inputs: { real, imag }, attrs: {}, backend: cpu }) as tf.TensorInfo;
  } finally {
    cpu.disposeData(real.dataId);
    cpu.disposeData(imag.dataId);
  }
}

function writeToWasm(wasm: BackendWasm, shape: number[], dtype: tf.DataType, values: Values): tf.TensorInfo {
  return wasm.makeOutput(shape, dtype, undefined, asDtypeArray(dtype, values));
}

/** wasm copies the bytes of the array it is given, so the array must have the dtype's layout. */
function asDtypeArray(dtype: tf.DataType, values: Values): Values {
  switch (dtype) {
    case 'float32':
    case 'complex64': // cpu's readSync of complex64 merges real and imag into float32 pairs
      return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
    case 'int32':
      return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
    case 'bool':
      return values instanceof Uint8Array ? values : Uint8Array.from(values as ArrayLike<number>);
    default:
      return values; // string: an array of encoded byte strings, kept as is by both backends
  }
}

const COMPLEX_PATCHED = Symbol.for('grader.wasmComplexReads');

/**
 * Upstream wasm allocates a complex64 tensor (8 bytes an element) but cannot read it back
 * ("Unknown dtype complex64"), so `tf.complex(..).data()` would throw where cpu returns the
 * interleaved pairs. Patches BackendWasm.prototype.readSync for that dtype only. Idempotent.
 */
export function enableWasmComplexReads(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BackendWasm } = require('@tensorflow/tfjs-backend-wasm') as { BackendWasm: { prototype: BackendWasm } };
  const proto = BackendWasm.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[COMPLEX_PATCHED]) return;
  const readSync = proto['readSync'] as BackendWasm['readSync'];
  proto['readSync'] = function (this: BackendWasm, dataId: object, start?: number, end?: number): Values {
    const data = this.dataIdMap.get(dataId) as { dtype: tf.DataType; shape: number[]; memoryOffset: number } | undefined;
    if (data === undefined || data.dtype !== 'complex64') return readSync.call(this, dataId, start, end);
    const from = 2 * (start ?? 0);
    const to = 2 * (end ?? tf.util.sizeFromShape(data.shape));
    const heap = (this.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
    return new Float32Array(heap.buffer.slice(data.memoryOffset + 4 * from, data.memoryOffset + 4 * to));
  };
  proto[COMPLEX_PATCHED] = true;
}
