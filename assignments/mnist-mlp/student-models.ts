/**
 * Student models on the trusted side: models come back from the runner as tfjs artifacts
 * (untrusted plain data); they are checked for size, loaded, described and run on hidden data
 * here. Shared by mnist-mlp, mnist-cnn and autoencoder, with what their report figures share:
 * images in the figures' format and the reference's recorded loss curve.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { types } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { formatShape } from '../../grader/compare/format';
import type { Dataset, UnlabelledImages } from '../../grader/data';
import { ASSIGNMENTS_ROOT } from '../../grader/paths';
import type { FigureImage, FigureInput } from '../../grader/report/figures';
import { isWireModel } from '../../grader/runner/wire';
import type { Lang } from '../../grader/spec/assignment-spec';

export interface Text {
  en: string;
  ru: string;
}

export function say(lang: Lang, text: Text): string {
  return text[lang];
}

/** Weights larger than this are not loaded (a model of the course has well under 1 M parameters). */
export const MAX_WEIGHT_BYTES = 64 * 1024 * 1024;
const MAX_TOPOLOGY_CHARS = 2_000_000;

export class ModelLoadError extends Error {
  constructor(readonly text: Text) {
    super(text.en);
    this.name = 'ModelLoadError';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value !== 'object') return typeof value;
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'tensor') return 'a tensor';
  if (kind === 'function') return 'a function';
  if (kind === 'promise') return 'a Promise (buildModel must not be async)';
  return Array.isArray(value) ? 'an array' : 'an object that is not a tf.LayersModel';
}

function weightBytes(data: unknown): number {
  if (types.isArrayBuffer(data)) return data.byteLength;
  if (Array.isArray(data)) return data.reduce((n: number, d: unknown) => n + (types.isArrayBuffer(d) ? d.byteLength : 0), 0);
  return 0;
}

/**
 * A fresh copy of untrusted artifacts made of this process's own objects: the topology and
 * weight specs through JSON (plain data only), the weights concatenated into one ArrayBuffer.
 * (Values decoded from IPC may also belong to another realm, e.g. under jest, where tfjs's
 * `instanceof ArrayBuffer` checks fail.) The training config is dropped: only inference runs here.
 */
function localArtifacts(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
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
 * Loads a model that came back from the runner. Throws ModelLoadError with a message for the
 * student when it is not a Layers model, too large, or cannot be loaded.
 */
export async function loadStudentModel(value: unknown, what: string): Promise<tf.LayersModel> {
  if (!isWireModel(value)) {
    throw new ModelLoadError({
      en: `${what} is ${describe(value)}, not a tf.LayersModel: build it with tf.sequential({layers: [...]}) or tf.model({inputs, outputs}).`,
      ru: `${what} — это ${describe(value)}, а не tf.LayersModel: постройте модель через tf.sequential({layers: [...]}) или tf.model({inputs, outputs}).`,
    });
  }
  const { artifacts } = value;
  const bytes = weightBytes(artifacts.weightData);
  if (bytes > MAX_WEIGHT_BYTES) {
    throw new ModelLoadError({
      en: `${what} has ${(bytes / 4e6).toFixed(1)} M parameters (${(bytes / 1e6).toFixed(0)} MB): far more than this exercise needs; the grader does not load it.`,
      ru: `${what} содержит ${(bytes / 4e6).toFixed(1)} млн параметров (${(bytes / 1e6).toFixed(0)} МБ): гораздо больше, чем нужно в этом упражнении; проверка не загружает такую модель.`,
    });
  }
  let topologyChars = 0;
  try {
    topologyChars = JSON.stringify(artifacts.modelTopology ?? null).length;
  } catch {
    topologyChars = Infinity;
  }
  if (topologyChars > MAX_TOPOLOGY_CHARS) {
    throw new ModelLoadError({ en: `${what} has an unreadable or oversized topology.`, ru: `${what}: топология модели не читается или слишком велика.` });
  }
  const custom = unknownClasses(artifacts.modelTopology);
  if (custom.length > 0) {
    const names = custom.map((c) => `'${c}'`).join(', ');
    throw new ModelLoadError({
      en: `${what} uses the custom class${custom.length > 1 ? 'es' : ''} ${names} (registered with tf.serialization.registerClass). Custom layer classes are not supported: the grader loads your model in a process of its own, which knows only TF.js's built-in layers. Build the model from built-in layers (tf.layers.dense, tf.layers.conv2d, tf.layers.activation…).`,
      ru: `${what} использует собственн${custom.length > 1 ? 'ые классы' : 'ый класс'} ${names} (зарегистрирован${custom.length > 1 ? 'ы' : ''} через tf.serialization.registerClass). Собственные классы слоёв не поддерживаются: проверка загружает модель в отдельном процессе, которому известны только встроенные слои TF.js. Соберите модель из встроенных слоёв (tf.layers.dense, tf.layers.conv2d, tf.layers.activation…).`,
    });
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(localArtifacts(artifacts)));
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0].slice(0, 300) : String(err).slice(0, 300);
    throw new ModelLoadError({
      en: `${what} could not be loaded from its saved form (${message}). Use the built-in layers of tf.layers only (custom layer classes are not supported).`,
      ru: `${what} не удалось загрузить из сохранённого вида (${message}). Используйте только встроенные слои tf.layers (собственные классы слоёв не поддерживаются).`,
    });
  }
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

