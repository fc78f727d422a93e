/**
 * autoencoder (lecture section 6): an encoder squeezing an image into a code of `bottleneck`
 * numbers and a decoder bringing it back, trained to reproduce its input, and, with noise, to
 * denoise.
 *
 * The student's buildAutoencoder and train run in the runner on the training split; encoder
 * and decoder come back as model artifacts. The bottleneck is enforced through the models'
 * shapes (the decoder only ever sees the encoder's output here: the trusted side runs
 * decoder(encoder(x)) itself), and the reconstruction error is measured on the hidden test
 * split in bands calibrated with the reference (see README.md). Each training runs once per
 * grading (ctx.shared); the models are disposed as soon as their numbers are taken.
 */
import { notCredited } from '../../grader/spec/credit';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { formatNumber } from '../../grader/compare/format';
import { loadMnist, sliceDataset, subset, toPlain, type Dataset } from '../../grader/data';
import { defineAssignment, type TestContext, type TestVerdict } from '../../grader/spec/assignment-spec';
import { SeededRandom } from '../../grader/util/rng';
import type { FigureInput } from '../../grader/report/figures';
import {
  findReferenceCurve,
  finiteOrNull,
  imageBase64,
  judgeStudentModel,
  lossCurveFigure,
  ModelLoadError,
  PredictRejected,
  say,
  shapeText,
  uint8Image,
  valuesBase64,
  type CurveSettings,
  type JudgedModel,
  type ReferenceCurve,
  type Text,
} from '../mnist-mlp/student-models';
// Type-only: never loaded here, but it puts probes.ts in the build, which the runner loads.
import type { probes } from './probes';
import { MalformedReportError } from '../../grader/runner/runner-errors';

type ProbeName = keyof typeof probes;
const BUILD: ProbeName = 'build';
const TRAIN: ProbeName = 'train';
const OBSERVE_PROBE: ProbeName = 'observe';

/** The training of every test: the bottleneck, epochs, seed, noise, and the training set size. */
export const SETTINGS = {
  bottleneck: 32,
  epochs: 5,
  seed: 7,
  noise: 0.5,
  trainLimit: 8_000,
  trainBudgetMs: 120_000,
  /** Bands on the mean squared error per pixel over the hidden test images. */
  mse: { pass: 0.03, good: 0.02 },
  /** Band on the error of denoised test images (noise σ = SETTINGS.noise, clipped) against the clean ones. */
  denoised: 0.035,
  /** A denoising autoencoder must beat the plain one on noisy images by this factor. */
  denoiseGain: 0.8,
};

/**
 * The error bands of the report's figures: each test's threshold and points. (Visibility
 * stays with the tests below: the student kit strips hidden tests by their literal.)
 */
export const BANDS = {
  pass: { threshold: SETTINGS.mse.pass, points: 2 },
  good: { threshold: SETTINGS.mse.good, points: 1 },
  denoised: { threshold: SETTINGS.denoised, points: 1 },
};

/** Seed of the noise added to the hidden test images (fixed: the same for every submission). */
const TEST_NOISE_SEED = 20_240_601;
const PICTURES = 8;

// ---------------------------------------------------------------------------------------------

// A diverging student's loss is NaN: that is a verdict to give, not a malformed report.
const EpochSchema = z.object({ epoch: z.union([z.number(), z.nan()]).nullable(), loss: z.union([z.number(), z.nan()]).nullable(), tensors: z.number(), ms: z.number() });
const TrainReportSchema = z.object({
  encoder: z.unknown(),
  decoder: z.unknown(),
  epochs: z.array(EpochSchema).max(1000),
  tensorsBefore: z.number(),
  tensorsAfter: z.number(),
  ms: z.number(),
});
type TrainReport = z.infer<typeof TrainReportSchema>;
const BuildSchema = z.array(z.object({ encoder: z.unknown(), decoder: z.unknown() }));

async function guarded(ctx: TestContext, body: () => Promise<TestVerdict>): Promise<TestVerdict> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ModelLoadError) return { passed: false, output: say(ctx.lang, err.text) };
    throw err;
  }
}

const sizeOf = (shape: ReadonlyArray<number | null>) => shape.slice(1).reduce((a: number, b) => a * (b ?? 0), 1);

/** decoder(encoder(x)) for every image of `inputs`, flattened per image; checks the code's size. */
function reconstruct(encoder: tf.LayersModel, decoder: tf.LayersModel, inputs: Float32Array, count: number, pixels: number, bottleneck: number): Float32Array {
  const out = new Float32Array(count * pixels);
  for (let start = 0; start < count; start += 500) {
    const end = Math.min(count, start + 500);
    const values = tf.tidy(() => {
      const x = tf.tensor4d(inputs.subarray(start * pixels, end * pixels), [end - start, 28, 28, 1]);
      let code: tf.Tensor;
      let y: tf.Tensor;
      try {
        code = encoder.predict(x) as tf.Tensor;
      } catch (err) {
        throw new ModelLoadError({
          en: `the encoder cannot take images [${end - start}, 28, 28, 1]: ${(err as Error).message?.split('\n')[0] ?? String(err)}`,
          ru: `энкодер не принимает изображения [${end - start}, 28, 28, 1]: ${(err as Error).message?.split('\n')[0] ?? String(err)}`,
        });
      }
      if (code.size !== (end - start) * bottleneck) {
        throw new ModelLoadError({
          en: `the trained encoder outputs ${shapeText(code.shape)} for ${end - start} images: the code must have ${bottleneck} numbers per image.`,
          ru: `обученный энкодер выдаёт ${shapeText(code.shape)} для ${end - start} изображений: код должен состоять из ${bottleneck} чисел на изображение.`,
        });
      }
      try {
        y = decoder.predict(code) as tf.Tensor;
      } catch (err) {
        throw new ModelLoadError({
          en: `the decoder cannot take the encoder's codes ${shapeText(code.shape)}: ${(err as Error).message?.split('\n')[0] ?? String(err)}`,
          ru: `декодер не принимает коды энкодера ${shapeText(code.shape)}: ${(err as Error).message?.split('\n')[0] ?? String(err)}`,
        });
      }
      if (y.size !== (end - start) * pixels) {
        throw new ModelLoadError({
          en: `the decoder outputs ${shapeText(y.shape)} for ${end - start} codes: expected ${pixels} pixels per image, [${end - start}, 28, 28, 1].`,
          ru: `декодер выдаёт ${shapeText(y.shape)} для ${end - start} кодов: ожидалось ${pixels} пикселей на изображение, [${end - start}, 28, 28, 1].`,
        });
      }
      return y.toFloat().dataSync() as Float32Array;
    });
    out.set(values, start * pixels);
  }
  return out;
}

/**
 * reconstruct() for models held by the grading's judge process (the grader runs no student
 * model itself): the encoder's codes for all images, then the decoder's images for all codes.
 */
async function reconstructInJudge(encoder: JudgedModel, decoder: JudgedModel, inputs: Float32Array, count: number, pixels: number, bottleneck: number): Promise<Float32Array> {
  const n = Math.min(500, count);
  let code: { values: Float32Array; shape: number[] };
  try {
    code = await encoder.predict(inputs.subarray(0, count * pixels), [count, 28, 28, 1]);
  } catch (err) {
    if (!(err instanceof PredictRejected)) throw err;
    throw new ModelLoadError({ en: `the encoder cannot take images [${n}, 28, 28, 1]: ${err.detail}`, ru: `энкодер не принимает изображения [${n}, 28, 28, 1]: ${err.detail}` });
  }
  if (code.values.length !== count * bottleneck) {
    const shown = shapeText([n, ...code.shape.slice(1)]);
    throw new ModelLoadError({
      en: `the trained encoder outputs ${shown} for ${n} images: the code must have ${bottleneck} numbers per image.`,
      ru: `обученный энкодер выдаёт ${shown} для ${n} изображений: код должен состоять из ${bottleneck} чисел на изображение.`,
    });
  }
  let y: { values: Float32Array; shape: number[] };
  try {
    y = await decoder.predict(code.values, code.shape);
  } catch (err) {
    if (!(err instanceof PredictRejected)) throw err;
    const shown = shapeText([n, ...code.shape.slice(1)]);
    throw new ModelLoadError({ en: `the decoder cannot take the encoder's codes ${shown}: ${err.detail}`, ru: `декодер не принимает коды энкодера ${shown}: ${err.detail}` });
  }
  if (y.values.length !== count * pixels) {
    const shown = shapeText([n, ...y.shape.slice(1)]);
    throw new ModelLoadError({
      en: `the decoder outputs ${shown} for ${n} codes: expected ${pixels} pixels per image, [${n}, 28, 28, 1].`,
      ru: `декодер выдаёт ${shown} для ${n} кодов: ожидалось ${pixels} пикселей на изображение, [${n}, 28, 28, 1].`,
    });
  }
  return y.values;
}

function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s / a.length;
}

interface TestImages {
  count: number;
  clean: Float32Array;
  noisy: Float32Array;
  test: Dataset;
}

