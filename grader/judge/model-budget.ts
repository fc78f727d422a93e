/**
 * What a saved model would cost to run, derived from its topology alone, before any tensor
 * is allocated: the parameters its layers declare (against the weights actually supplied), the
 * activations and the multiply-adds (MACs) of one image through it. The judge refuses a model
 * over the limits with the numbers, so that a model with few weights but enormous compute or
 * activations (UpSampling2D then many convolutions), or a declared layer its weights do not
 * fill, never reaches tf.loadLayersModel or predict.
 *
 * Shapes come from TF.js itself: the topology is deserialised with Layer.addWeight replaced by
 * a recorder, so every layer is built symbolically (output shapes computed, weight shapes
 * declared) with no weight allocated. The skeleton is thrown away; the real load comes after.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The reference models' MACs per image, measured with macsPerImage below
 * (tests/judge/model-budget.test.ts measures them again): reference/mnist-cnn.ts's
 * conv 5×5×16 → pool → conv 5×5×32 → pool → dense 10, and reference/autoencoder.ts's encoder
 * and decoder together (784 → 256 → 16 → 256 → 784, dense).
 */
export const REFERENCE_MACS_PER_IMAGE = { mnistCnn: 1_107_492, autoencoder: 426_080 } as const;
/** How many times the largest reference's MACs per image a student's model may need. */
export const MACS_MULTIPLE = 20;
export const MAX_MACS_PER_IMAGE = MACS_MULTIPLE * Math.max(...Object.values(REFERENCE_MACS_PER_IMAGE));
/** Activations (floats of every layer's outputs) of one image: ~15,000 for the reference CNN. */
export const MAX_ACTIVATIONS_PER_IMAGE = 4_000_000;
/** Parameters a model may declare: the weights the grader accepts (64 MB of float32). */
export const MAX_PARAMS = 16 * 1024 * 1024;
/** Layers in a model, nested models included (the reference CNN has 6). */
export const MAX_LAYERS = 1_000;
/** Activation bytes of one predict batch: the judge splits the images into batches under it. */
export const BATCH_ACTIVATION_BYTES = 128 * 1024 * 1024;

export interface LayerCost {
  name: string;
  className: string;
  macs: number;
}

export interface ModelBudget {
  /** Floats the layers declare as weights. */
  declaredParams: number;
  /** Floats the weight manifest supplies (bounded by the bytes that came). */
  suppliedParams: number;
  /** Multiply-adds for one image (elementwise work counts one per element). */
  macsPerImage: number;
  /** Floats of every layer output for one image (an upper bound of what predict keeps alive). */
  activationsPerImage: number;
  layers: number;
  /** The three layers with the most MACs, for the message. */
  heaviest: LayerCost[];
}

/** Why a topology cannot be measured (thrown by measureTopology; a plain sentence, English). */
export class UnmeasurableModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmeasurableModelError';
  }
}

type Shape = Array<number | null>;

/** Layers that only move, copy or combine elements (cost: one per element in and out). */
const ELEMENTWISE = new Set([
  'InputLayer', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'ThresholdedReLU', 'Dropout', 'SpatialDropout1D', 'GaussianNoise',
  'GaussianDropout', 'AlphaDropout', 'Flatten', 'Reshape', 'Permute', 'RepeatVector', 'Masking', 'Add', 'Subtract', 'Multiply', 'Average',
  'Maximum', 'Minimum', 'Concatenate', 'ZeroPadding1D', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'Rescaling', 'CenterCrop',
  'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'BatchNormalization', 'LayerNormalization', 'PReLU',
]);
const POOLING = new Set(['MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D', 'MaxPool1D', 'MaxPool2D', 'AvgPool1D', 'AvgPool2D']);
/** Weighted layers whose kernel is applied at every input position (not output position). */
const TRANSPOSED = new Set(['Conv2DTranspose', 'Conv3DTranspose']);
/** Convolutions: the kernel is applied at every output position. */
const CONVOLUTIONS = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'SeparableConv1D', 'SeparableConv2D', 'DepthwiseConv2D']);
const SAFE_CAP = 1e15;

