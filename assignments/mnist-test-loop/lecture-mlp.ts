/**
 * The lecture's network (784 → 100 → ReLU → 10 logits behind a Flatten of [28, 28, 1]
 * images), built with seeded initialisers: the model mnist-test-loop's tests evaluate. Its
 * shape is in the statement; how it is trained is not here (trusted-training.ts).
 */
import * as tf from '@tensorflow/tfjs';

export const IMAGE: [number, number, number] = [28, 28, 1];

export function lectureMlp(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: IMAGE, name: 'flatten' }),
      tf.layers.dense({ units: 100, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 10, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}