let testImagesCache: { name: string; images: TestImages } | undefined;

/** The hidden test images in [0, 1], and their noisy versions (fixed seed, clipped). */
async function testImages(): Promise<TestImages> {
  const data = await loadMnist();
  if (testImagesCache?.name === data.name) return testImagesCache.images;
  const test = data.test;
  const clean = Float32Array.from(test.images, (b) => b / 255);
  const rng = new SeededRandom(TEST_NOISE_SEED);
  const noisy = clean.map((v) => Math.min(1, Math.max(0, v + SETTINGS.noise * rng.normal())));
  const images = { count: test.count, clean, noisy, test };
  testImagesCache = { name: data.name, images };
  return images;
}

interface Measured {
  report: TrainReport;
  /** Error on clean test images, and on noisy ones against the clean. */
  cleanMse: number;
  noisyMse: number;
  pictures: Array<{ original: string; noisy?: string; output: string }>;
  dataset: string;
  trainSamples: number;
  /** Weight tensors of encoder and decoder (an optimizer's state is a few per weight). */
  weightCount: number;
  /**
   * Measured here, not reported: the trained model's error on (up to TRAIN_CHECK_IMAGES of) the
   * clean training images, and the error of predicting their mean image for every one of them.
   */
  trainMse: number;
  meanImageMse: number;
}

/** Training images the trusted side reconstructs to check the reported loss curve. */
const TRAIN_CHECK_IMAGES = 2_000;

/** Trains an autoencoder (once per grading and noise setting) and measures it on the test split. */
function trained(ctx: TestContext, noise: number | undefined): Promise<Measured> {
  return ctx.shared(`train:${noise ?? 'none'}`, async () => {
    const data = await loadMnist();
    const trainSamples = Math.min(data.train.count, SETTINGS.trainLimit);
    // SECURITY: only the training split crosses into the runner.
    const train = toPlain(sliceDataset(data.train, 0, trainSamples));
    const raw = await ctx.probe(TRAIN, train, SETTINGS.bottleneck, SETTINGS.epochs, SETTINGS.seed, noise ?? null);
    const parsed = TrainReportSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedReportError('train', parsed.error.message);
    const encoder = await judgeStudentModel(ctx, parsed.data.encoder, `the trained encoder (bottleneck ${SETTINGS.bottleneck})`);
    try {
      const decoder = await judgeStudentModel(ctx, parsed.data.decoder, `the trained decoder (bottleneck ${SETTINGS.bottleneck})`);
      try {
        const t = await testImages();
        const pixels = 28 * 28;
        const fromClean = await reconstructInJudge(encoder, decoder, t.clean, t.count, pixels, SETTINGS.bottleneck);
        const fromNoisy = await reconstructInJudge(encoder, decoder, t.noisy, t.count, pixels, SETTINGS.bottleneck);
        const pictures = Array.from({ length: Math.min(PICTURES, t.count) }, (_, i) => ({
          original: imageBase64(t.test, i),
          ...(noise !== undefined ? { noisy: valuesBase64(t.noisy.subarray(i * pixels, (i + 1) * pixels)) } : {}),
          output: valuesBase64((noise !== undefined ? fromNoisy : fromClean).subarray(i * pixels, (i + 1) * pixels)),
        }));
        const checkCount = Math.min(trainSamples, TRAIN_CHECK_IMAGES);
        const trainClean = Float32Array.from(data.train.images.subarray(0, checkCount * pixels), (b) => b / 255);
        const meanImage = new Float32Array(pixels);
        for (let i = 0; i < trainClean.length; i++) meanImage[i % pixels] += trainClean[i] / checkCount;
        const meanImages = new Float32Array(trainClean.length);
        for (let i = 0; i < meanImages.length; i++) meanImages[i] = meanImage[i % pixels];
        return {
          report: parsed.data,
          trainMse: mse(await reconstructInJudge(encoder, decoder, trainClean, checkCount, pixels, SETTINGS.bottleneck), trainClean),
          meanImageMse: mse(meanImages, trainClean),
          cleanMse: mse(fromClean, t.clean),
          noisyMse: mse(fromNoisy, t.clean),
          pictures,
          dataset: data.name,
          trainSamples,
          weightCount: encoder.weights.length + decoder.weights.length,
        };
      } finally {
        decoder.dispose();
      }
    } finally {
      encoder.dispose();
    }
  });
}


// ---------------------------------------------------------------------------------------------
// Watching the training: a small training (OBSERVE.images training images far apart, two
// epochs, noise σ) in which the probe copies out every image the encoder is fed while a
// gradient is taken. Each fed image is matched with the clean image it came from (nearest in
// squared distance), which gives the order of every epoch and the noise actually added.

/** `apart`: the least squared distance between two of the images (pixels in [0, 1]), chosen from the first `pool`. */
const OBSERVE = { images: 256, pool: 4_000, apart: 50, epochs: 2, seeds: [SETTINGS.seed, SETTINGS.seed + 1] as const };
const PIXELS = 28 * 28;

const ObserveSchema = z.object({
  wrapped: z.boolean(),
  // By its tag, not instanceof: the array is made by the channel's deserialiser, which may run
  // in another realm than this module (jest's test context does).
  fed: z.custom<Float32Array>((v) => Object.prototype.toString.call(v) === '[object Float32Array]', 'a Float32Array'),
  rows: z.number(),
  extra: z.number(),
  boundaries: z.array(z.number()).max(1000),
  initial: z.array(z.number()).max(10_000),
  final: z.array(z.number()).max(10_000),
});

interface Observation {
  wrapped: boolean;
  /** Images fed in training steps (rows) and those beyond the copy limit. */
  rows: number;
  extra: number;
  /** The clean image each fed image came from. */
  ids: Int32Array;
  /** Fed images per epoch (rows / epochs when they split evenly, else null). */
  perEpoch: number | null;
  fed: Float32Array;
  /** Noise statistics over every fed image. */
  outside: number;
  min: number;
  max: number;
  /** Estimated standard deviation of the added noise (background pixels, robust to clipping); 0 when none. */
  sigma: number;
  /** Among images fed in both epochs: the fraction fed exactly the same noisy input both times. */
  repeated: number;
  /** Among the positions of an epoch: the fraction whose image got in epoch 1 the same noise as the image at that position in epoch 0. */
  repeatedByPosition: number;
  initial: number[];
  final: number[];
}

let observeImagesCache: { name: string; data: Dataset; clean: Float32Array } | undefined;