function elements(shape: Shape, layer: tf.layers.Layer): number {
  let n = 1;
  for (const d of shape.slice(1)) {
    if (d === null || !Number.isFinite(d) || d < 0) {
      throw new UnmeasurableModelError(`layer '${layer.name}' (${layer.getClassName()}) has a shape with an unknown size, [${shape.map((x) => (x === null ? 'null' : String(x))).join(', ')}]: declare the input's full shape`);
    }
    n = Math.min(SAFE_CAP, n * d);
  }
  return n;
}

/** Shapes of a node's inputs or outputs: one shape or a list of shapes. */
function shapeList(shapes: unknown): Shape[] {
  if (!Array.isArray(shapes)) return [];
  return shapes.length > 0 && Array.isArray(shapes[0]) ? (shapes as Shape[]) : [shapes as Shape];
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => Math.min(SAFE_CAP, a * b), 1);
}

/** The number in a pool_size / size config value (a number or a list of numbers). */
function volume(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.reduce((a: number, b: unknown) => a * (typeof b === 'number' ? b : 1), 1);
  return 1;
}

/** MACs of one call of a (non-container) layer on one image. */
function callMacs(layer: tf.layers.Layer, inShapes: Shape[], outShapes: Shape[], weightShapes: number[][]): number {
  const name = layer.getClassName();
  const inElems = inShapes.reduce((n, s) => n + elements(s, layer), 0);
  const outElems = outShapes.reduce((n, s) => n + elements(s, layer), 0);
  if (ELEMENTWISE.has(name)) return 4 * (inElems + outElems);
  if (POOLING.has(name)) return outElems * Math.max(1, volume((layer.getConfig() as { poolSize?: unknown }).poolSize)) + inElems;
  if (name === 'Embedding') return outElems;
  const params = weightShapes.reduce((n, s) => n + product(s), 0);
  if (params > 0) {
    // A kernel of `params` weights applied once per position (channels last: a position is
    // every element but the last axis): Dense and convolutions exactly, RNNs per time step.
    const positions = (shapes: Shape[]) => shapes.reduce((n, s) => n + elements(s, layer) / Math.max(1, s[s.length - 1] ?? 1), 0);
    const at = TRANSPOSED.has(name) ? positions(inShapes) : CONVOLUTIONS.has(name) ? positions(outShapes) : Math.max(positions(inShapes), positions(outShapes));
    return Math.min(SAFE_CAP, params * at + inElems + outElems);
  }
  // A layer without weights whose cost is not known: as if every output read every input.
  return Math.min(SAFE_CAP, Math.max(1, inElems) * Math.max(1, outElems));
}

interface Tally {
  macs: number;
  activations: number;
  layers: number;
  costs: LayerCost[];
}

function isContainer(layer: tf.layers.Layer): layer is tf.layers.Layer & { layers: tf.layers.Layer[] } {
  return Array.isArray((layer as unknown as { layers?: unknown }).layers);
}

function tallyModel(model: { layers: tf.layers.Layer[] }, weights: Map<tf.layers.Layer, number[][]>, times: number, tally: Tally): void {
  for (const layer of model.layers) {
    if (++tally.layers > MAX_LAYERS) throw new UnmeasurableModelError(`more than ${MAX_LAYERS} layers`);
    const nodes = layer.inboundNodes;
    if (isContainer(layer)) {
      // A nested model's first node is its own construction; each further one is a call.
      tallyModel(layer, weights, Math.min(SAFE_CAP, times * Math.max(1, nodes.length - 1)), tally);
      continue;
    }
    let macs = 0;
    for (const node of nodes) {
      const inShapes = shapeList(node.inputShapes);
      const outShapes = shapeList(node.outputShapes);
      macs += callMacs(layer, inShapes, outShapes, weights.get(layer) ?? []);
      tally.activations = Math.min(SAFE_CAP, tally.activations + times * outShapes.reduce((n, s) => n + elements(s, layer), 0));
    }
    macs = Math.min(SAFE_CAP, macs * times);
    tally.macs = Math.min(SAFE_CAP, tally.macs + macs);
    tally.costs.push({ name: layer.name, className: layer.getClassName(), macs });
  }
}