/** Every layer, nested models included (a Sequential inside a functional model…). */
export function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  const visit = (layer: tf.layers.Layer) => {
    out.push(layer);
    const inner = (layer as unknown as { layers?: unknown }).layers;
    if (Array.isArray(inner)) for (const l of inner) visit(l as tf.layers.Layer);
  };
  for (const l of model.layers) visit(l);
  return out;
}

export function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** 'Flatten → Dense(100) → Dense(10)', for messages and reports. */
export function layerSummary(model: tf.LayersModel): string {
  const parts = model.layers.map((l) => {
    const shape = (() => {
      try {
        return formatShape((l.outputShape as number[]).map((d) => d ?? -1)).replace(/-1/g, 'b');
      } catch {
        return '?';
      }
    })();
    return `${l.getClassName()} ${shape}`;
  });
  return parts.length <= 12 ? parts.join(' → ') : `${parts.slice(0, 12).join(' → ')} → … (${parts.length} layers)`;
}

export function shapeText(shape: ReadonlyArray<number | null>): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** The images of a data set as a float32 tensor [n, rows, cols, 1] in [0, 1] (the caller disposes it). */
export function imagesTensor(ds: Pick<Dataset, 'images' | 'rows' | 'cols'>, start: number, end: number): tf.Tensor4D {
  const pixels = ds.rows * ds.cols;
  const values = new Float32Array((end - start) * pixels);
  for (let i = 0; i < values.length; i++) values[i] = ds.images[start * pixels + i] / 255;
  return tf.tensor4d(values, [end - start, ds.rows, ds.cols, 1]);
}

/**
 * Runs `model` over images start..end-1 in batches and returns its outputs as one flat array
 * per batch, with the output shape. Throws ModelLoadError when the model cannot take the images.
 */