async function observeImages(): Promise<{ data: Dataset; clean: Float32Array }> {
  const all = await loadMnist();
  if (observeImagesCache?.name !== all.name) {
    // Images far apart from each other (no near-duplicates), so that a noisy image is matched
    // with the clean one it came from without doubt.
    const pool = sliceDataset(all.train, 0, Math.min(OBSERVE.pool, all.train.count));
    const values = Float32Array.from(pool.images, (b) => b / 255);
    const picked: number[] = [];
    const BLOCK = 500;
    for (let start = 0; start < pool.count && picked.length < OBSERVE.images; start += BLOCK) {
      const end = Math.min(pool.count, start + BLOCK);
      const size = end - start;
      const chosen = picked.slice();
      // Squared distances of the block's images to each other and to the images picked so far.
      const [within, across] = tf.tidy(() => {
        const gather = (idx: number[]) => {
          const out = new Float32Array(idx.length * PIXELS);
          idx.forEach((i, k) => out.set(values.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS));
          return tf.tensor2d(out, [idx.length, PIXELS]);
        };
        const dist = (a: tf.Tensor2D, b: tf.Tensor2D) =>
          a.square().sum(1).reshape([-1, 1]).add(b.square().sum(1).reshape([1, -1])).sub(a.matMul(b, false, true).mul(2));
        const block = gather(Array.from({ length: size }, (_, k) => start + k));
        const w = dist(block, block).dataSync() as Float32Array;
        const c = chosen.length > 0 ? (dist(block, gather(chosen)).dataSync() as Float32Array) : new Float32Array(0);
        return [Float32Array.from(w), Float32Array.from(c)];
      });
      const inBlock: number[] = [];
      for (let k = 0; k < size && picked.length < OBSERVE.images; k++) {
        let far = true;
        for (let q = 0; q < chosen.length && far; q++) far = across[k * chosen.length + q] >= OBSERVE.apart;
        for (const q of inBlock) if (far) far = within[k * size + q] >= OBSERVE.apart;
        if (far) {
          inBlock.push(k);
          picked.push(start + k);
        }
      }
    }
    const data = toPlain(subset(pool, picked));
    observeImagesCache = { name: all.name, data, clean: Float32Array.from(data.images, (b) => b / 255) };
  }
  return observeImagesCache;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Matches each of `rows` fed images with the nearest of the `n` clean ones, and measures the
 * noise: the fraction of fed pixels outside [0, 1], their range, and the standard deviation of
 * the noise estimated on background pixels (clean 0: |σ·ε| has median 0.6745σ whether or not
 * clipping cut the negative half to 0); 0 when the background carries no noise.
 */
function matchFed(fed: Float32Array, rows: number, clean: Float32Array, n: number): { ids: Int32Array; outside: number; min: number; max: number; sigma: number } {
  const ids = new Int32Array(rows);
  let outside = 0;
  let min = Infinity;
  let max = -Infinity;
  const background: number[] = [];
  let backgroundPixels = 0;
  // Nearest clean image by squared distance, ‖a‖² − 2a·b + ‖b‖² as one matrix product.
  if (rows > 0) {
    const nearest = tf.tidy(() => {
      const a = tf.tensor2d(fed.subarray(0, rows * PIXELS), [rows, PIXELS]);
      const b = tf.tensor2d(clean.subarray(0, n * PIXELS), [n, PIXELS]);
      const d = b.square().sum(1).reshape([1, n]).sub(a.matMul(b, false, true).mul(2));
      return d.argMin(1).dataSync();
    });
    ids.set(nearest);
  }
  for (let k = 0; k < rows; k++) {
    const row = fed.subarray(k * PIXELS, (k + 1) * PIXELS);
    const best = ids[k];
    for (let p = 0; p < PIXELS; p++) {
      const v = row[p];
      if (!(v >= -1e-6 && v <= 1 + 1e-6)) outside++;
      if (v < min) min = v;
      if (v > max) max = v;
      if (clean[best * PIXELS + p] === 0) {
        backgroundPixels++;
        if (Math.abs(v) > 1e-6 && background.length < 200_000) background.push(Math.abs(v));
      }
    }
  }
  const sigma = background.length > 0.05 * backgroundPixels ? median(background) / 0.6745 : 0;
  return { ids, outside: rows > 0 ? outside / (rows * PIXELS) : 0, min, max, sigma };
}

/** Watches a small noisy training with `seed` (`run` tells two trainings with the same seed apart). */
function observed(ctx: TestContext, seed: number, run: number): Promise<Observation> {
  return ctx.shared(`observe:${seed}:${run}`, async () => {
    const { data, clean } = await observeImages();
    const n = data.count;
    // Repeated runs in a runner of their own: a training memoised in module state by the first run
    // has nothing to replay, so the reproducibility test compares two real trainings.
    const args = [data, SETTINGS.bottleneck, OBSERVE.epochs, seed, SETTINGS.noise, 2 * OBSERVE.epochs * n];
    const raw = run > 0 ? await ctx.probeInFreshRunner(OBSERVE_PROBE, ...args) : await ctx.probe(OBSERVE_PROBE, ...args);
    const parsed = ObserveSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedReportError('observe', parsed.error.message);
    const r = parsed.data;
    const rows = Math.min(r.rows, Math.floor(r.fed.length / PIXELS));
    const fed = r.fed;
    const { ids, outside, min, max, sigma } = matchFed(fed, rows, clean, n);
    const perEpoch = rows > 0 && r.extra === 0 && rows % OBSERVE.epochs === 0 ? rows / OBSERVE.epochs : null;
    let both = 0;
    let same = 0;
    if (perEpoch !== null) {
      const firstRow = new Map<number, number>();
      for (let k = 0; k < perEpoch; k++) if (!firstRow.has(ids[k])) firstRow.set(ids[k], k);
      const seen = new Set<number>();
      for (let k = perEpoch; k < 2 * perEpoch; k++) {
        const j = ids[k];
        const a = firstRow.get(j);
        if (a === undefined || seen.has(j)) continue;
        seen.add(j);
        both++;
        let equal = true;
        for (let p = 0; p < PIXELS && equal; p++) equal = Math.abs(fed[a * PIXELS + p] - fed[k * PIXELS + p]) <= 1e-6;
        if (equal) same++;
      }
    }
    // The noise by position: a seed that depends on the batch but not on the epoch gives the
    // k-th image of epoch 1 the very noise of the k-th image of epoch 0 (different images, as
    // the order is shuffled, so `repeated` above does not see it). Compared where neither fed
    // pixel was clipped: there the noise is the fed value minus the clean one.
    let positions = 0;
    let samePositions = 0;
    if (perEpoch !== null) {
      for (let k = 0; k < perEpoch; k++) {
        const a = k;
        const b = perEpoch + k;
        if (ids[a] === ids[b]) continue;
        let compared = 0;
        let equal = 0;
        for (let p = 0; p < PIXELS; p++) {
          const fa = fed[a * PIXELS + p];
          const fb = fed[b * PIXELS + p];
          if (!(fa > 1e-6 && fa < 1 - 1e-6 && fb > 1e-6 && fb < 1 - 1e-6)) continue;
          compared++;
          if (Math.abs(fa - clean[ids[a] * PIXELS + p] - (fb - clean[ids[b] * PIXELS + p])) <= 1e-4) equal++;
        }
        if (compared < 20) continue;
        positions++;
        if (equal >= 0.9 * compared) samePositions++;
      }
    }
    return {
      wrapped: r.wrapped,
      rows,
      extra: r.extra,
      ids,
      perEpoch,
      repeatedByPosition: positions > 0 ? samePositions / positions : 0,
      fed: fed.subarray(0, rows * PIXELS),
      outside,
      min,
      max,
      sigma,
      repeated: both > 0 ? same / both : 0,
      initial: r.initial,
      final: r.final,
    };
  });
}

const NOT_OBSERVED: Text = {
  en: 'the grader saw no image fed to the encoder during a training step (it watches the first layer of the encoder while gradients are taken): train the encoder returned by buildAutoencoder itself, e.g. tf.sequential({layers: [encoder, decoder]}) with fit/trainOnBatch, or optimizer.minimize over decoder.apply(encoder.apply(x)).',
  ru: 'проверяющий не увидел ни одного изображения, поданного энкодеру на шаге обучения (он следит за первым слоем энкодера, пока берутся градиенты): обучайте сам энкодер, возвращённый buildAutoencoder, например tf.sequential({layers: [encoder, decoder]}) с fit/trainOnBatch или optimizer.minimize над decoder.apply(encoder.apply(x)).',
};

function watched(lang: 'en' | 'ru', o: Observation): string {
  return say(lang, {
    en: `in a training on ${OBSERVE.images} images, ${OBSERVE.epochs} epochs, noise: ${SETTINGS.noise}, the encoder was fed ${o.rows + o.extra} images`,
    ru: `при обучении на ${OBSERVE.images} изображениях, ${OBSERVE.epochs} эпохи, noise: ${SETTINGS.noise}, энкодеру подано ${o.rows + o.extra} изображений`,
  });
}

/** What is wrong with the noisy inputs the model was fed, or null when they are right (also used by the denoising tests' messages). */
function noiseProblem(lang: 'en' | 'ru', o: Observation): string | null {
  const σ = SETTINGS.noise;
  const head = watched(lang, o);
  if (!o.wrapped || o.rows === 0) return say(lang, NOT_OBSERVED);
  if (o.sigma < 0.05 * σ) {
    return say(lang, {
      en: `${head}, and they carried no noise (their background pixels stayed 0): with options.noise, add σ·ε (ε standard normal, σ = options.noise) to every input pixel.`,
      ru: `${head}, и шума в них не было (пиксели фона остались 0): при options.noise прибавляйте σ·ε (ε — стандартный нормальный шум, σ = options.noise) к каждому пикселю входа.`,
    });
  }
  if (o.outside > 1e-3) {
    return say(lang, {
      en: `${head}; ${formatNumber(100 * o.outside, 3)}% of their pixels lay outside [0, 1] (from ${formatNumber(o.min)} to ${formatNumber(o.max)}): the noisy input must be clipped, clip(x + σ·ε, 0, 1) (tf.clipByValue(noisy, 0, 1)), like the test images it will denoise.`,
      ru: `${head}; ${formatNumber(100 * o.outside, 3)}% их пикселей лежали вне [0, 1] (от ${formatNumber(o.min)} до ${formatNumber(o.max)}): зашумлённый вход нужно обрезать, clip(x + σ·ε, 0, 1) (tf.clipByValue(noisy, 0, 1)), как и тестовые изображения, которые он будет очищать.`,
    });
  }
  if (Math.abs(o.sigma / σ - 1) > 0.2) {
    const squared = Math.abs(o.sigma / (σ * σ) - 1) <= 0.2;
    const scaled = Math.abs((o.sigma * 255) / σ - 1) <= 0.2;
    const why: Text = squared
      ? { en: `that is σ² = ${σ * σ}: options.noise is the standard deviation, not the variance (tf.randomNormal(shape, 0, σ), or σ·ε).`, ru: `это σ² = ${σ * σ}: options.noise — стандартное отклонение, а не дисперсия (tf.randomNormal(shape, 0, σ) или σ·ε).` }
      : scaled
        ? { en: 'that is σ/255: the noise was added to pixels 0..255 before dividing by 255; add it to pixels in [0, 1].', ru: 'это σ/255: шум прибавлен к пикселям 0..255 до деления на 255; прибавляйте его к пикселям в [0, 1].' }
        : { en: 'usual causes: the variance used as the standard deviation, noise scaled with the pixels, uniform instead of normal noise.', ru: 'обычные причины: дисперсия вместо стандартного отклонения, шум масштабирован вместе с пикселями, равномерный шум вместо нормального.' };
    return say(lang, {
      en: `${head}; the noise on them has a standard deviation of about ${formatNumber(o.sigma, 3)} (measured on background pixels), expected σ = options.noise = ${σ}: ${why.en}`,
      ru: `${head}; стандартное отклонение шума на них около ${formatNumber(o.sigma, 3)} (по пикселям фона), ожидалось σ = options.noise = ${σ}: ${why.ru}`,
    });
  }
  return null;
}

function staleProblem(lang: 'en' | 'ru', o: Observation): string | null {
  if (o.sigma < 0.05 * SETTINGS.noise || o.perEpoch === null) return null;
  if (o.repeated < 0.5 && o.repeatedByPosition >= 0.5) {
    return say(lang, {
      en: `${watched(lang, o)}: the noise repeats by position: for ${formatNumber(100 * o.repeatedByPosition, 3)}% of the positions in the epoch, the image fed there in epoch 1 got exactly the noise ε that the image at the same position got in epoch 0. The noise must be new every epoch: a seed that depends on the batch but not on the epoch draws the same noise every epoch. Derive it from options.seed, the epoch and the batch, or draw from one seeded generator throughout.`,
      ru: `${watched(lang, o)}: шум повторяется по позициям: для ${formatNumber(100 * o.repeatedByPosition, 3)}% позиций эпохи изображение, поданное на этой позиции в эпохе 1, получило в точности тот же шум ε, что изображение на той же позиции в эпохе 0. Шум должен быть новым в каждой эпохе: seed, зависящий от батча, но не от эпохи, даёт один и тот же шум каждую эпоху. Выводите его из options.seed, эпохи и батча или берите всё время из одного сидированного генератора.`,
    });
  }
  if (o.repeated < 0.5) return null;
  return say(lang, {
    en: `${watched(lang, o)}: ${formatNumber(100 * o.repeated, 3)}% of the images got exactly the same noisy version in epoch 1 as in epoch 0. Draw new noise every epoch (from your seeded generator, or tf.randomNormal with a seed that depends on the epoch and the batch), not once before the epochs.`,
    ru: `${watched(lang, o)}: ${formatNumber(100 * o.repeated, 3)}% изображений получили в эпохе 1 в точности ту же зашумлённую версию, что и в эпохе 0. Берите новый шум в каждой эпохе (из своего сидированного генератора или tf.randomNormal с seed, зависящим от эпохи и батча), а не один раз до эпох.`,
  });
}

async function noiseInput(ctx: TestContext): Promise<TestVerdict> {
  const o = await observed(ctx, OBSERVE.seeds[0], 0);
  const problem = noiseProblem(ctx.lang, o);
  const details = { sigma: o.sigma, outside: o.outside, min: o.min, max: o.max, rows: o.rows };
  if (problem !== null) return { passed: false, output: problem, details };
  return {
    passed: true,
    output: say(ctx.lang, {
      en: `${watched(ctx.lang, o)}: their pixels lie in [0, 1] and the noise has a standard deviation of about ${formatNumber(o.sigma, 3)} (σ = ${SETTINGS.noise}).`,
      ru: `${watched(ctx.lang, o)}: их пиксели лежат в [0, 1], стандартное отклонение шума около ${formatNumber(o.sigma, 3)} (σ = ${SETTINGS.noise}).`,
    }),
    details,
  };
}

async function freshNoise(ctx: TestContext): Promise<TestVerdict> {
  const o = await observed(ctx, OBSERVE.seeds[0], 0);
  const problem = staleProblem(ctx.lang, o);
  if (problem !== null) return { passed: false, output: problem, details: { repeated: o.repeated, repeatedByPosition: o.repeatedByPosition } };
  if (!o.wrapped || o.rows === 0) return { passed: false, output: say(ctx.lang, NOT_OBSERVED) };
  return {
    passed: true,
    output: say(ctx.lang, {
      en: o.sigma < 0.05 * SETTINGS.noise
        ? 'no noise was seen on the inputs (the noise test says more); nothing repeats here.'
        : `${watched(ctx.lang, o)}: every image got a new noisy version in each epoch.`,
      ru: o.sigma < 0.05 * SETTINGS.noise
        ? 'шума на входах не видно (подробнее в тесте шума); повторяться здесь нечему.'
        : `${watched(ctx.lang, o)}: каждое изображение получало новую зашумлённую версию в каждой эпохе.`,
    }),
  };
}

function epochOrders(o: Observation): number[][] | null {
  if (o.perEpoch === null) return null;
  return Array.from({ length: OBSERVE.epochs }, (_, e) => Array.from(o.ids.subarray(e * o.perEpoch!, (e + 1) * o.perEpoch!)));
}

async function shuffled(ctx: TestContext): Promise<TestVerdict> {
  const o = await observed(ctx, OBSERVE.seeds[0], 0);
  if (!o.wrapped || o.rows === 0) return { passed: false, output: say(ctx.lang, NOT_OBSERVED) };
  const n = (await observeImages()).data.count;
  const orders = epochOrders(o);
  const head = watched(ctx.lang, o);
  // A dropped partial last batch is tolerated: at least 90% of the images, none twice in an epoch.
  if (orders === null || orders.some((ord) => ord.length < 0.9 * n || ord.length > n || new Set(ord).size !== ord.length)) {
    const distinct = orders?.map((ord) => new Set(ord).size).join(', ') ?? '—';
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `${head}, expected each of the ${n} images once per epoch (${n * OBSERVE.epochs} in all; distinct images per epoch: ${distinct}). Go over the whole data set once per epoch, in a shuffled order.`,
        ru: `${head}, а ожидалось каждое из ${n} изображений по разу за эпоху (всего ${n * OBSERVE.epochs}; различных изображений по эпохам: ${distinct}). Проходите весь набор данных раз за эпоху, в перемешанном порядке.`,
      }),
    };
  }
  const same = orders[1].every((id, k) => id === orders[0][k]);
  if (same) {
    const identity = orders[0].every((id, k) => id === k);
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `${head}, in ${identity ? 'the order of the data set' : 'the same order'} in both epochs: shuffle the images anew every epoch, with a permutation seeded by options.seed and the epoch (model.fit with shuffle: false does not shuffle).`,
        ru: `${head}, в ${identity ? 'порядке набора данных' : 'одном и том же порядке'} в обеих эпохах: перемешивайте изображения заново в каждой эпохе перестановкой, сидированной options.seed и номером эпохи (model.fit с shuffle: false не перемешивает).`,
      }),
    };
  }
  return {
    passed: true,
    output: say(ctx.lang, {
      en: `${head}: each image once per epoch, in a new order every epoch.`,
      ru: `${head}: каждое изображение по разу за эпоху, в новом порядке в каждой эпохе.`,
    }),
  };
}

