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
 * - What a layer is fed in training: `watchLayerInputs` locks a wrapper onto the layer's
 *   `call` (a submission can neither swap it out nor keep it from being installed unnoticed)
 *   and reports a batch only when the layer got it inside the engine's gradients() (this
 *   hook's own count, not engine.state.gradientDepth) and the layer's output is on the tape
 *   path to the value being differentiated: calling the wrapper with made-up inputs whose
 *   output the loss does not use reports nothing.
 * - The tape: `isTapeOn` answers true only inside that gradients() door, so a submission
 *   cannot record and walk the engine's tape by itself (no autograd that the watch misses;
 *   none at all where autograd is forbidden).
 * - What a tensor was used with: `watchKernelUse` counts, for every kernel the engine runs
 *   with the watched tensor's data among its inputs (whatever op, layer or style led there),
 *   the elements of its largest other input: how much data went through a model's first weights.
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
const setHas = uncurry(Set.prototype.has);
const mapGet = uncurry(Map.prototype.get);
const mapSet = uncurry(Map.prototype.set);
const mapDelete = uncurry(Map.prototype.delete);
const defineProperty = Object.defineProperty;
const getPrototypeOf = Object.getPrototypeOf;
const apply = Reflect.apply;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const objectKeys = Object.keys;
const isArray = Array.isArray;
const arrayFrom = Array.from as (values: ArrayLike<number>) => number[];
const arrayPush = uncurry(Array.prototype.push as (this: unknown[], ...items: unknown[]) => number);
const weakMapGet = uncurry(WeakMap.prototype.get as (this: WeakMap<object, unknown>, key: object) => unknown);
const weakMapSet = uncurry(WeakMap.prototype.set as (this: WeakMap<object, unknown>, key: object, value: unknown) => WeakMap<object, unknown>);
const arrayPop = uncurry(Array.prototype.pop as (this: unknown[]) => unknown);
const mapSize = uncurry(Object.getOwnPropertyDescriptor(Map.prototype, 'size')?.get as (this: Map<unknown, unknown>) => number);
const mapValues = uncurry(Map.prototype.values as (this: Map<unknown, number>) => IterableIterator<number>);
const mapEntries = uncurry(Map.prototype.entries as (this: Map<object, number>) => IterableIterator<[object, number]>);

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
  const malloc = (bytes: number) => {
    const pointer = (rawMalloc as Fn)(bytes) as number;
    mapSet(sizes, pointer >>> 0, bytes);
    ledger.count++;
    ledger.bytes += bytes;
    return pointer;
  };
  const free = (pointer: number) => {
    (rawFree as Fn)(pointer);
    const size = mapGet(sizes, pointer >>> 0);
    if (size !== undefined) {
      mapDelete(sizes, pointer >>> 0);
      ledger.count--;
      ledger.bytes -= size;
    }
  };
  lockValue(backend, 'wasm', wasm);
  lockValue(wasm, '_malloc', malloc);
  lockValue(wasm, '_free', free);
  // The raw exports as the Module shows them: the same, but malloc and free go through the
  // ledger too (memory taken with the raw export would escape it: a "ghost" tensor). TF.js
  // itself holds its own references, taken at start-up.
  const exportsView: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of objectKeys(wasm.asm as object)) exportsView[key] = (wasm.asm as Record<string, unknown>)[key];
  exportsView.malloc = malloc;
  exportsView.free = free;
  lockValue(wasm, 'asm', Object.freeze(exportsView));
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

/** What the backend stores for a tensor's data (wasm: memoryOffset, shape, dtype; cpu: values). */
type DataEntry = Record<string, unknown> | undefined;

/** Float32 values of a tensor's buffer, writable in place (wasm heap or cpu storage), or undefined. */
function writableValues(entry: DataEntry, wasmHeap: (() => ArrayBuffer) | undefined, tensor: { size: number; dtype: string }): Float32Array | undefined {
  if (tensor.dtype !== 'float32' || entry === undefined) return undefined;
  if (wasmHeap !== undefined) {
    const offset = entry.memoryOffset;
    return typeof offset === 'number' ? new Float32Array(wasmHeap(), offset, tensor.size) : undefined;
  }
  const values = entry.values;
  return values instanceof Float32Array ? values : undefined;
}

