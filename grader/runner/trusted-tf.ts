/**
 * Measurements of TensorFlow.js that a submission cannot forge, although it runs in the same
 * JavaScript realm. `captureTrustedTf` runs once, after the backend is up and before the
 * submission loads; it locks hooks onto the live objects TF.js itself calls (own properties,
 * non-writable and non-configurable, so a submission can neither replace nor shadow them) and
 * keeps the counts in this closure. What a submission can patch (tf.memory, engine.memory,
 * engine.state.numTensors, Engine.prototype, Module.HEAP views) is never read.
 *
 * --frozen-intrinsics freezes JavaScript's own objects (Set, Map, Function.prototype…), not
 * TF.js's engine, backends or their prototypes: these locks are what protects those.
 *
 * - Tensors: the engine's trackTensor and disposeTensor are wrapped; a tensor counts from the
 *   moment the engine tracks it until the engine is asked to dispose it.
 * - Buffers: on wasm every malloc and free of tensor memory (the Module's _malloc and _free,
 *   bound to the raw wasm exports); on cpu every entry set into and deleted from the
 *   backend's data storage. A buffer leaves the count only when it is really freed, so a
 *   submission that tampers with the engine's bookkeeping to hide a leaked tensor still
 *   shows the memory it holds.
 * - The backend cannot be switched (a submission on another backend would escape the buffer
 *   count): setting the engine's backend to another one throws.
 * - Autograd: the engine's gradients() (the one door of tf.grad(s), tf.valueAndGrad(s),
 *   tf.variableGrads and optimizer.minimize) is wrapped; a watch counts its calls and can
 *   overwrite, in place, the gradients it returns with known random values (see the
 *   autograd-graph probe). Outside a watch it only passes the call through.
 */
import type * as tfType from '@tensorflow/tfjs';
import type { AutogradWatch, TrustedTf } from '../spec/probe';

type Fn = (...args: unknown[]) => unknown;

/** `f.call` that later changes to Function.prototype cannot redirect. */
const uncurry =
  <A extends unknown[], R>(f: (...args: A) => R) =>
  (self: unknown, ...args: A): R =>
    Reflect.apply(f, self, args);
const setAdd = uncurry(Set.prototype.add);
const setDelete = uncurry(Set.prototype.delete);
const setHas = uncurry(Set.prototype.has);
const mapGet = uncurry(Map.prototype.get);
const mapSet = uncurry(Map.prototype.set);
const mapDelete = uncurry(Map.prototype.delete);
const defineProperty = Object.defineProperty;
const getPrototypeOf = Object.getPrototypeOf;
const apply = Reflect.apply;
const setSize = uncurry(Object.getOwnPropertyDescriptor(Set.prototype, 'size')?.get as (this: Set<unknown>) => number);

function lockValue(target: object, name: string, value: unknown): void {
  defineProperty(target, name, { value, writable: false, configurable: false, enumerable: false });
}

function lockAccessor(target: object, name: string, get: () => unknown, set: (v: unknown) => void): void {
  defineProperty(target, name, { get, set, configurable: false, enumerable: false });
}

interface BufferLedger {
  count: number;
  bytes: number;
}

/** The wasm backend: the Module's _malloc and _free, over the raw exports. */
function ledgerOfWasm(backend: Record<string, unknown>, ledger: BufferLedger): boolean {
  const wasm = backend.wasm as (Record<string, unknown> & { asm?: Record<string, unknown> }) | undefined;
  const rawMalloc = wasm?.asm?.malloc;
  const rawFree = wasm?.asm?.free;
  if (wasm === undefined || typeof rawMalloc !== 'function' || typeof rawFree !== 'function') return false;
  const sizes = new Map<number, number>();
  lockValue(backend, 'wasm', wasm);
  lockValue(wasm, '_malloc', (bytes: number) => {
    const pointer = (rawMalloc as Fn)(bytes) as number;
    mapSet(sizes, pointer >>> 0, bytes);
    ledger.count++;
    ledger.bytes += bytes;
    return pointer;
  });
  lockValue(wasm, '_free', (pointer: number) => {
    (rawFree as Fn)(pointer);
    const size = mapGet(sizes, pointer >>> 0);
    if (size !== undefined) {
      mapDelete(sizes, pointer >>> 0);
      ledger.count--;
      ledger.bytes -= size;
    }
  });
  return true;
}

/** The cpu backend: the entries of its data storage (the values die with the entry). */
function ledgerOfCpu(backend: Record<string, unknown>, ledger: BufferLedger): boolean {
  const storage = backend.data as Record<string, unknown> | undefined;
  if (typeof storage !== 'object' || storage === null) return false;
  const proto = getPrototypeOf(storage) as Record<string, unknown>;
  const set = proto.set;
  const del = proto.delete;
  if (typeof set !== 'function' || typeof del !== 'function') return false;
  const sizes = new Map<object, number>();
  lockValue(backend, 'data', storage);
  lockValue(storage, 'set', function (this: unknown, dataId: object, value: { values?: { byteLength?: unknown } }) {
    const out = apply(set, this, [dataId, value]);
    const bytes = typeof value?.values?.byteLength === 'number' ? value.values.byteLength : 0;
    const before = mapGet(sizes, dataId);
    if (before === undefined) ledger.count++;
    ledger.bytes += bytes - (before ?? 0);
    mapSet(sizes, dataId, bytes);
    return out;
  });
  lockValue(storage, 'delete', function (this: unknown, dataId: object) {
    const out = apply(del, this, [dataId]);
    const size = mapGet(sizes, dataId);
    if (size !== undefined) {
      mapDelete(sizes, dataId);
      ledger.count--;
      ledger.bytes -= size;
    }
    return out;
  });
  return true;
}

