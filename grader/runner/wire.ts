/**
 * Values on the wire between grader and runner: plain data only. Tensors travel as
 * {kind: 'tensor', shape, dtype, data}, Layers models as {kind: 'model', artifacts} (the
 * tfjs save format), everything else as plain data (frame-codec.ts). Used on both sides: the
 * runner decodes arguments and encodes results; the grader decodes models it evaluates.
 */
import * as tf from '@tensorflow/tfjs';
import { fromTf, toTf, type PlainTensor } from '../compare/plain-tensor';

/** A tensor on the wire is the comparer's plain tensor: one format on both sides. */
export type WireTensor = PlainTensor;

export interface WireModel {
  kind: 'model';
  artifacts: tf.io.ModelArtifacts;
}

const MAX_DEPTH = 16;
const MAX_ENTRIES = 100_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isWireTensor(value: unknown): value is WireTensor {
  return isRecord(value) && value.kind === 'tensor' && Array.isArray(value.shape);
}

export function isWireModel(value: unknown): value is WireModel {
  return isRecord(value) && value.kind === 'model' && isRecord(value.artifacts);
}

/** A tensor as wire data (copies the values out of the backend). */
export const tensorToWire = fromTf;

export const wireToTensor = toTf;

/** Saves a Layers model to in-memory artifacts. */
export async function modelToWire(model: tf.LayersModel): Promise<WireModel> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (captured === undefined) throw new Error('model.save produced no artifacts');
  return { kind: 'model', artifacts: captured };
}

export async function wireToModel(w: WireModel): Promise<tf.LayersModel> {
  // Values that crossed a realm boundary (structured clone under jest's vm contexts) fail
  // tfjs's `instanceof Array` / `instanceof ArrayBuffer` checks: rebuild the JSON parts and
  // copy the buffers in this realm first.
  const local = (b: ArrayBuffer): ArrayBuffer => new Uint8Array(b).slice().buffer;
  const json = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
  const { weightData, modelTopology, weightSpecs, trainingConfig } = w.artifacts;
  const artifacts: tf.io.ModelArtifacts = {
    ...w.artifacts,
    // A Layers topology is JSON; a graph model's would be a binary buffer.
    modelTopology: Object.prototype.toString.call(modelTopology) === '[object ArrayBuffer]' ? local(modelTopology as ArrayBuffer) : json(modelTopology),
    weightSpecs: json(weightSpecs),
    trainingConfig: json(trainingConfig),
    ...(weightData !== undefined ? { weightData: Array.isArray(weightData) ? weightData.map(local) : local(weightData as ArrayBuffer) } : {}),
  };
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

/** Encodes a value returned by student code (runner side). */
export async function encodeValue(value: unknown, depth = 0, budget = { left: MAX_ENTRIES }): Promise<unknown> {
  if (--budget.left < 0) throw new Error('the returned value is too large to send back');
  if (depth > MAX_DEPTH) throw new Error(`the returned value is nested deeper than ${MAX_DEPTH} levels`);
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) return { kind: 'disposed-tensor', shape: [...value.shape] };
    return tensorToWire(value);
  }
  if (value instanceof tf.LayersModel) return modelToWire(value);
  if (value === null || value === undefined) return value;
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return { kind: 'bigint', value: value.toString() };
    case 'function':
      return { kind: 'function', name: String((value as { name?: unknown }).name ?? '') };
    case 'symbol':
      return { kind: 'symbol' };
    default:
      break;
  }
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await encodeValue(item, depth + 1, budget));
    return out;
  }
  if (value instanceof Promise) return { kind: 'promise' };
  if (isRecord(value) && typeof (value as { next?: unknown }).next === 'function') {
    return { kind: 'iterator' };
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) {
    if (key === '__proto__') continue;
    out[key] = await encodeValue((value as Record<string, unknown>)[key], depth + 1, budget);
  }
  return out;
}

/** Decodes arguments sent by the grader (runner side): tensors and models become live. */
export async function decodeValue(value: unknown, depth = 0): Promise<unknown> {
  if (depth > MAX_DEPTH) throw new Error('argument nested too deeply');
  if (isWireTensor(value)) return wireToTensor(value);
  if (isWireModel(value)) return wireToModel(value);
  if (ArrayBuffer.isView(value) || !isRecord(value)) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await decodeValue(item, depth + 1));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = await decodeValue(item, depth + 1);
  return out;
}
