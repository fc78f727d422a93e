/**
 * Student models on the trusted side: models come back from the runner as tfjs artifacts
 * (untrusted plain data); they are checked for size, loaded, described and run on hidden data
 * here. Shared by mnist-mlp, mnist-cnn and autoencoder, with what their report figures share:
 * images in the figures' format and the reference's recorded loss curve.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { formatShape } from '../../grader/compare/format';
import type { Dataset, UnlabelledImages } from '../../grader/data';
import { budgetProblem, loadFailedText, unmeasurableText } from '../../grader/judge/budget-verdict';
import { Judge, JudgeFailure, ModelRefused, PredictRejected, type JudgedHandle } from '../../grader/judge/judge-client';
import { localArtifacts, nestingDepth, unknownClasses, weightBytes } from '../../grader/judge/model-artifacts';
import { measureTopology, UnmeasurableModelError } from '../../grader/judge/model-budget';
import { modelView, type InspectableLayer, type InspectableModel } from '../../grader/judge/model-facts';
import { ASSIGNMENTS_ROOT } from '../../grader/paths';
import type { FigureImage, FigureInput } from '../../grader/report/figures';
import { isWireModel } from '../../grader/runner/wire';
import type { Lang, TestContext } from '../../grader/spec/assignment-spec';

export { unknownClasses };
export type { InspectableLayer, InspectableModel };

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
/** A course model's saved topology nests about 12 levels deep (a Sequential inside a Model: ~20). */
const MAX_TOPOLOGY_DEPTH = 48;

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

/**
 * The artifacts of a model that came back from the runner, checked before anything loads them:
 * a Layers model, weights and topology of bounded size and depth, built-in classes only.
 * Throws ModelLoadError with a message for the student.
 */
function checkedArtifacts(value: unknown, what: string): tf.io.ModelArtifacts {
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
  if (topologyChars > MAX_TOPOLOGY_CHARS || nestingDepth(artifacts.modelTopology, MAX_TOPOLOGY_DEPTH) > MAX_TOPOLOGY_DEPTH) {
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
  return artifacts;
}

/**
 * Loads a model that came back from the runner in this process, after the judge's budget
 * check (nothing over the limits is allocated). Throws ModelLoadError with a message for the
 * student when it is not a Layers model, too large, or cannot be loaded. Grading code that runs
 * a student's model on the hidden data uses judgeStudentModel instead, which loads it in a
 * judge process with limits of its own.
 */
export async function loadStudentModel(value: unknown, what: string): Promise<tf.LayersModel> {
  const artifacts = localArtifacts(checkedArtifacts(value, what));
  try {
    const budget = await measureTopology(artifacts.modelTopology, artifacts.weightSpecs ?? [], weightBytes(artifacts.weightData));
    const problem = budgetProblem(budget, what);
    if (problem !== null) throw new ModelLoadError(problem);
  } catch (err) {
    if (err instanceof UnmeasurableModelError || err instanceof RangeError) throw new ModelLoadError(unmeasurableText(what, err.message.split('\n')[0].slice(0, 300)));
    throw err;
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelLoadError(loadFailedText(what, err instanceof Error ? err.message.split('\n')[0].slice(0, 300) : String(err).slice(0, 300)));
  }
}

/** A student's model held by a judge process: its description here, its tensors there. */
export interface JudgedModel extends InspectableModel {
  readonly outputLayers: ReadonlyArray<InspectableLayer>;
  /** The model's MACs per image, as the judge's budget counted them. */
  readonly macsPerImage: number;
  /**
   * The model's output for `inputs` (shape [n, ...]), run in the judge. Throws PredictRejected
   * when the model cannot take them (TF.js's message) or has several outputs, ModelLoadError
   * when the judge failed (time, memory).
   */
  predict(inputs: Float32Array, shape: number[], batchSize?: number): Promise<{ values: Float32Array; shape: number[] }>;
  /** Frees the model in the judge (not awaited: the judge frees it before its next request). */
  dispose(): void;
}

export { PredictRejected };

/** The judge of one grading (one submission, one assignment): fresh for each grading. */
export function judgeFor(ctx: Pick<TestContext, 'shared' | 'backend'>): Promise<Judge> {
  return ctx.shared('judge', async () => new Judge({ backend: ctx.backend }));
}

function judgeError(err: unknown): unknown {
  if (err instanceof JudgeFailure || err instanceof ModelRefused) return new ModelLoadError(err.text);
  return err;
}

/**
 * Loads a model that came back from the runner in the grading's judge process (see
 * grader/judge): it is measured there before any tensor is allocated, refused over the
 * budget, and run there. Throws ModelLoadError with a message for the student.
 */
export async function judgeStudentModel(ctx: Pick<TestContext, 'shared' | 'backend'>, value: unknown, what: string): Promise<JudgedModel> {
  const artifacts = localArtifacts(checkedArtifacts(value, what));
  const judge = await judgeFor(ctx);
  let held: JudgedHandle;
  try {
    held = await judge.load({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs ?? [], weightData: artifacts.weightData as ArrayBuffer }, what);
  } catch (err) {
    throw judgeError(err);
  }
  const view = modelView(held.facts);
  return {
    ...view,
    macsPerImage: held.budget.macsPerImage,
    predict: async (inputs, shape, batchSize = 500) => {
      try {
        return await judge.predict(held, inputs, shape, batchSize, what);
      } catch (err) {
        throw judgeError(err);
      }
    },
    dispose: () => void judge.dispose(held),
  };
}

/** Runs a judged model over all images of `ds` (the messages of predictAll). */
export async function predictImages(model: JudgedModel, ds: Dataset | UnlabelledImages, what: string, batchSize = 500): Promise<{ values: Float32Array; shape: number[] }> {
  const pixels = ds.rows * ds.cols;
  const inputs = new Float32Array(ds.count * pixels);
  for (let i = 0; i < inputs.length; i++) inputs[i] = ds.images[i] / 255;
  try {
    return await model.predict(inputs, [ds.count, ds.rows, ds.cols, 1], batchSize);
  } catch (err) {
    if (!(err instanceof PredictRejected)) throw err;
    if (err.outputs !== undefined) throw new ModelLoadError({ en: `${what} has ${err.outputs} outputs; it must have one.`, ru: `у ${what} ${err.outputs} выходов; нужен один.` });
    const n = Math.min(batchSize, ds.count);
    throw new ModelLoadError({
      en: `${what} cannot take a batch of images [${n}, ${ds.rows}, ${ds.cols}, 1]: ${err.detail}`,
      ru: `${what} не принимает батч изображений [${n}, ${ds.rows}, ${ds.cols}, 1]: ${err.detail}`,
    });
  }
}

/** Every layer, nested models included (a Sequential inside a functional model…). */
export function allLayers(model: InspectableModel): InspectableLayer[] {
  const out: InspectableLayer[] = [];
  const visit = (layer: InspectableLayer) => {
    out.push(layer);
    const inner = (layer as unknown as { layers?: unknown }).layers;
    if (Array.isArray(inner)) for (const l of inner) visit(l as InspectableLayer);
  };
  for (const l of model.layers) visit(l);
  return out;
}

export function trainableParams(model: InspectableModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** 'Flatten → Dense(100) → Dense(10)', for messages and reports. */
export function layerSummary(model: InspectableModel): string {
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