function sameNumbers(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-5 * (1 + Math.abs(v)));
}

async function reproducible(ctx: TestContext): Promise<TestVerdict> {
  const a = await observed(ctx, OBSERVE.seeds[0], 0);
  const b = await observed(ctx, OBSERVE.seeds[0], 1);
  const c = await observed(ctx, OBSERVE.seeds[1], 0);
  const head: Text = {
    en: `two trainings with seed ${OBSERVE.seeds[0]} (${OBSERVE.images} images, ${OBSERVE.epochs} epochs, noise: ${SETTINGS.noise})`,
    ru: `два обучения с seed ${OBSERVE.seeds[0]} (${OBSERVE.images} изображений, ${OBSERVE.epochs} эпохи, noise: ${SETTINGS.noise})`,
  };
  const fail = (why: Text): TestVerdict => ({ passed: false, output: say(ctx.lang, { en: `${head.en}: ${why.en}`, ru: `${head.ru}: ${why.ru}` }) });
  // Doing nothing is reproducible too: credited only when the training did its job.
  if (a.rows === 0 || a.final.length === 0 || sameNumbers(a.initial, a.final)) {
    const got: Text =
      a.final.length === 0
        ? { en: 'no model', ru: 'никакой модели' }
        : a.rows === 0
          ? { en: 'a training in which no image reached the encoder', ru: 'обучение, в котором ни одно изображение не попало в энкодер' }
          : { en: 'the model with its weights unchanged', ru: 'модель с неизменёнными весами' };
    return {
      passed: false,
      output: notCredited(ctx.lang, { en: 'Reproducibility', ru: 'Воспроизводимость' }, `buildAutoencoder() + train()`, say(ctx.lang, got), {
        en: 'a trained model',
        ru: 'обученной модели',
      }),
    };
  }
  if (!sameNumbers(a.initial, b.initial)) {
    return fail({
      en: 'buildAutoencoder gave different initial weights. Seed every initializer (kernelInitializer: tf.initializers.glorotUniform({seed: …}), and so on), so that the same seed gives the same model.',
      ru: 'buildAutoencoder дала разные начальные веса. Задайте seed каждому инициализатору (kernelInitializer: tf.initializers.glorotUniform({seed: …}) и т. д.), чтобы один seed давал одну модель.',
    });
  }
  const sameFed = (x: Observation, y: Observation) => x.rows === y.rows && x.fed.every((v, i) => Math.abs(v - y.fed[i]) <= 1e-6);
  const sameOrder = (x: Observation, y: Observation) => x.rows === y.rows && x.ids.every((v, i) => v === y.ids[i]);
  if (a.rows > 0 && !sameOrder(a, b)) {
    return fail({
      en: 'the images were fed in different orders. Shuffle with a generator seeded by options.seed (model.fit shuffles with Math.random unless shuffle: false).',
      ru: 'изображения подавались в разном порядке. Перемешивайте генератором, сидированным options.seed (model.fit перемешивает через Math.random, если не указать shuffle: false).',
    });
  }
  if (a.rows > 0 && !sameFed(a, b)) {
    return fail({
      en: 'the images came in the same order but with different noise. Seed the noise: a generator seeded by options.seed, or tf.randomNormal(shape, 0, σ, "float32", seed) with a seed derived from options.seed, the epoch and the batch.',
      ru: 'изображения шли в том же порядке, но с разным шумом. Сидируйте шум: генератор с seed из options.seed или tf.randomNormal(shape, 0, σ, "float32", seed) с seed, выведенным из options.seed, эпохи и батча.',
    });
  }
  if (!sameNumbers(a.final, b.final)) {
    return fail({
      en: 'the same initial weights and the same inputs gave different trained weights: something else in training is random and unseeded (dropout without a seed?).',
      ru: 'одинаковые начальные веса и одинаковые входы дали разные обученные веса: в обучении есть ещё что-то случайное и несидированное (dropout без seed?).',
    });
  }
  if (a.rows > 0 && c.rows === a.rows && sameFed(a, c)) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `trainings with seeds ${OBSERVE.seeds[0]} and ${OBSERVE.seeds[1]} fed exactly the same images in the same order with the same noise: options.seed is not used. Derive the shuffle and the noise from options.seed.`,
        ru: `обучения с seed ${OBSERVE.seeds[0]} и ${OBSERVE.seeds[1]} подали в точности те же изображения в том же порядке и с тем же шумом: options.seed не используется. Выводите перемешивание и шум из options.seed.`,
      }),
    };
  }
  return {
    passed: true,
    output: say(ctx.lang, {
      en: `${head.en} gave the same model; seed ${OBSERVE.seeds[1]} another order or noise.`,
      ru: `${head.ru} дали одну и ту же модель; seed ${OBSERVE.seeds[1]} — другой порядок или шум.`,
    }),
  };
}

