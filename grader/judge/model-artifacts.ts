/**
 * A student's saved model (tfjs artifacts: topology JSON, weight specs, weight bytes) as
 * untrusted plain data: copied into this process's own objects, and the fix-ups TF.js needs to
 * load what it saved. Shared by the trusted grader (which checks artifacts before handing them
 * to a judge) and the judge process (which loads them).
 */
import { types } from 'node:util';
import * as tf from '@tensorflow/tfjs';

/** The bytes of the weights, whichever form they came in (one buffer or a list of buffers). */
export function weightBytes(data: unknown): number {
  if (types.isArrayBuffer(data)) return data.byteLength;
  if (Array.isArray(data)) return data.reduce((n: number, d: unknown) => n + (types.isArrayBuffer(d) ? d.byteLength : 0), 0);
  return 0;
}

/**
 * A fresh copy of untrusted artifacts made of this process's own objects: the topology and
 * weight specs through JSON (plain data only), the weights concatenated into one ArrayBuffer.
 * (Values decoded from IPC may also belong to another realm, e.g. under jest, where tfjs's
 * `instanceof ArrayBuffer` checks fail.) The training config is dropped: only inference runs.
 */
export function localArtifacts(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
  const data: unknown = artifacts.weightData;
  const buffers = types.isArrayBuffer(data) ? [data] : Array.isArray(data) ? data.filter((d): d is ArrayBuffer => types.isArrayBuffer(d)) : [];
  const weights = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  buffers.reduce((at, b) => (weights.set(new Uint8Array(b), at), at + b.byteLength), 0);
  const modelTopology = JSON.parse(JSON.stringify(artifacts.modelTopology ?? null)) as tf.io.ModelArtifacts['modelTopology'];
  const weightSpecs = JSON.parse(JSON.stringify(artifacts.weightSpecs ?? [])) as tf.io.WeightsManifestEntry[];
  restoreDepthMultipliers(modelTopology, weightSpecs);
  return { modelTopology, weightSpecs, weightData: weights.buffer };
}

/**
 * TF.js 4.22 saves a SeparableConv2D layer without its depth_multiplier, so the saved model of a
 * correct separableConv2d({depthMultiplier: 4, …}) does not load ("Shape mismatch"). The
 * multiplier is the last dimension of the layer's saved depthwise kernel: put it back.
 */
function restoreDepthMultipliers(topology: unknown, specs: tf.io.WeightsManifestEntry[]): void {
  const multipliers = new Map<string, number>();
  for (const spec of specs) {
    const match = /^(.*)\/depthwise_kernel$/.exec(spec.name);
    if (match !== null && Array.isArray(spec.shape) && spec.shape.length === 4) multipliers.set(match[1], spec.shape[3]);
  }
  let visited = 0;
  const visit = (node: unknown, depth: number) => {
    if (node === null || typeof node !== 'object' || depth > 64 || ++visited > 200_000) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    const layer = node as { class_name?: unknown; config?: Record<string, unknown> };
    if (layer.class_name === 'SeparableConv2D' && layer.config !== undefined && typeof layer.config === 'object' && layer.config.depth_multiplier === undefined) {
      const multiplier = typeof layer.config.name === 'string' ? multipliers.get(layer.config.name) : undefined;
      if (multiplier !== undefined) layer.config.depth_multiplier = multiplier;
    }
    for (const value of Object.values(node)) visit(value, depth + 1);
  };
  visit(topology, 0);
}

/**
 * The class names in a saved topology that TF.js does not know (custom layers, initializers…
 * registered by the student's code with tf.serialization.registerClass): such a model cannot
 * be loaded here. At most 10 names; bounded walk (the topology's size is checked before).
 */
export function unknownClasses(topology: unknown): string[] {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  const found = new Set<string>();
  let visited = 0;
  const visit = (node: unknown, depth: number) => {
    if (node === null || typeof node !== 'object' || depth > 64 || ++visited > 200_000 || found.size >= 10) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'class_name' && typeof value === 'string' && !Object.prototype.hasOwnProperty.call(known, value)) found.add(value.slice(0, 100));
      else visit(value, depth + 1);
    }
  };
  visit(topology, 0);
  return [...found];
}

/** How deep a JSON value nests (stops counting past `limit`). */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  let visited = 0;
  const visit = (node: unknown, depth: number) => {
    deepest = Math.max(deepest, depth);
    if (node === null || typeof node !== 'object' || depth > limit || ++visited > 500_000) return;
    for (const child of Array.isArray(node) ? node : Object.values(node)) visit(child, depth + 1);
  };
  visit(value, 0);
  return deepest;
}