interface FeedBatch {
  x: object;
  /** Ids of what the layer returned for it. */
  outIds: number[];
  onBatch: (values: ArrayLike<number>, shape: number[]) => void;
}

/** A tensor's id, read as an own data property (never a getter a submission put there). */
function tensorId(t: unknown): number | undefined {
  if (typeof t !== 'object' || t === null) return undefined;
  const d = getOwnPropertyDescriptor(t, 'id');
  return d !== undefined && 'value' in d && typeof d.value === 'number' ? d.value : undefined;
}

/**
 * Reports the batches of `frame` whose layer output the value `y` depends on, by walking the
 * gradient tape back from y (the engine's own record of the kernels run inside f).
 */
function settleFeed(frame: FeedBatch[], y: unknown, tape: unknown, read: (x: unknown) => { values: number[]; shape: number[] } | null): void {
  if (frame.length === 0) return;
  const yId = tensorId(y);
  if (yId === undefined || !isArray(tape)) return;
  const needed = new Set<number>();
  setAdd(needed, yId);
  const nodes = tape as unknown[];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as { outputs?: unknown; inputs?: unknown } | null;
    if (typeof node !== 'object' || node === null || !isArray(node.outputs)) continue;
    let used = false;
    for (const o of node.outputs as unknown[]) {
      const id = tensorId(o);
      if (id !== undefined && setHas(needed, id)) used = true;
    }
    if (!used || typeof node.inputs !== 'object' || node.inputs === null) continue;
    for (const key of objectKeys(node.inputs)) {
      const id = tensorId((node.inputs as Record<string, unknown>)[key]);
      if (id !== undefined) setAdd(needed, id);
    }
  }
  for (const batch of frame) {
    let reaches = false;
    for (const id of batch.outIds) if (setHas(needed, id)) reaches = true;
    if (!reaches) continue;
    const seen = read(batch.x);
    if (seen !== null) batch.onBatch(seen.values, seen.shape);
  }
}