async function noLeaks(ctx: TestContext): Promise<TestVerdict> {
  const m = await trained(ctx, undefined);
  const counts = m.report.epochs.map((e) => e.tensors);
  const left = m.report.tensorsAfter - m.report.tensorsBefore;
  // An optimizer's state stays with it (Adam: two per weight and two scalars): allowed.
  const allowance = 3 * m.weightCount + 4;
  const growth = counts.length >= 2 ? (counts[counts.length - 1] - counts[0]) / (counts.length - 1) : 0;
  const shown = counts.join(', ');
  if (growth > 0.5) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `tf.memory().numTensors at the end of each epoch: ${shown}, about ${formatNumber(growth, 3)} more tensors every epoch: something allocated per batch or per epoch is never disposed (the batch tensors, the loss returned by optimizer.minimize, the epoch's noisy copy…). Wrap each step in tf.tidy, and dispose what you keep.`,
        ru: `tf.memory().numTensors в конце каждой эпохи: ${shown}, примерно на ${formatNumber(growth, 3)} тензоров больше с каждой эпохой: что-то, создаваемое на каждом батче или эпохе, не освобождается (тензоры батча, потеря, возвращённая optimizer.minimize, зашумлённая копия эпохи…). Оборачивайте шаг в tf.tidy и освобождайте то, что сохраняете.`,
      }),
      details: { counts, left },
    };
  }
  if (left > allowance) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `train() left ${left} tensors behind (tf.memory().numTensors before and after; the optimizer's own state, up to ${allowance}, is allowed). Dispose the data tensors you make (tf.dispose) once training is done.`,
        ru: `train() оставила ${left} тензоров (tf.memory().numTensors до и после; собственное состояние оптимизатора, до ${allowance}, допускается). Освобождайте созданные тензоры данных (tf.dispose), когда обучение закончено.`,
      }),
      details: { counts, left },
    };
  }
  return {
    passed: true,
    output: say(ctx.lang, {
      en: `no tensor leaks: ${left} tensors left after train() (at most the optimizer's state), the same number at the end of every epoch (${shown}).`,
      ru: `утечек тензоров нет: после train() осталось ${left} (не больше состояния оптимизатора), в конце каждой эпохи одно и то же число (${shown}).`,
    }),
    details: { counts, left },
  };
}

// ---------------------------------------------------------------------------------------------
// The report's figures.

interface Band {
  threshold: number;
  points: number;
}

/** The settings a recorded reference curve must have been trained with to be shown (reference-curve.json). */
export function referenceSettings(trainSamples: number): CurveSettings {
  return { bottleneck: SETTINGS.bottleneck, epochs: SETTINGS.epochs, seed: SETTINGS.seed, trainSamples, noise: null };
}

/** The reference's recorded training without noise, when it matches this grading. */
function referenceCurve(m: Measured): ReferenceCurve | undefined {
  return findReferenceCurve('autoencoder', m.dataset, referenceSettings(m.trainSamples));
}

/** An error against the bands that give points (lower is better); `shown`: the bands this test may tell. */
function bandsFigure(metric: 'reconstruction-mse' | 'denoised-mse', value: number, shown: readonly Band[], reference: number | undefined): FigureInput {
  return {
    kind: 'bands',
    metric,
    value: finiteOrNull(value),
    better: 'lower',
    bands: shown.map((b) => ({ threshold: b.threshold, points: b.points })),
    ...(reference !== undefined ? { reference } : {}),
  };
}

