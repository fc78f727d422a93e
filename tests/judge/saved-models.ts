/**
 * Saved models (tfjs artifacts) written by hand, as a hostile runner could send them: a topology
 * JSON and weight bytes, no student code and no TF.js model behind them. Layer configs are in
 * the saved (snake_case) form TF.js writes.
 */
import type * as tf from '@tensorflow/tfjs';

type Layer = { class_name: string; config: Record<string, unknown> };

/** A layer with its saved name (weights are named `<name>/kernel`, `<name>/bias`). */
export function layer(className: string, name: string, config: Record<string, unknown> = {}): Layer {
  return { class_name: className, config: { name, trainable: true, dtype: 'float32', ...config } };
}

export function conv(name: string, filters: number, kernel = 3, extra: Record<string, unknown> = {}): Layer {
  return layer('Conv2D', name, {
    filters,
    kernel_size: [kernel, kernel],
    strides: [1, 1],
    padding: 'same',
    data_format: 'channels_last',
    dilation_rate: [1, 1],
    activation: 'linear',
    use_bias: true,
    kernel_initializer: { class_name: 'Zeros', config: {} },
    bias_initializer: { class_name: 'Zeros', config: {} },
    ...extra,
  });
}

export function dense(name: string, units: number, extra: Record<string, unknown> = {}): Layer {
  return layer('Dense', name, {
    units,
    activation: 'linear',
    use_bias: true,
    kernel_initializer: { class_name: 'Zeros', config: {} },
    bias_initializer: { class_name: 'Zeros', config: {} },
    ...extra,
  });
}

/** A Sequential topology; the first layer gets the input shape. */
export function sequential(layers: Layer[], inputShape: Array<number | null> = [null, 28, 28, 1]): Record<string, unknown> {
  const [first, ...rest] = layers;
  return {
    class_name: 'Sequential',
    config: { name: 'hostile', layers: [{ ...first, config: { ...first.config, batch_input_shape: inputShape } }, ...rest] },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

/** Weight specs and bytes for the given weights (each filled with `value`). */
export function weights(specs: Array<{ name: string; shape: number[] }>, value = 0.01): Pick<tf.io.ModelArtifacts, 'weightSpecs' | 'weightData'> {
  const count = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  const data = new Float32Array(count).fill(value);
  return { weightSpecs: specs.map((s) => ({ ...s, dtype: 'float32' as const })), weightData: data.buffer };
}

/** A model as the runner sends it back ({kind: 'model', artifacts}). */
export function wireModel(modelTopology: unknown, w: Pick<tf.io.ModelArtifacts, 'weightSpecs' | 'weightData'>): { kind: 'model'; artifacts: tf.io.ModelArtifacts } {
  return { kind: 'model', artifacts: { modelTopology: modelTopology as tf.io.ModelArtifacts['modelTopology'], ...w } };
}

/** UpSampling2D ×16 (28×28 → 448×448) then `convs` 3×3 convolutions of 8 filters: tiny weights, huge compute. */
export function computeBomb(convs: number): ReturnType<typeof wireModel> {
  const layers = [layer('UpSampling2D', 'up', { size: [16, 16], data_format: 'channels_last' }), conv('c0', 8)];
  const specs = [
    { name: 'c0/kernel', shape: [3, 3, 1, 8] },
    { name: 'c0/bias', shape: [8] },
  ];
  for (let i = 1; i < convs; i++) {
    layers.push(conv(`c${i}`, 8));
    specs.push({ name: `c${i}/kernel`, shape: [3, 3, 8, 8] }, { name: `c${i}/bias`, shape: [8] });
  }
  layers.push(layer('GlobalAveragePooling2D', 'gap', { data_format: 'channels_last' }), dense('out', 10));
  specs.push({ name: 'out/kernel', shape: [8, 10] }, { name: 'out/bias', shape: [10] });
  return wireModel(sequential(layers), weights(specs));
}

/** UpSampling2D ×200 (28×28 → 5600×5600): 31 M values per image, no weight at all but a last dense. */
export function activationBomb(): ReturnType<typeof wireModel> {
  const layers = [layer('UpSampling2D', 'up', { size: [200, 200], data_format: 'channels_last' }), layer('GlobalAveragePooling2D', 'gap', { data_format: 'channels_last' }), dense('out', 10)];
  return wireModel(sequential(layers), weights([{ name: 'out/kernel', shape: [1, 10] }, { name: 'out/bias', shape: [10] }]));
}

/** A dense layer declaring `units` units after Flatten, with weights for 10 units only. */
export function unfilledDense(units: number): ReturnType<typeof wireModel> {
  const layers = [layer('Flatten', 'flat'), dense('huge', units)];
  return wireModel(sequential(layers), weights([{ name: 'huge/kernel', shape: [784, 10] }, { name: 'huge/bias', shape: [10] }]));
}

/** Flatten → Dense(10): a normal model, every weight `value`. */
export function smallModel(value = 0.01): ReturnType<typeof wireModel> {
  return wireModel(sequential([layer('Flatten', 'flat'), dense('logits', 10)]), weights([{ name: 'logits/kernel', shape: [784, 10] }, { name: 'logits/bias', shape: [10] }], value));
}

/** A topology nested `depth` objects deep. */
export function deeplyNested(depth: number): ReturnType<typeof wireModel> {
  let node: Record<string, unknown> = { class_name: 'Dense', config: {} };
  for (let i = 0; i < depth; i++) node = { class_name: 'Sequential', config: { name: `s${i}`, layers: [node] } };
  return wireModel(node, weights([]));
}