export function predictAll(model: tf.LayersModel, ds: Dataset | UnlabelledImages, what: string, batchSize = 500): { values: Float32Array; shape: number[] } {
  const chunks: Float32Array[] = [];
  let shape: number[] = [];
  for (let start = 0; start < ds.count; start += batchSize) {
    const end = Math.min(ds.count, start + batchSize);
    const out = tf.tidy(() => {
      const x = imagesTensor(ds, start, end);
      let y: tf.Tensor | tf.Tensor[];
      try {
        y = model.predict(x);
      } catch (err) {
        const message = err instanceof Error ? err.message.split('\n')[0].slice(0, 300) : String(err);
        throw new ModelLoadError({
          en: `${what} cannot take a batch of images [${end - start}, ${ds.rows}, ${ds.cols}, 1]: ${message}`,
          ru: `${what} не принимает батч изображений [${end - start}, ${ds.rows}, ${ds.cols}, 1]: ${message}`,
        });
      }
      if (Array.isArray(y)) {
        throw new ModelLoadError({ en: `${what} has ${y.length} outputs; it must have one.`, ru: `у ${what} ${y.length} выходов; нужен один.` });
      }
      return y.toFloat();
    });
    shape = [...out.shape];
    chunks.push(Float32Array.from(out.dataSync() as Float32Array));
    out.dispose();
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const values = new Float32Array(total);
  chunks.reduce((at, c) => (values.set(c, at), at + c.length), 0);
  return { values, shape: [ds.count, ...shape.slice(1)] };
}

/** One image as base64 bytes, for the report's pictures. */
export function imageBase64(ds: Pick<Dataset, 'images' | 'rows' | 'cols'>, index: number): string {
  const pixels = ds.rows * ds.cols;
  return Buffer.from(ds.images.subarray(index * pixels, (index + 1) * pixels)).toString('base64');
}

/** Float values in [0, 1] as base64 bytes (rounded), for reconstructions in the report. */
export function valuesBase64(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number.isFinite(values[i]) ? values[i] : 0;
    bytes[i] = Math.max(0, Math.min(255, Math.round(v * 255)));
  }
  return Buffer.from(bytes).toString('base64');
}

/** A grayscale image of the report's figures from base64 bytes (imageBase64, valuesBase64). */
export function uint8Image(base64: string, width = 28, height = 28): FigureImage {
  return { width, height, encoding: 'uint8', data: base64 };
}

/** A number for a figure: NaN and ±Infinity become null (the result JSON forbids them). */
export function finiteOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

// ---------------------------------------------------------------------------------------------
// The reference's loss curve, recorded once (tests/tools/record-reference-curves.ts) instead of
// training the reference at every grading; tests/assignments/reference-curves.test.ts re-trains
// the references and checks the recordings.

/** The settings a curve was recorded with: the grading's must be the same for it to be shown. */
export type CurveSettings = Record<string, number | null>;

export const ReferenceCurveSchema = z
  .object({
    assignment: z.string(),
    /** The tensor backend that trained the reference (grading's default, wasm). */
    backend: z.string(),
    /** The data set's name, as loadMnist() gives it. */
    dataset: z.string(),
    settings: z.record(z.number().nullable()),
    /** The mean training loss of each epoch, as train() reports it to onEpochEnd. */
    losses: z.array(z.number().finite()).min(1).max(1000),
    /** The trained reference measured on the hidden test split, as the spec measures students (accuracy, mse…). */
    test: z.record(z.number().finite()).default({}),
    /** How long the reference trained, in ms (for the record). */
    trainMs: z.number().nonnegative().optional(),
  })
  .strict();
export type ReferenceCurve = z.infer<typeof ReferenceCurveSchema>;

export const REFERENCE_CURVE_FILE = 'reference-curve.json';

export function referenceCurvePath(id: string): string {
  return path.join(ASSIGNMENTS_ROOT, id, REFERENCE_CURVE_FILE);
}

function sameSettings(a: CurveSettings, b: CurveSettings): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && Object.is(a[k], b[k]));
}

/**
 * The reference's recorded curve for this grading: undefined when there is none, it does not
 * parse, or it was recorded on another data set or with other settings (the figures then show
 * the student alone).
 */
export function findReferenceCurve(id: string, dataset: string, settings: CurveSettings): ReferenceCurve | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(referenceCurvePath(id), 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = ReferenceCurveSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const curve = parsed.data;
  return curve.assignment === id && curve.dataset === dataset && sameSettings(curve.settings, settings) ? curve : undefined;
}

/** The loss-curve figure: the student's losses per epoch, and the reference's when recorded. */
export function lossCurveFigure(losses: ReadonlyArray<number | null>, reference: ReferenceCurve | undefined): FigureInput {
  return {
    kind: 'loss-curve',
    metric: 'train-loss',
    series: [
      { role: 'student', values: losses.slice(0, 1000).map(finiteOrNull) },
      ...(reference !== undefined ? [{ role: 'reference' as const, values: reference.losses }] : []),
    ],
  };
}