/** Test images, their noisy versions when the model was trained with noise, and the model's outputs. */
function reconstructionsFigure(m: Measured): FigureInput {
  return {
    kind: 'reconstructions',
    items: m.pictures.slice(0, 16).map((p) => ({
      original: uint8Image(p.original),
      ...(p.noisy !== undefined ? { noisy: uint8Image(p.noisy) } : {}),
      output: uint8Image(p.output),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// The tests.

const BOTTLENECKS = [2, 16, 32];

async function shapes(ctx: TestContext): Promise<TestVerdict> {
  const parsed = BuildSchema.safeParse(await ctx.probe(BUILD, BOTTLENECKS));
  if (!parsed.success || parsed.data.length !== BOTTLENECKS.length) throw new MalformedReportError('build', parsed.success ? `${parsed.data.length} models` : parsed.error.message);
  const problems: Text[] = [];
  for (const [i, b] of BOTTLENECKS.entries()) {
    const encoder = await judgeStudentModel(ctx, parsed.data[i].encoder, `buildAutoencoder(${b}).encoder`);
    try {
      const decoder = await judgeStudentModel(ctx, parsed.data[i].decoder, `buildAutoencoder(${b}).decoder`);
      try {
        const ein = encoder.inputs.map((t) => shapeText(t.shape)).join(', ');
        const eout = encoder.outputs.map((t) => shapeText(t.shape)).join(', ');
        const din = decoder.inputs.map((t) => shapeText(t.shape)).join(', ');
        const dout = decoder.outputs.map((t) => shapeText(t.shape)).join(', ');
        if (ein !== '[null, 28, 28, 1]') {
          problems.push({
            en: `buildAutoencoder(${b}).encoder takes ${ein}, expected [null, 28, 28, 1] (images as mnist-loader gives them; start with tf.layers.flatten if you want vectors).`,
            ru: `buildAutoencoder(${b}).encoder принимает ${ein}, ожидалось [null, 28, 28, 1] (изображения, как их даёт mnist-loader; начните с tf.layers.flatten, если нужны векторы).`,
          });
        }
        if (eout !== `[null, ${b}]`) {
          problems.push({
            en: `buildAutoencoder(${b}).encoder outputs ${eout}, expected [null, ${b}]: the code must have exactly \`bottleneck\` numbers. That is the bottleneck: it forces the network to compress.`,
            ru: `buildAutoencoder(${b}).encoder выдаёт ${eout}, ожидалось [null, ${b}]: код должен состоять ровно из \`bottleneck\` чисел. Это и есть узкое место: оно заставляет сеть сжимать.`,
          });
        }
        if (din !== `[null, ${b}]`) {
          problems.push({
            en: `buildAutoencoder(${b}).decoder takes ${din}, expected [null, ${b}]: the decoder sees only the code.`,
            ru: `buildAutoencoder(${b}).decoder принимает ${din}, ожидалось [null, ${b}]: декодер видит только код.`,
          });
        }
        if (dout !== '[null, 28, 28, 1]') {
          problems.push({
            en: `buildAutoencoder(${b}).decoder outputs ${dout}, expected [null, 28, 28, 1] (end with tf.layers.reshape({targetShape: [28, 28, 1]})).`,
            ru: `buildAutoencoder(${b}).decoder выдаёт ${dout}, ожидалось [null, 28, 28, 1] (закончите слоем tf.layers.reshape({targetShape: [28, 28, 1]})).`,
          });
        }
      } finally {
        decoder.dispose();
      }
    } finally {
      encoder.dispose();
    }
  }
  if (problems.length > 0) return { passed: false, output: problems.map((p) => `- ${say(ctx.lang, p)}`).join('\n') };
  return {
    passed: true,
    output: say(ctx.lang, {
      en: `for bottlenecks ${BOTTLENECKS.join(', ')}: encoder [28, 28, 1] → [bottleneck], decoder [bottleneck] → [28, 28, 1].`,
      ru: `для узких мест ${BOTTLENECKS.join(', ')}: энкодер [28, 28, 1] → [bottleneck], декодер [bottleneck] → [28, 28, 1].`,
    }),
  };
}

async function outputRange(ctx: TestContext): Promise<TestVerdict> {
  const b = 16;
  const parsed = BuildSchema.safeParse(await ctx.probe(BUILD, [b]));
  if (!parsed.success || parsed.data.length !== 1) throw new MalformedReportError('build', parsed.success ? `${parsed.data.length} models` : parsed.error.message);
  const decoder = await judgeStudentModel(ctx, parsed.data[0].decoder, `buildAutoencoder(${b}).decoder`);
  try {
    // Codes of the size the decoder takes (the shape test judges whether that is the bottleneck).
    const width = decoder.inputs[0]?.shape.length === 2 ? (decoder.inputs[0].shape[1] ?? b) : b;
    const codes = ctx.rng.normals(256 * width, 5);
    let values: Float32Array;
    try {
      values = (await decoder.predict(Float32Array.from(codes), [256, width])).values;
    } catch (err) {
      if (!(err instanceof PredictRejected)) throw err;
      throw new ModelLoadError({
        en: `buildAutoencoder(${b}).decoder cannot take codes [256, ${width}]: ${err.detail}`,
        ru: `buildAutoencoder(${b}).decoder не принимает коды [256, ${width}]: ${err.detail}`,
      });
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    if (!(min >= 0 && max <= 1)) {
      return {
        passed: false,
        output: say(ctx.lang, {
          en: `buildAutoencoder(${b}).decoder, fed 256 random codes (standard deviation 5), outputs values from ${formatNumber(min)} to ${formatNumber(max)}; pixels live in [0, 1] whatever the code: end the decoder with a sigmoid (activation: 'sigmoid' on its last dense layer).`,
          ru: `buildAutoencoder(${b}).decoder на 256 случайных кодах (стандартное отклонение 5) выдаёт значения от ${formatNumber(min)} до ${formatNumber(max)}; пиксели лежат в [0, 1] при любом коде: закончите декодер сигмоидой (activation: 'sigmoid' у последнего полносвязного слоя).`,
        }),
      };
    }
    return {
      passed: true,
      output: say(ctx.lang, {
        en: `the decoder's outputs stay in [0, 1] (from ${formatNumber(min)} to ${formatNumber(max)}) for 256 random codes.`,
        ru: `выходы декодера остаются в [0, 1] (от ${formatNumber(min)} до ${formatNumber(max)}) на 256 случайных кодах.`,
      }),
    };
  } finally {
    decoder.dispose();
  }
}

async function lossCurve(ctx: TestContext): Promise<TestVerdict> {
  const m = await trained(ctx, undefined);
  const losses = m.report.epochs.map((e) => e.loss);
  const shown = losses.map((l) => (l === null ? '—' : formatNumber(l))).join(', ');
  const details = { losses, trainMs: m.report.ms, figures: [lossCurveFigure(losses, referenceCurve(m))] };
  if (losses.length !== SETTINGS.epochs) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `train(ae, data, {epochs: ${SETTINGS.epochs}, …}) called onEpochEnd ${losses.length} times; expected once at the end of each epoch, as onEpochEnd(epoch, meanLossOfTheEpoch).`,
        ru: `train(ae, data, {epochs: ${SETTINGS.epochs}, …}) вызвала onEpochEnd ${losses.length} раз; ожидался один вызов в конце каждой эпохи: onEpochEnd(epoch, средняяПотеряЭпохи).`,
      }),
      details,
    };
  }
  const numbers = m.report.epochs.map((e) => e.epoch);
  if (numbers.some((e, i) => e !== i)) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `onEpochEnd was called with the epoch numbers ${numbers.map((e) => (e === null ? '—' : String(e))).join(', ')}; expected 0, 1, …, ${SETTINGS.epochs - 1}: the first argument is the number of the epoch just finished, counted from 0 (as the loop variable of for (let epoch = 0; epoch < epochs; epoch++)).`,
        ru: `onEpochEnd вызывалась с номерами эпох ${numbers.map((e) => (e === null ? '—' : String(e))).join(', ')}; ожидалось 0, 1, …, ${SETTINGS.epochs - 1}: первый аргумент — номер только что закончившейся эпохи, считая с 0 (как переменная цикла for (let epoch = 0; epoch < epochs; epoch++)).`,
      }),
      details,
    };
  }
  if (losses.some((l) => typeof l === 'number' && Number.isNaN(l))) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `the loss per epoch was ${shown}: training diverged (the weights overflowed to NaN). The steps are far too large: check the learning rate (Adam's usual one is 0.001).`,
        ru: `потеря по эпохам: ${shown} — обучение разошлось (веса переполнились до NaN). Шаги слишком велики: проверьте скорость обучения (обычная для Adam — 0.001).`,
      }),
      details,
    };
  }
  if (losses.some((l) => l === null || !Number.isFinite(l))) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `onEpochEnd got the losses ${shown}: each must be a finite number, the mean training loss of the epoch.`,
        ru: `onEpochEnd получила потери ${shown}: каждая должна быть конечным числом — средней потерей эпохи.`,
      }),
      details,
    };
  }
  // The reported losses are the student's word; the model's own error on the training images,
  // measured here, is not: a falling curve beside a model that reconstructs no better than the
  // mean image for every input did not come from training this model.
  if (Number.isFinite(m.trainMse) && !(m.trainMse < m.meanImageMse)) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `the loss per epoch was ${shown}, but the trained model's own mean squared error on ${Math.min(m.trainSamples, TRAIN_CHECK_IMAGES).toLocaleString('en-US')} of the training images is ${formatNumber(m.trainMse)}, no better than ${formatNumber(m.meanImageMse)}, the error of answering the mean image for every input: the reported losses are not those of the model train() was given. onEpochEnd must get the mean loss of the training it runs on encoder and decoder (and they must really be trained).`,
        ru: `потеря по эпохам: ${shown}, а собственная среднеквадратичная ошибка обученной модели на ${Math.min(m.trainSamples, TRAIN_CHECK_IMAGES).toLocaleString('ru-RU')} обучающих изображениях — ${formatNumber(m.trainMse)}, не лучше ${formatNumber(m.meanImageMse)} — ошибки ответа средним изображением на любой вход: переданные потери — не потери модели, которую получила train(). onEpochEnd должна получать среднюю потерю того обучения, которое идёт на энкодере и декодере (и они должны действительно обучаться).`,
      }),
      details,
    };
  }
  if (!((losses[losses.length - 1] as number) < (losses[0] as number))) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `the loss per epoch was ${shown}: it did not go down. Train encoder and decoder together (tf.sequential({layers: [encoder, decoder]}), or optimizer.minimize over decoder.apply(encoder.apply(x))), with the clean image as the target.`,
        ru: `потеря по эпохам: ${shown} — она не уменьшилась. Обучайте энкодер и декодер вместе (tf.sequential({layers: [encoder, decoder]}) или optimizer.minimize над decoder.apply(encoder.apply(x))), с чистым изображением в качестве цели.`,
      }),
      details,
    };
  }
  return {
    passed: true,
    output: say(ctx.lang, {
      en: `the mean training loss per epoch: ${shown} (training took ${formatNumber(m.report.ms / 1000, 3)} s).`,
      ru: `средняя потеря на обучении по эпохам: ${shown} (обучение заняло ${formatNumber(m.report.ms / 1000, 3)} с).`,
    }),
    details,
  };
}

