/**
 * Trains a reference solution the way grading trains a student's (the spec's settings, seed and
 * training slice, the wasm backend) and measures it on the hidden test split the way the spec
 * measures students: the data of assignments/<id>/reference-curve.json, which the specs read for
 * the report's loss curves (training the reference at every grading would double its time).
 *
 * Used by record-reference-curves.ts (writes the files) and by
 * tests/assignments/reference-curves.test.ts (re-trains and compares, so they cannot go stale).
 */
import * as tf from '@tensorflow/tfjs';
import { SETTINGS as AE_SETTINGS, internals as autoencoderInternals, referenceSettings as autoencoderSettings } from '../../assignments/autoencoder/spec';
import { config as cnnConfig } from '../../assignments/mnist-cnn/spec';
import { internals as classifierInternals, referenceSettings as classifierSettings, type ClassifierConfig } from '../../assignments/mnist-mlp/classifier-grading';
import { config as mlpConfig } from '../../assignments/mnist-mlp/spec';
import { ReferenceCurveSchema, type ReferenceCurve } from '../../assignments/mnist-mlp/student-models';
import { loadMnist, sliceDataset, toPlain, type Dataset } from '../../grader/data';
import { initBackend } from '../../grader/tensors';
import * as autoencoderReference from '../../reference/autoencoder';
import * as cnnReference from '../../reference/mnist-cnn';
import * as mlpReference from '../../reference/mnist-mlp';

/** The assignments whose reports draw the reference's loss curve. */
export const CURVE_IDS = ['mnist-mlp', 'mnist-cnn', 'autoencoder'] as const;
export type CurveId = (typeof CURVE_IDS)[number];

/** Grading's default backend: the curves are recorded on it. */
export const CURVE_BACKEND = 'wasm';

interface Classifier {
  buildModel(): tf.LayersModel;
  train(model: tf.LayersModel, data: Dataset, options: { epochs: number; seed: number; onEpochEnd?: (epoch: number, loss: number) => void }): Promise<void>;
}

async function classifierCurve(id: CurveId, config: ClassifierConfig, reference: Classifier): Promise<ReferenceCurve> {
  const data = await loadMnist();
  const trainSamples = Math.min(data.train.count, config.trainLimit);
  const losses: number[] = [];
  const model = reference.buildModel();
  try {
    const started = Date.now();
    await reference.train(model, toPlain(sliceDataset(data.train, 0, trainSamples)), {
      epochs: config.epochs,
      seed: config.seed,
      onEpochEnd: (_epoch, loss) => losses.push(loss),
    });
    const trainMs = Date.now() - started;
    const { accuracy } = classifierInternals.evaluate(model, data.test);
    return ReferenceCurveSchema.parse({
      assignment: id,
      backend: tf.getBackend(),
      dataset: data.name,
      settings: classifierSettings(config, trainSamples),
      losses,
      test: { accuracy },
      trainMs,
    });
  } finally {
    model.dispose();
  }
}

/** The error of a trained autoencoder on the clean and on the noisy hidden test images, against the clean ones. */
async function autoencoderErrors(ae: autoencoderReference.Autoencoder): Promise<{ mse: number; noisyMse: number }> {
  const { testImages, reconstruct, mse } = autoencoderInternals;
  const t = await testImages();
  const pixels = 28 * 28;
  const fromClean = reconstruct(ae.encoder, ae.decoder, t.clean, t.count, pixels, AE_SETTINGS.bottleneck);
  const fromNoisy = reconstruct(ae.encoder, ae.decoder, t.noisy, t.count, pixels, AE_SETTINGS.bottleneck);
  return { mse: mse(fromClean, t.clean), noisyMse: mse(fromNoisy, t.clean) };
}

async function trainAutoencoder(train: Dataset, noise: number | undefined, onEpochEnd?: (epoch: number, loss: number) => void) {
  const ae = autoencoderReference.buildAutoencoder(AE_SETTINGS.bottleneck);
  await autoencoderReference.train(ae, train, {
    epochs: AE_SETTINGS.epochs,
    seed: AE_SETTINGS.seed,
    ...(noise !== undefined ? { noise } : {}),
    ...(onEpochEnd !== undefined ? { onEpochEnd } : {}),
  });
  return ae;
}

async function autoencoderCurve(): Promise<ReferenceCurve> {
  const data = await loadMnist();
  const trainSamples = Math.min(data.train.count, AE_SETTINGS.trainLimit);
  const train = toPlain(sliceDataset(data.train, 0, trainSamples));
  const losses: number[] = [];
  const started = Date.now();
  const plain = await trainAutoencoder(train, undefined, (_epoch, loss) => losses.push(loss));
  const trainMs = Date.now() - started;
  let mse: number;
  try {
    mse = (await autoencoderErrors(plain)).mse;
  } finally {
    plain.encoder.dispose();
    plain.decoder.dispose();
  }
  // The denoising test's reference number: the same training with noise.
  const noisy = await trainAutoencoder(train, AE_SETTINGS.noise);
  let denoisedMse: number;
  try {
    denoisedMse = (await autoencoderErrors(noisy)).noisyMse;
  } finally {
    noisy.encoder.dispose();
    noisy.decoder.dispose();
  }
  return ReferenceCurveSchema.parse({
    assignment: 'autoencoder',
    backend: tf.getBackend(),
    dataset: data.name,
    settings: autoencoderSettings(trainSamples),
    losses,
    test: { mse, denoisedMse },
    trainMs,
  });
}

/** Trains the reference of `id` on the wasm backend and returns what reference-curve.json records. */
export async function trainReferenceCurve(id: CurveId): Promise<ReferenceCurve> {
  await initBackend(CURVE_BACKEND);
  switch (id) {
    case 'mnist-mlp':
      return classifierCurve(id, mlpConfig, mlpReference);
    case 'mnist-cnn':
      return classifierCurve(id, cnnConfig, cnnReference);
    case 'autoencoder':
      return autoencoderCurve();
  }
}
