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
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { formatNumber } from '../../grader/compare/format';
import { loadMnist, sliceDataset, toPlain, type Dataset } from '../../grader/data';
import { defineAssignment, type TestContext, type TestVerdict } from '../../grader/spec/assignment-spec';
import { SeededRandom } from '../../grader/util/rng';
import type { FigureInput } from '../../grader/report/figures';
import {
  findReferenceCurve,
  finiteOrNull,
  imageBase64,
  loadStudentModel,
  lossCurveFigure,
  ModelLoadError,
  say,
  shapeText,
  uint8Image,
  valuesBase64,
  type CurveSettings,
  type ReferenceCurve,
  type Text,
} from '../mnist-mlp/student-models';
// Type-only: never loaded here, but it puts probes.ts in the build, which the runner loads.
import type { probes } from './probes';

type ProbeName = keyof typeof probes;
const BUILD: ProbeName = 'build';
const TRAIN: ProbeName = 'train';

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
const BANDS = {
  pass: { threshold: SETTINGS.mse.pass, points: 2 },
  good: { threshold: SETTINGS.mse.good, points: 1.5 },
  denoised: { threshold: SETTINGS.denoised, points: 2 },
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
}

/** Trains an autoencoder (once per grading and noise setting) and measures it on the test split. */
function trained(ctx: TestContext, noise: number | undefined): Promise<Measured> {
  return ctx.shared(`train:${noise ?? 'none'}`, async () => {
    const data = await loadMnist();
    const trainSamples = Math.min(data.train.count, SETTINGS.trainLimit);
    // SECURITY: only the training split crosses into the runner.
    const train = toPlain(sliceDataset(data.train, 0, trainSamples));
    const raw = await ctx.probe(TRAIN, train, SETTINGS.bottleneck, SETTINGS.epochs, SETTINGS.seed, noise ?? null);
    const parsed = TrainReportSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`the training probe sent a malformed report: ${parsed.error.message}`);
    const encoder = await loadStudentModel(parsed.data.encoder, `the trained encoder (bottleneck ${SETTINGS.bottleneck})`);
    try {
      const decoder = await loadStudentModel(parsed.data.decoder, `the trained decoder (bottleneck ${SETTINGS.bottleneck})`);
      try {
        const t = await testImages();
        const pixels = 28 * 28;
        const fromClean = reconstruct(encoder, decoder, t.clean, t.count, pixels, SETTINGS.bottleneck);
        const fromNoisy = reconstruct(encoder, decoder, t.noisy, t.count, pixels, SETTINGS.bottleneck);
        const pictures = Array.from({ length: Math.min(PICTURES, t.count) }, (_, i) => ({
          original: imageBase64(t.test, i),
          ...(noise !== undefined ? { noisy: valuesBase64(t.noisy.subarray(i * pixels, (i + 1) * pixels)) } : {}),
          output: valuesBase64((noise !== undefined ? fromNoisy : fromClean).subarray(i * pixels, (i + 1) * pixels)),
        }));
        return {
          report: parsed.data,
          cleanMse: mse(fromClean, t.clean),
          noisyMse: mse(fromNoisy, t.clean),
          pictures,
          dataset: data.name,
          trainSamples,
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
  if (!parsed.success || parsed.data.length !== BOTTLENECKS.length) throw new Error('the build probe sent a malformed report');
  const problems: Text[] = [];
  for (const [i, b] of BOTTLENECKS.entries()) {
    const encoder = await loadStudentModel(parsed.data[i].encoder, `buildAutoencoder(${b}).encoder`);
    try {
      const decoder = await loadStudentModel(parsed.data[i].decoder, `buildAutoencoder(${b}).decoder`);
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
  if (!parsed.success || parsed.data.length !== 1) throw new Error('the build probe sent a malformed report');
  const decoder = await loadStudentModel(parsed.data[0].decoder, `buildAutoencoder(${b}).decoder`);
  try {
    // Codes of the size the decoder takes (the shape test judges whether that is the bottleneck).
    const width = decoder.inputs[0]?.shape.length === 2 ? (decoder.inputs[0].shape[1] ?? b) : b;
    const codes = ctx.rng.normals(256 * width, 5);
    let values: Float32Array;
    try {
      values = tf.tidy(() => (decoder.predict(tf.tensor2d(codes, [256, width])) as tf.Tensor).toFloat().dataSync() as Float32Array);
    } catch (err) {
      throw new ModelLoadError({
        en: `buildAutoencoder(${b}).decoder cannot take codes [256, ${width}]: ${(err as Error).message?.split('\n')[0] ?? String(err)}`,
        ru: `buildAutoencoder(${b}).decoder не принимает коды [256, ${width}]: ${(err as Error).message?.split('\n')[0] ?? String(err)}`,
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
      en: `${text.en}: above ${limit}. With options.noise, add N(0, noise²) to every input pixel, clip to [0, 1], and train to output the CLEAN image.`,
      ru: `${text.ru}: больше ${limit}. При options.noise прибавляйте N(0, noise²) к каждому пикселю входа, обрезайте до [0, 1] и учите выдавать ЧИСТОЕ изображение.`,
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
  const why: Text = same
    ? {
        en: 'the two trainings gave the same model: options.noise is ignored. Add N(0, noise²) to the inputs only; the target stays the clean image.',
        ru: 'оба обучения дали одну и ту же модель: options.noise не используется. Прибавляйте N(0, noise²) только ко входу; цель — чистое изображение.',
      }
    : noisy.noisyMse > plain.noisyMse
      ? {
          en: 'training with noise made it worse: it seems to learn to reproduce the noisy input. The noise goes into the input only; the target must be the clean image.',
          ru: 'обучение с шумом сделало только хуже: похоже, сеть учится воспроизводить зашумлённый вход. Шум добавляется только ко входу; цель — чистое изображение.',
        }
      : {
          en: 'the noise barely helps: is it as strong as options.noise says (a standard deviation, added to pixels in [0, 1])?',
          ru: 'шум почти не помогает: такой ли он силы, как сказано в options.noise (стандартное отклонение, прибавляемое к пикселям в [0, 1])?',
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
  limits: { totalMs: 2 * SETTINGS.trainBudgetMs + 60_000, testMs: 30_000, heapMb: 2048 },
  tolerance: { rtol: 1e-4, atol: 1e-4 },
  dataset: async () => (await loadMnist()).name,
  tests: [
    {
      name: 'encoder [28, 28, 1] → [bottleneck], decoder [bottleneck] → [28, 28, 1]',
      points: 1.5,
      visibility: 'visible',
      run: (ctx) => guarded(ctx, () => shapes(ctx)),
    },
    {
      name: "the decoder's output lies in [0, 1]",
      points: 1,
      visibility: 'visible',
      run: (ctx) => guarded(ctx, () => outputRange(ctx)),
    },
    {
      name: 'train() reports a falling loss once per epoch',
      points: 1,
      visibility: 'visible',
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => lossCurve(ctx)),
    },
    {
      name: `reconstruction error at most ${SETTINGS.mse.pass}`,
      points: BANDS.pass.points,
      visibility: 'visible',
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => reconstruction(ctx, BANDS.pass, true, [BANDS.pass])),
    },
    {
      name: `reconstruction error at most ${SETTINGS.mse.good}`,
      points: BANDS.good.points,
      visibility: 'hidden',
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => reconstruction(ctx, BANDS.good, false, [BANDS.pass, BANDS.good])),
    },
    {
      name: `denoising: error at most ${SETTINGS.denoised} from noisy images`,
      points: BANDS.denoised.points,
      visibility: 'hidden',
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => denoising(ctx)),
    },
    {
      name: 'training with noise denoises better than training without',
      points: 1,
      visibility: 'hidden',
      timeoutMs: SETTINGS.trainBudgetMs,
      run: (ctx) => guarded(ctx, () => denoisingGain(ctx)),
    },
  ],
});

/** For tests and tests/tools: the hidden test images and the measurement the band tests make. */
export const internals = { testImages, reconstruct, mse };