function where(ctx: TestContext, m: Measured, count: number): string {
  return say(ctx.lang, {
    en: `${count.toLocaleString('en-US')} hidden test images of ${m.dataset}, bottleneck ${SETTINGS.bottleneck}, after ${SETTINGS.epochs} epochs on ${m.trainSamples.toLocaleString('en-US')} training images`,
    ru: `${count.toLocaleString('ru-RU')} скрытых тестовых изображений из ${m.dataset}, узкое место ${SETTINGS.bottleneck}, после ${SETTINGS.epochs} эпох на ${m.trainSamples.toLocaleString('ru-RU')} обучающих`,
  });
}

const USUAL_MSE: Text = {
  en: ' Usual causes: encoder and decoder not trained together, a target other than the input image, pixels not scaled to [0, 1], too few updates (the reference: Adam, lr 0.001, batches of 64).',
  ru: ' Обычные причины: энкодер и декодер обучаются не вместе, цель — не входное изображение, пиксели не приведены к [0, 1], слишком мало шагов (в эталоне: Adam, шаг 0.001, батчи по 64).',
};

/** `shown`: the bands the test may tell (a visible test does not tell a hidden test's threshold). */
async function reconstruction(ctx: TestContext, band: Band, withPictures: boolean, shown: readonly Band[]): Promise<TestVerdict> {
  const limit = band.threshold;
  const m = await trained(ctx, undefined);
  const t = await testImages();
  const figures = [
    bandsFigure('reconstruction-mse', m.cleanMse, shown, referenceCurve(m)?.test.mse),
    ...(withPictures ? [reconstructionsFigure(m)] : []),
  ];
  const details = withPictures ? { mse: m.cleanMse, dataset: m.dataset, pictures: m.pictures, figures } : { mse: m.cleanMse, figures };
  const text = {
    en: `reconstruction error (mean squared error per pixel) ${formatNumber(m.cleanMse)} on ${where(ctx, m, t.count)}`,
    ru: `ошибка восстановления (средний квадрат ошибки на пиксель) ${formatNumber(m.cleanMse)} на ${where(ctx, m, t.count)}`,
  };
  if (m.cleanMse <= limit) {
    return { passed: true, output: say(ctx.lang, { en: `${text.en}: at most ${limit}.`, ru: `${text.ru}: не больше ${limit}.` }), details };
  }
  return {
    passed: false,
    output: say(ctx.lang, { en: `${text.en}: above ${limit}.${USUAL_MSE.en}`, ru: `${text.ru}: больше ${limit}.${USUAL_MSE.ru}` }),
    details,
  };
}

/** The noisy inputs look right but even the plain training reconstructs poorly: training is too weak overall. */
function weakTraining(lang: 'en' | 'ru', plainMse: number): string {
  return say(lang, {
    en: `the noisy inputs the model was fed look right, but even the plainly trained autoencoder reconstructs clean test images poorly (error ${formatNumber(plainMse)}, above ${SETTINGS.mse.pass}): the training itself is too weak, and denoising, which is harder, suffers first. Usual causes: not every image used every epoch, too few epochs or updates, a learning rate far from Adam's 0.001, encoder and decoder not trained together.`,
    ru: `зашумлённые входы, поданные модели, выглядят правильно, но даже обычный автокодировщик плохо восстанавливает чистые тестовые изображения (ошибка ${formatNumber(plainMse)}, больше ${SETTINGS.mse.pass}): слабо само обучение, и подавление шума, задача потруднее, страдает первым. Обычные причины: не все изображения в каждой эпохе, слишком мало эпох или шагов, скорость обучения далека от 0.001 для Adam, энкодер и декодер обучаются не вместе.`,
  });
}

/** Why denoising fails: what was wrong with the noisy inputs the model was fed, else the usual causes. */
async function denoiseCause(ctx: TestContext, lang: 'en' | 'ru'): Promise<string> {
  const o = await observed(ctx, OBSERVE.seeds[0], 0);
  const problem = noiseProblem(lang, o) ?? staleProblem(lang, o);
  if (problem !== null) return problem.charAt(0).toUpperCase() + problem.slice(1);
  const plain = await trained(ctx, undefined);
  if (plain.cleanMse > SETTINGS.mse.pass) {
    const weak = weakTraining(lang, plain.cleanMse);
    return weak.charAt(0).toUpperCase() + weak.slice(1);
  }
  return say(lang, {
    en: `The noisy inputs the model was fed look right (clipped to [0, 1], noise of standard deviation ${formatNumber(o.sigma, 3)}, new every epoch). Usual causes: the target is the noisy image instead of the clean one, too few updates (the reference: Adam, lr 0.001, batches of 64).`,
    ru: `Зашумлённые входы, поданные модели, выглядят правильно (обрезаны до [0, 1], шум со стандартным отклонением ${formatNumber(o.sigma, 3)}, новый в каждой эпохе). Обычные причины: цель — зашумлённое изображение вместо чистого, слишком мало шагов (в эталоне: Adam, шаг 0.001, батчи по 64).`,
  });
}

async function denoising(ctx: TestContext): Promise<TestVerdict> {
  const m = await trained(ctx, SETTINGS.noise);
  const t = await testImages();
  const limit = SETTINGS.denoised;
  const text = {
    en: `trained with noise: ${SETTINGS.noise}, the autoencoder turns the test images with Gaussian noise (σ = ${SETTINGS.noise}, clipped to [0, 1]) into images at an error of ${formatNumber(m.noisyMse)} from the clean ones, on ${where(ctx, m, t.count)}`,
    ru: `после обучения с noise: ${SETTINGS.noise} автокодировщик превращает тестовые изображения с гауссовым шумом (σ = ${SETTINGS.noise}, с обрезкой до [0, 1]) в изображения с ошибкой ${formatNumber(m.noisyMse)} относительно чистых, на ${where(ctx, m, t.count)}`,
  };
  const figures = [bandsFigure('denoised-mse', m.noisyMse, [BANDS.denoised], referenceCurve(m)?.test.denoisedMse), reconstructionsFigure(m)];
  const details = { mse: m.noisyMse, dataset: m.dataset, pictures: m.pictures, figures };
  if (m.noisyMse <= limit) {
    return { passed: true, output: say(ctx.lang, { en: `${text.en}: at most ${limit}.`, ru: `${text.ru}: не больше ${limit}.` }), details };
  }
  return {
    passed: false,
    output: say(ctx.lang, {
      en: `${text.en}: above ${limit}. ${await denoiseCause(ctx, 'en')}`,
      ru: `${text.ru}: больше ${limit}. ${await denoiseCause(ctx, 'ru')}`,
    }),
    details,
  };
}

async function denoisingGain(ctx: TestContext): Promise<TestVerdict> {
  const plain = await trained(ctx, undefined);
  const noisy = await trained(ctx, SETTINGS.noise);
  const numbers = { plain: plain.noisyMse, denoising: noisy.noisyMse };
  if (noisy.noisyMse <= SETTINGS.denoiseGain * plain.noisyMse) {
    return {
      passed: true,
      output: say(ctx.lang, {
        en: `on noisy test images, the autoencoder trained with noise reaches an error of ${formatNumber(noisy.noisyMse)}, the one trained without noise ${formatNumber(plain.noisyMse)}: training with noise teaches denoising.`,
        ru: `на зашумлённых тестовых изображениях автокодировщик, обученный с шумом, даёт ошибку ${formatNumber(noisy.noisyMse)}, обученный без шума — ${formatNumber(plain.noisyMse)}: обучение с шумом учит убирать шум.`,
      }),
      details: numbers,
    };
  }
  const head: Text = {
    en: `on noisy test images, the autoencoder trained with noise: ${SETTINGS.noise} reaches an error of ${formatNumber(noisy.noisyMse)}, the one trained without noise ${formatNumber(plain.noisyMse)} (needed: at most ${SETTINGS.denoiseGain} × that)`,
    ru: `на зашумлённых тестовых изображениях автокодировщик, обученный с noise: ${SETTINGS.noise}, даёт ошибку ${formatNumber(noisy.noisyMse)}, обученный без шума — ${formatNumber(plain.noisyMse)} (нужно не больше ${SETTINGS.denoiseGain} × это)`,
  };
  const same = Math.abs(noisy.noisyMse - plain.noisyMse) <= 1e-6 * plain.noisyMse;
  const o = await observed(ctx, OBSERVE.seeds[0], 0);
  const inputProblem = noiseProblem(ctx.lang, o) ?? staleProblem(ctx.lang, o);
  const weak = !same && inputProblem === null && plain.cleanMse > SETTINGS.mse.pass ? weakTraining(ctx.lang, plain.cleanMse) : null;
  if (weak !== null) return { passed: false, output: `${say(ctx.lang, head)}: ${weak}`, details: numbers };
  if (inputProblem !== null && !same) {
    return { passed: false, output: `${say(ctx.lang, head)}.\n${inputProblem.charAt(0).toUpperCase()}${inputProblem.slice(1)}`, details: numbers };
  }
  const why: Text = same
    ? {
        en: 'the two trainings gave the same model: options.noise is ignored. Add N(0, noise²) to the inputs only; the target stays the clean image.',
        ru: 'оба обучения дали одну и ту же модель: options.noise не используется. Прибавляйте N(0, noise²) только ко входу; цель — чистое изображение.',
      }
    : noisy.noisyMse > plain.noisyMse
      ? {
          en: `training with noise made it worse. The noisy inputs the model was fed look right (clipped to [0, 1], noise of standard deviation ${formatNumber(o.sigma, 3)}, new every epoch), so it most likely learns to reproduce the noisy input: the noise goes into the input only; the target must be the clean image.`,
          ru: `обучение с шумом сделало только хуже. Зашумлённые входы, поданные модели, выглядят правильно (обрезаны до [0, 1], шум со стандартным отклонением ${formatNumber(o.sigma, 3)}, новый в каждой эпохе), так что, скорее всего, сеть учится воспроизводить зашумлённый вход: шум добавляется только ко входу; цель — чистое изображение.`,
        }
      : {
          en: `the noise barely helps, although the noisy inputs the model was fed look right (clipped, standard deviation ${formatNumber(o.sigma, 3)}, new every epoch). Usual causes: the target is not the clean image, or too few updates (the reference: Adam, lr 0.001, batches of 64).`,
          ru: `шум почти не помогает, хотя зашумлённые входы, поданные модели, выглядят правильно (обрезаны, стандартное отклонение ${formatNumber(o.sigma, 3)}, новый в каждой эпохе). Обычные причины: цель — не чистое изображение, или слишком мало шагов (в эталоне: Adam, шаг 0.001, батчи по 64).`,
        };
  return {
    passed: false,
    output: say(ctx.lang, { en: `${head.en}: ${why.en}`, ru: `${head.ru}: ${why.ru}` }),
    details: numbers,
  };
}