/**
 * Builds the model's skeleton with no weight allocated and returns it with every layer's
 * declared weight shapes. Synchronous between the patch and its removal, so nothing else in
 * this process can create a layer meanwhile.
 */
async function skeleton(topology: unknown): Promise<{ model: tf.LayersModel; weights: Map<tf.layers.Layer, number[][]> }> {
  const weights = new Map<tf.layers.Layer, number[][]>();
  const proto = tf.layers.Layer.prototype as unknown as { addWeight: (...args: unknown[]) => unknown };
  const original = proto.addWeight;
  proto.addWeight = function recordWeight(this: tf.layers.Layer, name: unknown, shape: unknown, dtype: unknown, _initializer: unknown, _regularizer: unknown, trainable: unknown) {
    const dims = Array.isArray(shape) ? shape.map((d) => (typeof d === 'number' && Number.isFinite(d) && d >= 0 ? d : SAFE_CAP)) : [SAFE_CAP];
    weights.set(this, [...(weights.get(this) ?? []), dims]);
    const lists = this as unknown as { _trainableWeights: unknown[]; _nonTrainableWeights: unknown[] };
    // A stand-in with a weight's descriptive fields; the skeleton is never run nor disposed.
    const stub = { name: String(name), originalName: String(name), shape: dims, dtype: typeof dtype === 'string' ? dtype : 'float32', trainable: trainable !== false };
    (trainable !== false ? lists._trainableWeights : lists._nonTrainableWeights).push(stub);
    return stub;
  };
  // modelFromJSON is async but builds the whole graph before its first await returns control.
  let building: Promise<tf.LayersModel>;
  try {
    building = tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelArtifacts['modelTopology'] } as Parameters<typeof tf.models.modelFromJSON>[0]);
  } finally {
    proto.addWeight = original;
  }
  return { model: await building, weights };
}

/** The topology (the artifacts' modelTopology, as saved) measured; throws UnmeasurableModelError. */
export async function measureTopology(topology: unknown, weightSpecs: ReadonlyArray<{ shape?: unknown }>, weightByteCount: number): Promise<ModelBudget> {
  if (topology === null || typeof topology !== 'object' || Array.isArray(topology)) throw new UnmeasurableModelError('the saved topology is not an object');
  let built: Awaited<ReturnType<typeof skeleton>>;
  try {
    built = await skeleton(topology);
  } catch (err) {
    throw new UnmeasurableModelError((err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300));
  }
  let declaredParams = 0;
  for (const shapes of built.weights.values()) for (const s of shapes) declaredParams = Math.min(SAFE_CAP, declaredParams + product(s));
  let specParams = 0;
  for (const spec of weightSpecs) {
    const shape = Array.isArray(spec.shape) ? spec.shape.map((d: unknown) => (typeof d === 'number' && d >= 0 ? d : SAFE_CAP)) : [SAFE_CAP];
    specParams = Math.min(SAFE_CAP, specParams + product(shape));
  }
  const tally: Tally = { macs: 0, activations: 0, layers: 0, costs: [] };
  for (const input of built.model.inputs) tally.activations += elements(input.shape, built.model.layers[0] ?? (built.model as unknown as tf.layers.Layer));
  tallyModel(built.model, built.weights, 1, tally);
  return {
    declaredParams,
    suppliedParams: Math.min(specParams, Math.floor(weightByteCount / 4)),
    macsPerImage: tally.macs,
    activationsPerImage: tally.activations,
    layers: tally.layers,
    heaviest: [...tally.costs].sort((a, b) => b.macs - a.macs).slice(0, 3),
  };
}

/** Images per predict batch, so that one batch's activations stay under BATCH_ACTIVATION_BYTES. */
export function batchSizeFor(budget: Pick<ModelBudget, 'activationsPerImage'>, wanted: number): number {
  return Math.max(1, Math.min(wanted, Math.floor(BATCH_ACTIVATION_BYTES / (4 * Math.max(1, budget.activationsPerImage)))));
}
