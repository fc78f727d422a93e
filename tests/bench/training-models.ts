/**
 * The two models of the training benchmark on TensorFlow.js, with seeded synthetic MNIST-shaped
 * data and the training step. torch_training.py builds the same models for PyTorch.
 *
 * The step is the lecture's PyTorch loop written in tfjs: forward, softmax cross-entropy on
 * the logits, gradients, one momentum-SGD update (v ← βv + g, θ ← θ − αv: tf.train.momentum
 * without Nesterov is torch.optim.SGD with momentum and no dampening), then the loss read back
 * to the host, which waits for the step to finish exactly as `loss.item()` does in PyTorch.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelKind, TrainingCaseConfig } from './training-protocol';
import { SeededRandom } from '../../grader/util/rng';

const IMAGE_SHAPE: [number, number, number] = [28, 28, 1];
const CLASSES = 10;

/** The project's seeded generator (mulberry32) as a plain function. */
function seededUniform(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.next();
}

export function buildModel(kind: ModelKind, seed: number): tf.Sequential {
  let layerSeed = seed;
  const init = (): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.glorotUniform({ seed: ++layerSeed });
  if (kind === 'mlp') {
    return tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: IMAGE_SHAPE }),
        tf.layers.dense({ units: 100, activation: 'relu', kernelInitializer: init() }),
        tf.layers.dense({ units: CLASSES, kernelInitializer: init() }),
      ],
    });
  }
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: IMAGE_SHAPE,
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 32,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES, kernelInitializer: init() }),
    ],
  });
}

export interface Batch {
  /** [batch, 28, 28, 1] in [0, 1). */
  x: tf.Tensor4D;
  /** One-hot float labels [batch, 10]. */
  y: tf.Tensor2D;
}

/** `count` seeded batches of MNIST shape: uniform pixels, uniform labels. */
export function makeBatches(config: TrainingCaseConfig): Batch[] {
  const random = seededUniform(config.seed);
  const pixels = config.batchSize * IMAGE_SHAPE[0] * IMAGE_SHAPE[1] * IMAGE_SHAPE[2];
  const batches: Batch[] = [];
  for (let b = 0; b < config.batches; b++) {
    const images = new Float32Array(pixels);
    for (let i = 0; i < pixels; i++) images[i] = random();
    // One-hot on the host: tfjs-backend-wasm 4.22's OneHot ignores dtype 'float32' and
    // writes int32 bits into the float tensor (1 reads as 1.4e-45).
    const oneHot = new Float32Array(config.batchSize * CLASSES);
    for (let i = 0; i < config.batchSize; i++) oneHot[i * CLASSES + Math.floor(random() * CLASSES)] = 1;
    const x = tf.tensor4d(images, [config.batchSize, ...IMAGE_SHAPE]);
    const y = tf.tensor2d(oneHot, [config.batchSize, CLASSES]);
    batches.push({ x, y });
  }
  return batches;
}

export interface Trainer {
  /** One complete training step on the next batch; returns the loss. */
  step(): number;
  dispose(): void;
}

export function createTrainer(config: TrainingCaseConfig): Trainer {
  const model = buildModel(config.model, config.seed);
  const optimizer = tf.train.momentum(config.learningRate, config.momentum, false);
  const batches = makeBatches(config);
  let next = 0;
  return {
    step(): number {
      const batch = batches[next];
      next = (next + 1) % batches.length;
      const loss = optimizer.minimize(
        () => {
          const logits = model.apply(batch.x, { training: true });
          if (!(logits instanceof tf.Tensor)) {
            throw new Error('model.apply returned more than one tensor');
          }
          return tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(batch.y, logits);
        },
        true,
      );
      if (loss === null) throw new Error('optimizer.minimize returned no loss');
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    },
    dispose(): void {
      for (const batch of batches) tf.dispose([batch.x, batch.y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}