export const spec = defineAssignment({
  id: 'autoencoder',
  title: 'An autoencoder on MNIST: bottleneck, reconstruction, denoising',
  entry: 'solution.ts',
  contract: 'contract.ts',
  probes: 'probes.ts',
  // Two trainings, plus three small watched ones (OBSERVE) and the rest.
  limits: { totalMs: 2 * SETTINGS.trainBudgetMs + 90_000, testMs: 30_000, heapMb: 2048 },
  tolerance: { rtol: 1e-4, atol: 1e-4 },
  dataset: async () => (await loadMnist()).name,
  requirements: [
    {
      id: 'bottleneck-shapes',
      text: {
        en: 'buildAutoencoder(bottleneck): the encoder maps [28, 28, 1] to [bottleneck], the decoder maps [bottleneck] (the code only) back to [28, 28, 1].',
        ru: 'buildAutoencoder(bottleneck): энкодер переводит [28, 28, 1] в [bottleneck], декодер переводит [bottleneck] (только код) обратно в [28, 28, 1].',
      },
    },
    {
      id: 'decoder-range',
      text: { en: "The decoder's output lies in [0, 1] whatever the code.", ru: 'Выход декодера лежит в [0, 1] при любом коде.' },
    },
    {
      id: 'reconstructs',
      text: {
        en: 'train trains encoder and decoder together on the mean squared error per pixel, for options.epochs epochs over the whole data set, so that decoder(encoder(x)) ≈ x.',
        ru: 'train обучает энкодер и декодер вместе на среднем квадрате ошибки на пиксель, options.epochs эпох по всему набору данных, чтобы decoder(encoder(x)) ≈ x.',
      },
    },
    {
      id: 'on-epoch-end',
      text: {
        en: 'options.onEpochEnd(epoch, loss) is called after every epoch, with the epoch number counted from 0 and the mean training loss of that epoch.',
        ru: 'options.onEpochEnd(epoch, loss) вызывается после каждой эпохи с номером эпохи, считая с 0, и средней потерей на обучении за эту эпоху.',
      },
    },
    {
      id: 'shuffle-per-epoch',
      text: { en: 'Every epoch goes over each image once, in a new order.', ru: 'Каждая эпоха проходит каждое изображение по разу, в новом порядке.' },
    },
    {
      id: 'seeded',
      text: {
        en: 'Everything random is seeded (initializers, the order, the noise) and the order and noise follow options.seed: the same seed gives the same model.',
        ru: 'Всё случайное сидировано (инициализаторы, порядок, шум), а порядок и шум определяются options.seed: один seed даёт одну и ту же модель.',
      },
    },
    {
      id: 'noise-input',
      text: {
        en: 'With options.noise, Gaussian noise is added to the input images (a denoising autoencoder).',
        ru: 'При options.noise к входным изображениям прибавляется гауссов шум (шумоподавляющий автокодировщик).',
      },
    },
    {
      id: 'noise-std',
      text: { en: 'options.noise = σ is the standard deviation of the noise: x + σ·ε, ε standard normal.', ru: 'options.noise = σ — стандартное отклонение шума: x + σ·ε, ε — стандартный нормальный.' },
    },
    {
      id: 'noise-clipped',
      text: { en: 'The noisy input is clipped to [0, 1]: clip(x + σ·ε, 0, 1).', ru: 'Зашумлённый вход обрезается до [0, 1]: clip(x + σ·ε, 0, 1).' },
    },
    {
      id: 'noise-fresh',
      text: { en: 'The noise is drawn anew every epoch.', ru: 'Шум берётся заново в каждой эпохе.' },
    },
    {
      id: 'clean-target',
      text: { en: 'With noise, the target stays the clean image x.', ru: 'С шумом целью остаётся чистое изображение x.' },
    },
    {
      id: 'no-leaks',
      text: {
        en: 'train disposes what it allocates: no tensor count that grows with the epochs, nothing left after it but the optimizer state.',
        ru: 'train освобождает то, что создаёт: число тензоров не растёт от эпохи к эпохе, после неё не остаётся ничего, кроме состояния оптимизатора.',
      },
    },
  ],
  tests: [
    {
      name: 'encoder [28, 28, 1] → [bottleneck], decoder [bottleneck] → [28, 28, 1]',
      points: 1,
      visibility: 'visible',
      requirements: ['bottleneck-shapes'],
      run: (ctx) => guarded(ctx, () => shapes(ctx)),
    },
    {
      name: "the decoder's output lies in [0, 1]",
      points: 0.5,
      visibility: 'visible',
      requirements: ['decoder-range'],
      run: (ctx) => guarded(ctx, () => outputRange(ctx)),
    },
    {
      name: 'train() reports a falling loss once per epoch',
      points: 1,
      visibility: 'visible',
      requirements: ['on-epoch-end', 'reconstructs'],
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => lossCurve(ctx)),
    },
    {
      name: `reconstruction error at most ${SETTINGS.mse.pass}`,
      points: BANDS.pass.points,
      visibility: 'visible',
      requirements: ['reconstructs'],
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => reconstruction(ctx, BANDS.pass, true, [BANDS.pass])),
    },
    {
      name: 'train() leaves no tensors behind',
      points: 0.5,
      visibility: 'visible',
      requirements: ['no-leaks'],
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => noLeaks(ctx)),
    },
    {
      name: 'each image once per epoch, in a new order every epoch',
      points: 0.5,
      visibility: 'visible',
      requirements: ['shuffle-per-epoch'],
      run: (ctx) => guarded(ctx, () => shuffled(ctx)),
    },
    {
      name: 'the same seed gives the same training',
      points: 0.5,
      visibility: 'visible',
      requirements: ['seeded'],
      timeoutMs: 60_000,
      run: (ctx) => guarded(ctx, () => reproducible(ctx)),
    },
    {
      name: 'with noise, the model is fed clip(x + σ·ε, 0, 1)',
      points: 1,
      visibility: 'visible',
      requirements: ['noise-input', 'noise-std', 'noise-clipped'],
      run: (ctx) => guarded(ctx, () => noiseInput(ctx)),
    },
    {
      name: 'new noise every epoch',
      points: 0.5,
      visibility: 'visible',
      requirements: ['noise-fresh'],
      run: (ctx) => guarded(ctx, () => freshNoise(ctx)),
    },
    {
      name: `reconstruction error at most ${SETTINGS.mse.good}`,
      points: BANDS.good.points,
      visibility: 'hidden',
      requirements: ['reconstructs'],
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => reconstruction(ctx, BANDS.good, false, [BANDS.pass, BANDS.good])),
    },
    {
      name: `denoising: error at most ${SETTINGS.denoised} from noisy images`,
      points: BANDS.denoised.points,
      visibility: 'hidden',
      requirements: ['clean-target', 'noise-input', 'noise-std', 'noise-clipped', 'noise-fresh', 'reconstructs'],
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => denoising(ctx)),
    },
    {
      name: 'training with noise denoises better than training without',
      points: 0.5,
      visibility: 'hidden',
      requirements: ['clean-target', 'noise-input', 'noise-std', 'noise-clipped', 'noise-fresh', 'reconstructs'],
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => denoisingGain(ctx)),
    },
  ],
});

/** For tests and tests/tools: the hidden test images and the measurement the band tests make. */
export const internals = { testImages, reconstruct, mse, observeImages, matchFed, OBSERVE };