/** Float32 values of a tensor's buffer, writable in place (wasm heap or cpu storage), or undefined. */
function writableValues(backend: Record<string, unknown>, wasmHeap: (() => ArrayBuffer) | undefined, tensor: { dataId: object; size: number; dtype: string }): Float32Array | undefined {
  if (tensor.dtype !== 'float32') return undefined;
  if (wasmHeap !== undefined) {
    const map = backend.dataIdMap as { get(id: object): { memoryOffset?: number } | undefined };
    const offset = map.get(tensor.dataId)?.memoryOffset;
    return typeof offset === 'number' ? new Float32Array(wasmHeap(), offset, tensor.size) : undefined;
  }
  const storage = backend.data as { get(id: object): { values?: unknown } | undefined };
  const values = storage.get(tensor.dataId)?.values;
  return values instanceof Float32Array ? values : undefined;
}

export function captureTrustedTf(tf: typeof tfType): TrustedTf {
  const engine = tf.engine() as unknown as Record<string, unknown>;
  const backend = (engine.backend ?? null) as Record<string, unknown> | null;
  const backendName = engine.backendName;
  if (backend === null) throw new Error('grader bug: trusted TF.js captured before the backend is up');

  // Tensors, as the engine tracks and disposes them.
  const liveTensors = new Set<object>();
  const track = engine.trackTensor as Fn;
  const dispose = engine.disposeTensor as Fn;
  lockValue(engine, 'trackTensor', function (this: unknown, tensor: object, on: unknown) {
    const out = apply(track, this, [tensor, on]);
    setAdd(liveTensors, tensor);
    return out;
  });
  lockValue(engine, 'disposeTensor', function (this: unknown, tensor: object) {
    const out = apply(dispose, this, [tensor]);
    setDelete(liveTensors, tensor);
    return out;
  });

  // Buffers, as the backend allocates and frees them.
  const buffers: BufferLedger = { count: 0, bytes: 0 };
  // The wasm heap, read through the raw Memory export (not the Module's replaceable HEAP views).
  const wasmMemory = (backend.wasm as { asm?: { memory?: unknown } } | undefined)?.asm?.memory;
  const onWasm = ledgerOfWasm(backend, buffers);
  const countsBuffers = onWasm || ledgerOfCpu(backend, buffers);
  // (The lib settings know no WebAssembly global: its Memory is reached through globalThis.)
  const memoryProto = (globalThis as unknown as { WebAssembly?: { Memory?: { prototype: object } } }).WebAssembly?.Memory?.prototype;
  const bufferGetter = memoryProto !== undefined ? Object.getOwnPropertyDescriptor(memoryProto, 'buffer')?.get : undefined;
  const isMemory = typeof wasmMemory === 'object' && wasmMemory !== null && getPrototypeOf(wasmMemory) === memoryProto;
  const wasmHeap = onWasm && isMemory && bufferGetter !== undefined ? () => apply(bufferGetter, wasmMemory, []) as ArrayBuffer : undefined;

  // The backend stays the one measured.
  const protoBackend = Object.getOwnPropertyDescriptor(getPrototypeOf(engine) as object, 'backend')?.get;
  const refuseSwitch = (what: unknown) => {
    throw new Error(`switching the TensorFlow.js backend (to ${String(what)}) is not allowed in a submission: the grader runs it on ${String(backendName)}`);
  };
  lockAccessor(
    engine,
    'backendInstance',
    () => backend,
    (v) => {
      if (v !== backend) refuseSwitch('another backend');
    },
  );
  lockAccessor(
    engine,
    'backendName',
    () => backendName,
    (v) => {
      if (v !== backendName) refuseSwitch(v);
    },
  );
  if (protoBackend !== undefined) {
    lockAccessor(
      engine,
      'backend',
      function (this: unknown) {
        return apply(protoBackend, this, []);
      },
      () => refuseSwitch('another backend'),
    );
  }

  // Autograd.
  let watch: { calls: number; replace: boolean; replaced: Array<{ dataId: object; values: Float32Array }>; random: () => number } | null = null;
  const gradients = engine.gradients as Fn;
  lockValue(engine, 'gradients', function (this: unknown, ...args: unknown[]) {
    const out = apply(gradients, this, args) as { grads?: unknown };
    const w = watch;
    if (w === null) return out;
    w.calls++;
    if (!w.replace || !Array.isArray(out?.grads)) return out;
    const seen = new Set<object>();
    for (const g of out.grads as Array<{ dataId: object; size: number; dtype: string }>) {
      if (typeof g !== 'object' || g === null || setHas(seen, g.dataId)) continue;
      setAdd(seen, g.dataId);
      const values = writableValues(backend, wasmHeap, g);
      if (values === undefined) continue;
      // Values far from any gradient of the exercise, so that a coincidence cannot pass.
      const replacement = new Float32Array(values.length);
      for (let i = 0; i < replacement.length; i++) replacement[i] = 1 + 4 * w.random();
      values.set(replacement);
      w.replaced.push({ dataId: g.dataId, values: replacement });
    }
    return out;
  });

  return {
    liveTensors: () => setSize(liveTensors),
    liveBuffers: () => ({ count: buffers.count, bytes: buffers.bytes, measured: countsBuffers }),
    watchAutograd: (replace: boolean, seed: number): AutogradWatch => {
      let state = seed >>> 0 || 1;
      const random = () => {
        // xorshift32: the probe's own generator, not Math.random (which a submission can replace).
        state ^= state << 13;
        state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        return state / 4294967296;
      };
      const w = { calls: 0, replace, replaced: [] as Array<{ dataId: object; values: Float32Array }>, random };
      watch = w;
      return {
        get calls() {
          return w.calls;
        },
        replaced: w.replaced,
        stop: () => {
          if (watch === w) watch = null;
        },
      };
    },
  };
}