export function captureTrustedTf(tf: typeof tfType): TrustedTf {
  const engine = tf.engine() as unknown as Record<string, unknown>;
  const backend = (engine.backend ?? null) as Record<string, unknown> | null;
  const backendName = engine.backendName;
  if (backend === null) throw new Error('grader bug: trusted TF.js captured before the backend is up');

  // Tensors, as the engine tracks and disposes them.
  // Each live tensor with its birth number: what a call left alive is counted by birth, so
  // disposing older tensors (someone else's) cannot offset a leak.
  const liveTensors = new Map<object, number>();
  const births = new WeakMap<object, number>();
  let born = 0;
  const track = engine.trackTensor as Fn;
  const dispose = engine.disposeTensor as Fn;
  lockValue(engine, 'trackTensor', function (this: unknown, tensor: object, on: unknown) {
    const out = apply(track, this, [tensor, on]);
    // A tensor keeps its birth when the engine tracks it again (a Variable's assign disposes
    // and re-tracks the same object): an old variable given new values is not a new tensor.
    let birth = weakMapGet(births, tensor) as number | undefined;
    if (birth === undefined) {
      birth = ++born;
      weakMapSet(births, tensor, birth);
    }
    mapSet(liveTensors, tensor, birth);
    return out;
  });
  lockValue(engine, 'disposeTensor', function (this: unknown, tensor: object) {
    const out = apply(dispose, this, [tensor]);
    mapDelete(liveTensors, tensor);
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

  // The engine's state, read through a lock: the engine and this file see the same object.
  let engineState = engine.state as { activeTape?: unknown } | undefined;
  lockAccessor(
    engine,
    'state',
    () => engineState,
    (v) => {
      engineState = v as typeof engineState;
    },
  );

  // Tensors' values, for the probes' before/after comparisons ("inputs are left alone"), the
  // layer-feed watch and the autograd watch: looked up in the backend's own map of its data
  // (the storage's WeakMap, locked on, read with the frozen intrinsic get) and read from the
  // raw wasm heap or cpu's stored array; the tensor's fields read as own data properties. A
  // dataSync, isDisposed, readSync or DataStorage.get a submission patched is never what a
  // probe sees. A backend without such a map (tfjs-node) is read with the dataSync captured
  // here, which reaches the backend's (patchable) readSync: no worse than before.
  const ownValue = (o: object, key: string): unknown => {
    const d = getOwnPropertyDescriptor(o, key);
    return d !== undefined && 'value' in d ? d.value : undefined;
  };
  const storage = (onWasm ? backend.dataIdMap : backend.data) as Record<string, unknown> | undefined;
  const innerMap = storage?.data;
  const canRead = typeof innerMap === 'object' && innerMap !== null && innerMap instanceof WeakMap;
  if (canRead && storage !== undefined) {
    lockValue(storage, 'data', innerMap);
    if (onWasm) lockValue(backend, 'dataIdMap', storage);
  }
  const entryOf = (dataId: object): DataEntry => (canRead ? (weakMapGet(innerMap as WeakMap<object, unknown>, dataId) as DataEntry) : undefined);
  const dataSync = (tf.Tensor.prototype as unknown as { dataSync: Fn }).dataSync;
  const tensorValues = (t: unknown): number[] | null => {
    if (typeof t !== 'object' || t === null) return null;
    const dataId = ownValue(t, 'dataId');
    if (typeof dataId !== 'object' || dataId === null || ownValue(t, 'isDisposedInternal') !== false) return null;
    if (!canRead) {
      try {
        return arrayFrom(apply(dataSync, t, []) as ArrayLike<number>);
      } catch {
        return null;
      }
    }
    const entry = entryOf(dataId);
    if (entry === undefined) return null;
    if (onWasm) {
      const offset = entry.memoryOffset;
      const dtype = entry.dtype;
      const shape = entry.shape;
      if (typeof offset !== 'number' || !isArray(shape) || wasmHeap === undefined) return null;
      let size = 1;
      for (const d of shape as unknown[]) size *= typeof d === 'number' ? d : NaN;
      if (!(size >= 0)) return null;
      const heap = wasmHeap();
      const view = dtype === 'float32' ? new Float32Array(heap, offset, size) : dtype === 'int32' ? new Int32Array(heap, offset, size) : dtype === 'bool' ? new Uint8Array(heap, offset, size) : null;
      return view === null ? null : arrayFrom(view);
    }
    const values = entry.values;
    return ArrayBuffer.isView(values) && !(values instanceof DataView) ? arrayFrom(values as unknown as ArrayLike<number>) : null;
  };
  const readTensor = (x: unknown): { values: number[]; shape: number[] } | null => {
    const values = tensorValues(x);
    const shape = values === null ? undefined : ownValue(x as object, 'shape');
    return values === null || !isArray(shape) ? null : { values, shape: [...(shape as number[])] };
  };

  // Kernel use: what ran through a watched tensor's data (engine.runKernel is the door of
  // every op; the watched tensor's dataId is read when the kernel runs, as a variable's
  // changes when it is assigned).
  const kernelWatches: Array<{ tensor: object; elements: number; active: boolean }> = [];
  let activeKernelWatches = 0;
  const noteKernelInputs = (inputs: object): void => {
    const tensors: unknown[] = [];
    if (isArray(inputs)) for (const t of inputs as unknown[]) arrayPush(tensors, t);
    else for (const k of objectKeys(inputs)) arrayPush(tensors, ownValue(inputs, k));
    for (const w of kernelWatches) {
      if (!w.active) continue;
      const watched = ownValue(w.tensor, 'dataId');
      if (typeof watched !== 'object' || watched === null) continue;
      let uses = false;
      let others = 0;
      for (const t of tensors) {
        if (typeof t !== 'object' || t === null) continue;
        if (ownValue(t, 'dataId') === watched) uses = true;
        else {
          const size = ownValue(t, 'size');
          // The largest other input is the data (a fused kernel's bias is another).
          if (typeof size === 'number' && size > others) others = size;
        }
      }
      if (uses) w.elements += others;
    }
  };
  const runKernel = engine.runKernel as Fn;
  lockValue(engine, 'runKernel', function (this: unknown, name: unknown, inputs: unknown, attrs: unknown) {
    if (activeKernelWatches > 0 && typeof inputs === 'object' && inputs !== null) noteKernelInputs(inputs);
    return apply(runKernel, this, [name, inputs, attrs]);
  });

  // Layer feeds: batches a watched layer got during the gradients() call being run.
  const feedFrames: FeedBatch[][] = [];
  let feedWatches = 0;

  // Autograd.
  let watch: { calls: number; replace: boolean; replaced: Array<{ dataId: object; values: Float32Array }>; random: () => number } | null = null;
  const gradients = engine.gradients as Fn;
  // The tape records only inside gradients(): a submission that starts the engine's tape
  // itself (startTape, or gradientDepth set by hand) and walks the recorded nodes' gradient
  // closures would have autograd without passing this door (and with autograd forbidden,
  // none at all). isTapeOn is what every kernel run asks before it records a node.
  let insideGradients = 0;
  let gradientCalls = 0;
  const isTapeOn = engine.isTapeOn as Fn;
  lockValue(engine, 'isTapeOn', function (this: unknown) {
    return insideGradients > 0 && apply(isTapeOn, this, []) === true;
  });
  const runGradients = (self: unknown, args: unknown[]): { grads?: unknown } => {
    insideGradients++;
    gradientCalls++;
    try {
      return apply(gradients, self, args) as { grads?: unknown };
    } finally {
      insideGradients--;
    }
  };
  lockValue(engine, 'gradients', function (this: unknown, ...args: unknown[]) {
    let out: { grads?: unknown };
    if (feedWatches > 0 && typeof args[0] === 'function') {
      const f = args[0] as Fn;
      const frame: FeedBatch[] = [];
      args[0] = function (this: unknown) {
        const y = apply(f, this, []);
        settleFeed(frame, y, engineState?.activeTape, readTensor);
        return y;
      };
      arrayPush(feedFrames, frame);
      try {
        out = runGradients(this, args);
      } finally {
        arrayPop(feedFrames);
      }
    } else {
      out = runGradients(this, args);
    }
    const w = watch;
    if (w === null) return out;
    w.calls++;
    if (!w.replace || !Array.isArray(out?.grads)) return out;
    const seen = new Set<object>();
    for (const g of out.grads as Array<{ dataId: object; size: number; dtype: string }>) {
      if (typeof g !== 'object' || g === null || setHas(seen, g.dataId)) continue;
      setAdd(seen, g.dataId);
      const values = writableValues(entryOf(g.dataId), wasmHeap, g);
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
    values: tensorValues,
    watchLayerInputs: (layer: object, onBatch: (values: ArrayLike<number>, shape: number[]) => void): boolean => {
      const original = (layer as { call?: unknown }).call;
      if (typeof original !== 'function') return false;
      const wrapper = function (this: unknown, inputs: unknown, kwargs: unknown) {
        const out = apply(original as Fn, this, [inputs, kwargs]);
        const frame = feedFrames[feedFrames.length - 1];
        if (frame !== undefined && this === layer) {
          const x = isArray(inputs) ? (inputs as unknown[])[0] : inputs;
          const outIds: number[] = [];
          for (const t of isArray(out) ? (out as unknown[]) : [out]) {
            const id = tensorId(t);
            if (id !== undefined) arrayPush(outIds, id);
          }
          if (typeof x === 'object' && x !== null && outIds.length > 0) arrayPush(frame, { x, outIds, onBatch });
        }
        return out;
      };
      try {
        defineProperty(layer, 'call', { value: wrapper, writable: false, configurable: false, enumerable: false });
      } catch {
        return false;
      }
      if ((layer as { call?: unknown }).call !== wrapper) return false;
      feedWatches++;
      return true;
    },
    watchKernelUse: (tensor: object) => {
      const w = { tensor, elements: 0, active: true };
      arrayPush(kernelWatches, w);
      activeKernelWatches++;
      return {
        get elements() {
          return w.elements;
        },
        stop: () => {
          if (!w.active) return;
          w.active = false;
          activeKernelWatches--;
        },
      };
    },
    liveTensors: () => mapSize(liveTensors),
    tensorMark: () => born,
    aliveBornBetween: (from: number, to: number) => {
      const out: Array<{ tensor: object; size: number }> = [];
      for (const [tensor, b] of mapEntries(liveTensors)) {
        if (b <= from || b > to) continue;
        const size = getOwnPropertyDescriptor(tensor, 'size')?.value;
        arrayPush(out, { tensor, size: typeof size === 'number' ? size : 0 });
      }
      return out;
    },
    isAlive: (tensor: object) => mapGet(liveTensors, tensor) !== undefined,
    aliveSince: (mark: number) => {
      let n = 0;
      for (const b of mapValues(liveTensors)) if (b > mark) n++;
      return n;
    },
    gradientCalls: () => gradientCalls,
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
