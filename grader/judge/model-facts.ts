/**
 * What the trusted grader may know of a student's model without holding it: the judge process
 * loads the model and describes it as plain data (layers with class, config, output shape,
 * inbound layers and nested layers; inputs, outputs, weight shapes), and the grader rebuilds
 * from that a read-only view with the few methods its architecture checks use
 * (getClassName, getConfig, outputShape, inboundNodes, layers), like a tf.LayersModel's.
 */
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

export type Shape = Array<number | null>;

/** The part of a Layer that architecture checks read; tf.layers.Layer has it. */
export interface InspectableLayer {
  readonly name: string;
  getClassName(): string;
  getConfig(): object;
  readonly outputShape: Shape | Shape[];
  readonly inboundNodes: ReadonlyArray<{ readonly inboundLayers: ReadonlyArray<InspectableLayer> }>;
}

/** The part of a LayersModel that architecture checks read; tf.LayersModel has it. */
export interface InspectableModel {
  readonly layers: ReadonlyArray<InspectableLayer>;
  readonly inputs: ReadonlyArray<{ readonly shape: Shape }>;
  readonly outputs: ReadonlyArray<{ readonly shape: Shape }>;
  readonly trainableWeights: ReadonlyArray<{ readonly shape: Shape }>;
  readonly weights: ReadonlyArray<{ readonly shape: Shape }>;
}

const ShapeSchema = z.array(z.number().int().nonnegative().nullable()).max(16);
const MAX_FACT_LAYERS = 2_000;
const MAX_CONFIG_CHARS = 20_000;

const LayerFactsSchema = z.object({
  name: z.string().max(1_000),
  className: z.string().max(200),
  config: z.record(z.unknown()),
  outputShape: z.union([ShapeSchema, z.array(ShapeSchema).max(64)]),
  /** Indices (in ModelFacts.layers) of the layers feeding its first call. */
  inbound: z.array(z.number().int().nonnegative()).max(64),
  /** Indices of its own layers when it is a nested model, else null. */
  inner: z.array(z.number().int().nonnegative()).max(MAX_FACT_LAYERS).nullable(),
});
export type LayerFacts = z.infer<typeof LayerFactsSchema>;

export const ModelFactsSchema = z.object({
  layers: z.array(LayerFactsSchema).max(MAX_FACT_LAYERS),
  /** Indices of the model's own (top-level) layers, in order. */
  top: z.array(z.number().int().nonnegative()).max(MAX_FACT_LAYERS),
  /** Indices of the layers that make the model's outputs. */
  outputLayers: z.array(z.number().int().nonnegative()).max(64),
  inputShapes: z.array(ShapeSchema).max(64),
  outputShapes: z.array(ShapeSchema).max(64),
  trainableShapes: z.array(ShapeSchema).max(100_000),
  weightShapes: z.array(ShapeSchema).max(100_000),
});
export type ModelFacts = z.infer<typeof ModelFactsSchema>;

/** The config as JSON data (an oversized or unserialisable one becomes {}). */
function plainConfig(layer: tf.layers.Layer): Record<string, unknown> {
  try {
    const text = JSON.stringify(layer.getConfig());
    return text.length <= MAX_CONFIG_CHARS ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function plainShape(layer: tf.layers.Layer): Shape | Shape[] {
  try {
    return JSON.parse(JSON.stringify(layer.outputShape)) as Shape | Shape[];
  } catch {
    // A layer called several times with different shapes has no single output shape.
    return [];
  }
}

/** Describes a loaded model (in the judge). */
export function modelFacts(model: tf.LayersModel): ModelFacts {
  const index = new Map<tf.layers.Layer, number>();
  const order: tf.layers.Layer[] = [];
  const visit = (layer: tf.layers.Layer) => {
    if (index.has(layer) || order.length >= MAX_FACT_LAYERS) return;
    index.set(layer, order.length);
    order.push(layer);
    const inner = (layer as unknown as { layers?: unknown }).layers;
    if (Array.isArray(inner)) for (const l of inner) visit(l as tf.layers.Layer);
  };
  for (const l of model.layers) visit(l);
  const indicesOf = (layers: readonly tf.layers.Layer[]) => layers.flatMap((l) => (index.has(l) ? [index.get(l) as number] : []));
  return {
    layers: order.map((layer) => {
      const inner = (layer as unknown as { layers?: unknown }).layers;
      return {
        name: layer.name,
        className: layer.getClassName(),
        config: plainConfig(layer),
        outputShape: plainShape(layer),
        inbound: indicesOf(layer.inboundNodes[0]?.inboundLayers ?? []).slice(0, 64),
        inner: Array.isArray(inner) ? indicesOf(inner as tf.layers.Layer[]) : null,
      };
    }),
    top: indicesOf(model.layers),
    // A Sequential keeps its output layers in an inner model: its last layer makes the output.
    outputLayers: (model.outputLayers?.length ? indicesOf(model.outputLayers) : indicesOf(model.layers.slice(-1))).slice(0, 64),
    inputShapes: model.inputs.map((t) => [...t.shape]),
    outputShapes: model.outputs.map((t) => [...t.shape]),
    trainableShapes: model.trainableWeights.map((w) => [...w.shape]),
    weightShapes: model.weights.map((w) => [...w.shape]),
  };
}

interface LayerView extends InspectableLayer {
  layers?: LayerView[];
  inboundNodes: Array<{ inboundLayers: LayerView[] }>;
}

/** The read-only view of a described model (in the grader). */
export function modelView(facts: ModelFacts): InspectableModel & { layers: LayerView[]; outputLayers: LayerView[] } {
  const views: LayerView[] = facts.layers.map((f) => ({
    name: f.name,
    getClassName: () => f.className,
    getConfig: () => structuredClone(f.config),
    outputShape: f.outputShape,
    inboundNodes: [],
  }));
  const at = (indices: number[]) => indices.flatMap((i) => (views[i] !== undefined ? [views[i]] : []));
  facts.layers.forEach((f, i) => {
    views[i].inboundNodes.push({ inboundLayers: at(f.inbound) });
    if (f.inner !== null) views[i].layers = at(f.inner);
  });
  const top = at(facts.top);
  return {
    layers: top,
    outputLayers: at(facts.outputLayers),
    inputs: facts.inputShapes.map((shape) => ({ shape })),
    outputs: facts.outputShapes.map((shape) => ({ shape })),
    trainableWeights: facts.trainableShapes.map((shape) => ({ shape })),
    weights: facts.weightShapes.map((shape) => ({ shape })),
  };
}
