/**
 * Grading of an MNIST classifier (mnist-mlp, and mnist-cnn with its architecture rules): the
 * student's buildModel() and train() run in the runner on the training split; the trained
 * model comes back as artifacts and is evaluated here, in the trusted process, on the hidden
 * test split (whose labels never leave this process). Points come in accuracy bands, one test
 * per band, calibrated with the reference (see each assignment's README).
 *
 * The training runs once per grading (ctx.shared): the loss-curve, band and leak tests all
 * judge the same trained model.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { formatNumber } from '../../grader/compare/format';
import { loadMnist, sliceDataset, testImagesOnly, toPlain, type Dataset } from '../../grader/data';
import type { FigureInput } from '../../grader/report/figures';
import { defineAssignment, type AssignmentSpec, type Requirement, type TestContext, type TestSpec, type TestVerdict, type Visibility } from '../../grader/spec/assignment-spec';
// Type-only: never loaded here, but it puts probes.ts in the build, which the runner loads.
import type { probes } from './probes';
import { notCredited } from '../../grader/spec/credit';
import { count, NOUNS } from '../../grader/util/plural';
import {
  allLayers,
  findReferenceCurve,
  finiteOrNull,
  imageBase64,
  judgeStudentModel,
  layerSummary,
  lossCurveFigure,
  ModelLoadError,
  predictAll,
  predictImages,
  say,
  shapeText,
  trainableParams,
  uint8Image,
  type CurveSettings,
  type InspectableLayer,
  type InspectableModel,
  type JudgedModel,
  type ReferenceCurve,
  type Text,
} from './student-models';

type ProbeName = keyof typeof probes;
const BUILD: ProbeName = 'build';
const TRAIN: ProbeName = 'train';
const ONCE: ProbeName = 'once';

export interface Band {
  /** Test accuracy needed, in [0, 1]. */
  threshold: number;
  points: number;
  visibility: Visibility;
}

export interface ClassifierConfig {
  id: string;
  title: string;
  /** Epochs passed to train(). */
  epochs: number;
  /** The seed passed to train(). */
  seed: number;
  /** train() sees the first min(count, trainLimit) images of the training split. */
  trainLimit: number;
  /** Wall time allowed for train() (the training budget). */
  trainBudgetMs: number;
  bands: Band[];
  /** mnist-cnn: a learned convolution (see CONV_LAYERS) and at most this many trainable parameters. */
  convRule?: { maxTrainableParams: number; points: number };
  points: { architecture: number; lossCurve: number; reproducible: number; leaks: number };
  /** The probes module, relative to the assignment folder; default 'probes.ts'. */
  probes?: string;
}

// ---------------------------------------------------------------------------------------------
// What the probes send back (untrusted: parsed, never cast).

// A diverging student's loss is NaN: that is a verdict to give, not a malformed report.
const EpochSchema = z.object({ epoch: z.union([z.number(), z.nan()]).nullable(), loss: z.union([z.number(), z.nan()]).nullable(), tensors: z.number(), ms: z.number() });
const TrainReportSchema = z.object({
  model: z.unknown(),
  epochs: z.array(EpochSchema).max(1000),
  tensorsBefore: z.number(),
  tensorsAfter: z.number(),
  weightTensors: z.number(),
  ms: z.number(),
  /** How many times onEpochEnd was called in the short run (SHORT_EPOCHS epochs), when it ran. */
  shortEpochs: z.number().optional(),
});
type TrainReport = z.infer<typeof TrainReportSchema>;
const FeedSchema = z.object({
  wrapped: z.boolean(),
  refused: z.boolean().optional(),
  order: z.array(z.number().int()).max(1_000_000),
  extra: z.number(),
  boundaries: z.array(z.number()).max(100_000),
  largestCall: z.number(),
});
type Feed = z.infer<typeof FeedSchema>;
const OnceSchema = z.object({
  model: z.unknown(),
  epochs: z.array(EpochSchema).max(1000),
  feed: FeedSchema.optional(),
});


// ---------------------------------------------------------------------------------------------
// The requirements of the statement (README.md), which the tests name.

function requirementsOf(config: ClassifierConfig): Requirement[] {
  const list: Requirement[] = [
    {
      id: 'model-io',
      text: {
        en: 'buildModel() returns a tf.LayersModel (tf.sequential or tf.model) whose input is an image [28, 28, 1] and whose output is 10 logits: the last layer is linear (no softmax, sigmoid or ReLU).',
        ru: 'buildModel() возвращает tf.LayersModel (tf.sequential или tf.model) со входом — изображением [28, 28, 1] — и выходом из 10 логитов: последний слой линейный (без softmax, sigmoid или ReLU).',
      },
    },
    {
      id: 'built-in-layers',
      text: {
        en: "The model is made of TF.js's built-in layers only: custom layer classes (tf.serialization.registerClass) are not supported, since the grader loads the model in a process of its own.",
        ru: 'Модель состоит только из встроенных слоёв TF.js: собственные классы слоёв (tf.serialization.registerClass) не поддерживаются — проверка загружает модель в отдельном процессе.',
      },
    },
  ];
  if (config.convRule !== undefined) {
    const max = config.convRule.maxTrainableParams;
    list.push(
      {
        id: 'convolutional',
        text: {
          en: 'The model is convolutional: at least one learned spatial convolution (tf.layers.conv2d, separableConv2d, depthwiseConv2d or conv2dTranspose) with a kernel larger than 1×1 and at least 4 filters.',
          ru: 'Модель свёрточная: хотя бы одна обучаемая пространственная свёртка (tf.layers.conv2d, separableConv2d, depthwiseConv2d или conv2dTranspose) с ядром больше 1×1 и не менее чем 4 фильтрами.',
        },
      },
      {
        id: 'param-limit',
        text: {
          en: `The model has at most ${max.toLocaleString('en-US')} trainable parameters.`,
          ru: `У модели не больше ${max.toLocaleString('ru-RU')} обучаемых параметров.`,
        },
      },
    );
  }
  list.push(
    {
      id: 'learns',
      text: {
        en: 'train() minimizes the softmax cross-entropy of the logits, with an optimizer step per batch, on pixels scaled to [0, 1], so that the trained model classifies the hidden test images (the accuracy bands).',
        ru: 'train() минимизирует softmax-кросс-энтропию логитов, делая шаг оптимизатора на каждом батче, на пикселях, приведённых к [0, 1], так что обученная модель классифицирует скрытые тестовые изображения (пороги точности).',
      },
    },
    {
      id: 'epochs',
      text: {
        en: 'train() trains for options.epochs epochs (one pass over the data each), not a fixed number of them.',
        ru: 'train() обучает options.epochs эпох (каждая — один проход по данным), а не фиксированное их число.',
      },
    },
    {
      id: 'epoch-report',
      text: {
        en: "train() calls options.onEpochEnd(epoch, loss) once at the end of every epoch, with the epoch's number counted from 0 and loss the mean training loss of that epoch (averaged over its samples or batches, not summed).",
        ru: 'train() вызывает options.onEpochEnd(epoch, loss) один раз в конце каждой эпохи: номер эпохи считается с 0, loss — средняя потеря на обучении за эту эпоху (усреднённая по примерам или батчам, а не сумма).',
      },
    },
    {
      id: 'seeded',
      text: {
        en: 'Training is reproducible: every initializer is seeded and the shuffle is seeded by options.seed and the epoch, so the same seed gives the same model.',
        ru: 'Обучение воспроизводимо: у каждого инициализатора есть зерно, перемешивание задаётся options.seed и номером эпохи, так что одно и то же зерно даёт одну и ту же модель.',
      },
    },
    {
      id: 'shuffle-per-epoch',
      text: {
        en: 'Every epoch passes over every training sample once, in a new order each epoch (the shuffle seeded by options.seed and the epoch), not the file order nor one order shuffled once and repeated; the images are fed as they are, scaled to [0, 1] (no augmentation), so that the order can be checked.',
        ru: 'Каждая эпоха проходит по каждому обучающему примеру один раз, в новом порядке на каждой эпохе (перемешивание с зерном из options.seed и номера эпохи), а не в порядке файла и не в одном порядке, перемешанном один раз и повторяемом; изображения подаются как есть, приведёнными к [0, 1] (без аугментации), чтобы порядок можно было проверить.',
      },
    },
    {
      id: 'no-leaks',
      text: {
        en: "train() frees what it allocates: no tensors pile up per batch (the optimizer's state may remain).",
        ru: 'train() освобождает то, что выделяет: тензоры не копятся от батча к батчу (состояние оптимизатора может остаться).',
      },
    },
  );
  return list;
}

/** What a test that needs a loadable (and, for mnist-cnn, rule-abiding) model also grades: it is not graded without one. */
function gated(config: ClassifierConfig, ...ids: string[]): string[] {
  return [...ids, 'built-in-layers', ...(config.convRule !== undefined ? ['convolutional', 'param-limit'] : [])];
}

/** A failure that ends a test with this verdict. */
class Stop extends Error {
  constructor(readonly text: Text) {
    super(text.en);
  }
}

function verdictOf(ctx: TestContext, err: unknown): TestVerdict {
  if (err instanceof Stop || err instanceof ModelLoadError) return { passed: false, output: say(ctx.lang, err.text) };
  throw err;
}

async function guarded(ctx: TestContext, body: () => Promise<TestVerdict>): Promise<TestVerdict> {
  try {
    return await body();
  } catch (err) {
    return verdictOf(ctx, err);
  }
}

/** A mean loss this high at the end of training is a network that did not learn (ln 10 − a little). */
const STUCK_LOSS = 2.2;

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

// ---------------------------------------------------------------------------------------------
// Architecture.

interface Architecture {
  summary: string;
  trainable: number;
  /** The untrained model could not be loaded here (a custom layer class…): nothing else is graded. */
  loadError?: Text;
  /** Problems with input, output or logits (all assignments). */
  problems: Text[];
  /** Problems with the convolution rule (mnist-cnn); training is not graded when there are some. */
  convProblems: Text[];
}

/** Layers that are learned spatial convolutions, and how many output channels (filters) each has. */
const CONV_LAYERS: Record<string, (config: Record<string, unknown>, outputChannels: number | null) => number | null> = {
  Conv2D: (c) => (typeof c.filters === 'number' ? c.filters : null),
  SeparableConv2D: (c) => (typeof c.filters === 'number' ? c.filters : null),
  Conv2DTranspose: (c) => (typeof c.filters === 'number' ? c.filters : null),
  DepthwiseConv2D: (_c, out) => out,
};
const MIN_FILTERS = 4;

/** Layers that do nothing at inference or only reshape: the output's activation is that of the layer before them. */
const PASS_THROUGH = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Reshape', 'Flatten']);
const ACTIVATION_LAYERS: Record<string, string> = { Softmax: 'softmax', ReLU: 'relu', LeakyReLU: 'leakyReLU', ELU: 'elu', ThresholdedReLU: 'thresholdedReLU', PReLU: 'prelu' };

/** The activation the model's output goes through last ('linear' when none), or null when it cannot tell. */
function outputActivation(model: InspectableModel): string | null {
  const outputLayers = (model as unknown as { outputLayers?: tf.layers.Layer[] }).outputLayers;
  let layer: InspectableLayer | undefined = outputLayers?.[0] ?? model.layers[model.layers.length - 1];
  for (let guard = 0; layer !== undefined && guard < 100; guard++) {
    const inner: tf.layers.Layer[] | undefined = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (Array.isArray(inner) && inner.length > 0) {
      layer = inner[inner.length - 1];
      continue;
    }
    const name = layer.getClassName();
    if (ACTIVATION_LAYERS[name] !== undefined) return ACTIVATION_LAYERS[name];
    if (PASS_THROUGH.has(name)) {
      const inbound: Array<{ inboundLayers?: tf.layers.Layer[] }> | undefined = (layer as unknown as { inboundNodes?: Array<{ inboundLayers?: tf.layers.Layer[] }> }).inboundNodes;
      const previous: tf.layers.Layer | undefined = inbound?.[0]?.inboundLayers?.[0];
      if (previous === undefined || previous.getClassName() === 'InputLayer') return 'linear';
      layer = previous;
      continue;
    }
    const activation = (layer.getConfig() as { activation?: unknown }).activation;
    return typeof activation === 'string' ? activation : 'linear';
  }
  return null;
}

function outputActivationProblem(activation: string | null): Text | null {
  if (activation === null || activation === 'linear') return null;
  if (activation === 'softmax') {
    return {
      en: "the last layer applies softmax: the model must output logits (like the lecture's nn.Linear(100, 10)); tf.losses.softmaxCrossEntropy applies softmax itself, as nn.CrossEntropyLoss does.",
      ru: 'последний слой применяет softmax: модель должна выдавать логиты (как nn.Linear(100, 10) в лекции); tf.losses.softmaxCrossEntropy сама применяет softmax, как и nn.CrossEntropyLoss.',
    };
  }
  return {
    en: `the last layer applies the activation '${activation}': logits are the output of a linear layer (like the lecture's nn.Linear(100, 10)), any real number. Remove the activation from the last layer (tf.layers.dense({units: 10}) with no activation); tf.losses.softmaxCrossEntropy applies softmax itself.`,
    ru: `последний слой применяет активацию '${activation}': логиты — выход линейного слоя (как nn.Linear(100, 10) в лекции), любые вещественные числа. Уберите активацию из последнего слоя (tf.layers.dense({units: 10}) без activation); tf.losses.softmaxCrossEntropy сама применяет softmax.`,
  };
}

/** What breaks mnist-cnn's rules: no learned spatial convolution (see CONV_LAYERS), too many trainable parameters. */
function convRuleProblems(model: InspectableModel, max: number): Text[] {
  const convProblems: Text[] = [];
  const trainable = trainableParams(model);
  const convs = allLayers(model).filter((l) => CONV_LAYERS[l.getClassName()] !== undefined);
  const described = convs.map((l) => {
    const c = l.getConfig() as Record<string, unknown>;
    const shape = l.outputShape as Array<number | null>;
    const out = Array.isArray(shape) && typeof shape[shape.length - 1] === 'number' ? (shape[shape.length - 1] as number) : null;
    const kernel = Array.isArray(c.kernelSize) ? (c.kernelSize as number[]) : typeof c.kernelSize === 'number' ? [c.kernelSize, c.kernelSize] : [];
    const filters = CONV_LAYERS[l.getClassName()](c, out);
    const spatial = kernel.length > 0 && kernel.reduce((a, b) => a * b, 1) > 1;
    return { name: `${l.getClassName()} ${kernel.join('×')}, ${filters ?? '?'} filter${filters === 1 ? '' : 's'}`, ok: spatial && filters !== null && filters >= MIN_FILTERS };
  });
  if (convs.length === 0) {
    convProblems.push({
      en: "the model has no convolutional layer (tf.layers.conv2d, separableConv2d, depthwiseConv2d or conv2dTranspose): this exercise is the convolutional network of the lecture's section 5.",
      ru: 'в модели нет свёрточного слоя (tf.layers.conv2d, separableConv2d, depthwiseConv2d или conv2dTranspose): это упражнение — свёрточная сеть из раздела 5 лекции.',
    });
  } else if (!described.some((d) => d.ok)) {
    const list = described.map((d) => d.name).join('; ');
    convProblems.push({
      en: `the model's convolutions (${list}) are token ones: a convolutional network needs at least one learned spatial convolution, with a kernel larger than 1×1 (3×3 or 5×5, as in the lecture) and at least ${MIN_FILTERS} filters. A 1×1 convolution with one filter mixes nothing in space: the rest is a fully connected network.`,
      ru: `свёртки модели (${list}) — формальные: свёрточной сети нужна хотя бы одна обучаемая пространственная свёртка с ядром больше 1×1 (3×3 или 5×5, как в лекции) и не менее чем ${MIN_FILTERS} фильтрами. Свёртка 1×1 с одним фильтром ничего не смешивает в пространстве: остальное — полносвязная сеть.`,
    });
  }
  if (trainable > max) {
    convProblems.push({
      en: `the model has ${trainable.toLocaleString('en-US')} trainable parameters, more than the ${max.toLocaleString('en-US')} allowed. The dense layer after Flatten is usually the culprit: pool more (tf.layers.maxPooling2d) or use fewer filters before it.`,
      ru: `у модели ${trainable.toLocaleString('ru-RU')} обучаемых параметров, больше разрешённых ${max.toLocaleString('ru-RU')}. Обычно виноват полносвязный слой после Flatten: уменьшите карту признаков пулингом (tf.layers.maxPooling2d) или возьмите меньше фильтров перед ним.`,
    });
  }
  return convProblems;
}

function architecture(ctx: TestContext, config: ClassifierConfig): Promise<Architecture> {
  return ctx.shared('architecture', async () => {
    let model: JudgedModel;
    try {
      model = await judgeStudentModel(ctx, await ctx.probe(BUILD), 'buildModel()');
    } catch (err) {
      if (err instanceof ModelLoadError) return { summary: '', trainable: 0, loadError: err.text, problems: [], convProblems: [] };
      throw err;
    }
    try {
      const problems: Text[] = [];
      const input = model.inputs.map((i) => i.shape);
      const output = model.outputs.map((o) => o.shape);
      if (input.length !== 1 || shapeText(input[0]) !== '[null, 28, 28, 1]') {
        problems.push({
          en: `the model's input is ${input.map(shapeText).join(', ')}, expected [null, 28, 28, 1]: images as mnist-loader gives them (put a tf.layers.flatten() first if your layers want vectors, the lecture's x.view(BATCH_SIZE, -1)).`,
          ru: `вход модели ${input.map(shapeText).join(', ')}, ожидался [null, 28, 28, 1]: изображения в том виде, в каком их даёт mnist-loader (если слоям нужны векторы, поставьте первым tf.layers.flatten() — это x.view(BATCH_SIZE, -1) из лекции).`,
        });
      }
      if (output.length !== 1 || shapeText(output[0]) !== '[null, 10]') {
        problems.push({
          en: `the model's output is ${output.map(shapeText).join(', ')}, expected [null, 10]: one logit per class.`,
          ru: `выход модели ${output.map(shapeText).join(', ')}, ожидался [null, 10]: по логиту на класс.`,
        });
      }
      const activationProblem = outputActivationProblem(outputActivation(model));
      if (activationProblem !== null) {
        problems.push(activationProblem);
      } else if (problems.length === 0) {
        const test = (await loadMnist()).test;
        const probe = { ...testImagesOnly(test), count: Math.min(64, test.count) };
        probe.images = probe.images.subarray(0, probe.count * probe.rows * probe.cols);
        const { values } = await predictImages(model, probe, 'buildModel()');
        let probabilities = true;
        for (let r = 0; r < probe.count && probabilities; r++) {
          let sum = 0;
          for (let c = 0; c < 10; c++) {
            const v = values[r * 10 + c];
            if (!(v >= 0 && v <= 1)) probabilities = false;
            sum += v;
          }
          if (Math.abs(sum - 1) > 1e-3) probabilities = false;
        }
        const nonNegative = values.every((v) => v >= 0) && values.some((v) => v > 0);
        if (!values.every(Number.isFinite)) {
          problems.push({ en: 'the untrained model outputs NaN or Infinity.', ru: 'необученная модель выдаёт NaN или Infinity.' });
        } else if (probabilities) {
          problems.push({
            en: 'every output row is a probability distribution (non-negative, summing to 1): the model ends in a softmax. It must output logits; tf.losses.softmaxCrossEntropy applies softmax itself.',
            ru: 'каждая строка выхода — распределение вероятностей (неотрицательные, в сумме 1): модель заканчивается softmax. Она должна выдавать логиты; tf.losses.softmaxCrossEntropy сама применяет softmax.',
          });
        } else if (nonNegative) {
          problems.push({
            en: `none of the ${values.length} outputs of the untrained model on ${probe.count} images is negative: the output goes through an activation (ReLU, sigmoid…). Logits are the output of a linear layer, any real number; remove the activation at the end.`,
            ru: `ни один из ${values.length} выходов необученной модели на ${probe.count} изображениях не отрицателен: выход проходит через активацию (ReLU, sigmoid…). Логиты — выход линейного слоя, любые вещественные числа; уберите активацию в конце.`,
          });
        }
      }
      const trainable = trainableParams(model);
      const convProblems = config.convRule !== undefined ? convRuleProblems(model, config.convRule.maxTrainableParams) : [];
      return { summary: layerSummary(model), trainable, problems, convProblems };
    } finally {
      model.dispose();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Training (once per grading) and the evaluation on the hidden test split.

interface Evaluation {
  accuracy: number;
  count: number;
  confusion: number[][];
  misclassified: Array<{ index: number; label: number; predicted: number; image: string }>;
  /** The most frequent confusion, label → predicted. */
  worst: { label: number; predicted: number; times: number } | null;
}

interface Trained {
  report: TrainReport;
  evaluation: Evaluation;
  dataset: string;
  trainSamples: number;
  /** The hidden test split's image size (its labels stay in `evaluation`). */
  test: Pick<Dataset, 'rows' | 'cols'>;
  /**
   * The trained model's mean softmax cross-entropy on (the first TRAIN_LOSS_SAMPLES of) the
   * training images it saw, pixels / 255: what the last epoch's reported mean loss must be near.
   */
  trainLoss: number;
}

const TRAIN_LOSS_SAMPLES = 2_000;
/** The short run after the main training: another number of epochs than config.epochs, on a few images. */
const SHORT_EPOCHS = 1;
const SHORT_SAMPLES = 500;

/**
 * How the classes are relabelled for the student's training: digit c is presented with label
 * order[c]. A permutation per commit (the hidden-inputs key): weights trained elsewhere, on
 * MNIST as it is, and shipped in the 64 KiB of source predict the wrong class here, while a
 * model trained on what it is given learns these labels as easily as the real ones. The
 * model's outputs are read back in the digits' order, so every figure and message speaks of
 * the real digits. Without a key (the student kit) the order is fixed.
 */
function classOrder(ctx: TestContext): number[] {
  return ctx.submissionRng('class-order').permutation(10);
}

/** `ds` with every label c replaced by order[c]. */
function relabelled(ds: Dataset, order: readonly number[]): Dataset {
  return { ...ds, labels: Uint8Array.from(ds.labels, (c) => order[c] ?? c) };
}

/** Outputs trained on relabelled classes, read in the digits' order: column c is the logit of label order[c]. */
function inDigitOrder(out: { values: Float32Array; shape: number[] }, order: readonly number[]): { values: Float32Array; shape: number[] } {
  const classes = out.shape[out.shape.length - 1];
  if (classes !== order.length) return out;
  const values = new Float32Array(out.values.length);
  for (let r = 0; r < out.values.length / classes; r++) for (let c = 0; c < classes; c++) values[r * classes + c] = out.values[r * classes + order[c]];
  return { values, shape: out.shape };
}

/** The mean softmax cross-entropy of a model's logits against labels (NaN when the outputs are not finite). */
async function meanCrossEntropy(model: JudgedModel, data: Dataset, order: readonly number[]): Promise<number> {
  const { values } = inDigitOrder(await predictImages(model, testImagesOnly(data), 'the trained model'), order);
  let sum = 0;
  for (let i = 0; i < data.count; i++) {
    const row = values.subarray(i * 10, i * 10 + 10);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    sum += max + Math.log(z) - row[data.labels[i]];
  }
  return sum / data.count;
}

/** The train() call as the student reads it in messages. */
function trainCall(epochs: number, seed: number): string {
  return `train(model, data, {epochs: ${epochs}, seed: ${seed}, onEpochEnd})`;
}

function evaluate(model: tf.LayersModel, test: Dataset): Evaluation {
  return evaluateOutputs(predictAll(model, testImagesOnly(test), 'the trained model'), test);
}

/** The evaluation of a model's outputs on the test split ({values, shape} as predictAll gives them). */
function evaluateOutputs({ values, shape }: { values: Float32Array; shape: number[] }, test: Dataset): Evaluation {
  if (shape.length !== 2 || shape[1] !== 10) {
    throw new ModelLoadError({
      en: `the trained model outputs ${shapeText(shape)} for ${test.count} images, expected [${test.count}, 10].`,
      ru: `обученная модель выдаёт ${shapeText(shape)} для ${test.count} изображений, ожидалось [${test.count}, 10].`,
    });
  }
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const misclassified: Evaluation['misclassified'] = [];
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (values[i * 10 + c] > values[i * 10 + best]) best = c;
    const label = test.labels[i];
    confusion[label][best]++;
    if (best === label) correct++;
    else if (misclassified.length < 12) misclassified.push({ index: i, label, predicted: best, image: imageBase64(test, i) });
  }
  let worst: Evaluation['worst'] = null;
  for (let l = 0; l < 10; l++) {
    for (let p = 0; p < 10; p++) if (l !== p && confusion[l][p] > (worst?.times ?? 0)) worst = { label: l, predicted: p, times: confusion[l][p] };
  }
  return { accuracy: correct / test.count, count: test.count, confusion, misclassified, worst };
}

/** The settings a recorded reference curve must have been trained with to be shown (reference-curve.json). */
export function referenceSettings(config: ClassifierConfig, trainSamples: number): CurveSettings {
  return { epochs: config.epochs, seed: config.seed, trainSamples };
}

function referenceCurve(config: ClassifierConfig, t: Trained): ReferenceCurve | undefined {
  return findReferenceCurve(config.id, t.dataset, referenceSettings(config, t.trainSamples));
}

/**
 * The accuracy against the bands that give points. A visible test shows only the visible
 * bands: the thresholds of hidden tests are not told before the release.
 */
function bandsFigure(config: ClassifierConfig, band: Band, accuracy: number, reference: ReferenceCurve | undefined): FigureInput {
  const shown = config.bands.filter((b) => band.visibility === 'hidden' || b.visibility === 'visible');
  const referenceAccuracy = reference?.test.accuracy;
  return {
    kind: 'bands',
    metric: 'accuracy',
    value: finiteOrNull(accuracy),
    better: 'higher',
    bands: shown.map((b) => ({ threshold: b.threshold, points: b.points })),
    ...(referenceAccuracy !== undefined ? { reference: referenceAccuracy } : {}),
  };
}

/** The confusion matrix and the misclassified digits, as figures. */
function evaluationFigures(e: Evaluation, test: Pick<Dataset, 'rows' | 'cols'>): FigureInput[] {
  return [
    { kind: 'confusion', labels: Array.from({ length: 10 }, (_, i) => String(i)), matrix: e.confusion },
    {
      kind: 'misclassified',
      items: e.misclassified.slice(0, 24).map((m) => ({ image: uint8Image(m.image, test.cols, test.rows), label: m.label, predicted: m.predicted })),
    },
  ];
}

function trained(ctx: TestContext, config: ClassifierConfig): Promise<Trained> {
  return ctx.shared('trained', async () => {
    const data = await loadMnist();
    const trainSamples = Math.min(data.train.count, config.trainLimit);
    const order = classOrder(ctx);
    // SECURITY: only the training split crosses into the runner, its classes relabelled.
    const train = toPlain(relabelled(sliceDataset(data.train, 0, trainSamples), order));
    // The engine names the student's export that threw or ran out of time (buildModel or train).
    const parsed = TrainReportSchema.safeParse(await ctx.probe(TRAIN, train, config.epochs, config.seed, SHORT_EPOCHS, SHORT_SAMPLES));
    if (!parsed.success) throw new Error(`the training probe sent a malformed report: ${parsed.error.message}`);
    const model = await judgeStudentModel(ctx, parsed.data.model, 'the trained model');
    try {
      return {
        report: parsed.data,
        evaluation: evaluateOutputs(inDigitOrder(await predictImages(model, testImagesOnly(data.test), 'the trained model'), order), data.test),
        dataset: data.name,
        trainSamples,
        test: { rows: data.test.rows, cols: data.test.cols },
        trainLoss: await meanCrossEntropy(model, sliceDataset(data.train, 0, Math.min(trainSamples, TRAIN_LOSS_SAMPLES)), order),
      };
    } finally {
      model.dispose();
    }
  });
}

/** A multiple of the usual batch sizes (32, 64, 128, 256): a correct epoch feeds every image, with no partial last batch to drop. */
const REPRO_SAMPLES = 512;
/** Twice chance (10 classes): below it the main training taught the model nothing, and there is nothing to reproduce. */
const TRAINED_ACCURACY = 0.2;
/** The epochs of the reproducibility runs: two, so the order of the batches can be compared between epochs. */
const REPRO_EPOCHS = 2;

interface Twice {
  a: unknown;
  b: unknown;
  epochsA: TrainReport['epochs'];
  epochsB: TrainReport['epochs'];
  feed?: Feed;
  samples: number;
}

/**
 * Two trainings with the same seed on a small slice (shared by the loss-curve and reproducibility
 * tests), each in a runner of its own: a submission that memoises its first training in module
 * state has nothing to replay in the second.
 */
function twice(ctx: TestContext, config: ClassifierConfig): Promise<Twice> {
  return ctx.shared('twice', async () => {
    const data = await loadMnist();
    const train = toPlain(relabelled(sliceDataset(data.train, 0, Math.min(REPRO_SAMPLES, data.train.count)), classOrder(ctx)));
    const run = async () => {
      const parsed = OnceSchema.safeParse(await ctx.probeInFreshRunner(ONCE, train, REPRO_EPOCHS, config.seed + 1));
      if (!parsed.success) throw new Error('the reproducibility probe sent a malformed report');
      return parsed.data;
    };
    const a = await run();
    const b = await run();
    return { a: a.model, b: b.model, epochsA: a.epochs, epochsB: b.epochs, feed: a.feed, samples: train.count };
  });
}

const ARCHITECTURE_TEST = 'buildModel(): input [28, 28, 1], 10 logits';

/**
 * Stops a test that needs a trained model when the grader cannot load the model (a custom layer
 * class…) or, in mnist-cnn, the model breaks the convolution rules: nothing is trained then.
 */
async function gate(ctx: TestContext, config: ClassifierConfig): Promise<void> {
  const arch = await architecture(ctx, config);
  if (arch.loadError !== undefined) {
    throw new Stop({
      en: `not graded, and the model was not trained: the grader cannot load the model buildModel() returns (see the test '${ARCHITECTURE_TEST}').`,
      ru: `не оценивается, модель не обучалась: проверка не может загрузить модель, которую возвращает buildModel() (см. тест '${ARCHITECTURE_TEST}').`,
    });
  }
  if (config.convRule === undefined) return;
  if (arch.convProblems.length > 0) {
    const rule = convRuleName(config.convRule.maxTrainableParams);
    throw new Stop({
      en: `not graded, and the model was not trained: it breaks the rules of this exercise (see the test '${rule}').`,
      ru: `не оценивается, модель не обучалась: она нарушает условия упражнения (см. тест '${rule}').`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The tests.

function architectureTest(config: ClassifierConfig): TestSpec {
  return {
    name: ARCHITECTURE_TEST,
    points: config.points.architecture,
    visibility: 'visible',
    requirements: ['model-io', 'built-in-layers'],
    run: (ctx) =>
      guarded(ctx, async () => {
        const arch = await architecture(ctx, config);
        if (arch.loadError !== undefined) {
          return {
            passed: false,
            output: `${say(ctx.lang, arch.loadError)}\n${say(ctx.lang, {
              en: 'Until this is fixed, the other tests do not train the model and give no points.',
              ru: 'Пока это не исправлено, остальные тесты не обучают модель и не дают баллов.',
            })}`,
          };
        }
        if (arch.problems.length > 0) {
          return {
            passed: false,
            output: `buildModel(): ${arch.summary}\n${arch.problems.map((p) => `- ${say(ctx.lang, p)}`).join('\n')}`,
          };
        }
        return {
          passed: true,
          output: say(ctx.lang, {
            en: `buildModel(): ${arch.summary}; input [null, 28, 28, 1], 10 logits.`,
            ru: `buildModel(): ${arch.summary}; вход [null, 28, 28, 1], 10 логитов.`,
          }),
          details: { layers: arch.summary, trainableParams: arch.trainable },
        };
      }),
  };
}

function convRuleName(max: number): string {
  return `a convolutional layer and at most ${max.toLocaleString('en-US')} trainable parameters`;
}

function convRuleTest(config: ClassifierConfig, rule: NonNullable<ClassifierConfig['convRule']>): TestSpec {
  const max = rule.maxTrainableParams;
  return {
    name: convRuleName(max),
    points: rule.points,
    visibility: 'visible',
    requirements: ['convolutional', 'param-limit', 'built-in-layers'],
    run: (ctx) =>
      guarded(ctx, async () => {
        const arch = await architecture(ctx, config);
        if (arch.loadError !== undefined) {
          return {
            passed: false,
            output: say(ctx.lang, {
              en: `not graded: the grader cannot load the model buildModel() returns (see the test '${ARCHITECTURE_TEST}').`,
              ru: `не оценивается: проверка не может загрузить модель, которую возвращает buildModel() (см. тест '${ARCHITECTURE_TEST}').`,
            }),
          };
        }
        if (arch.convProblems.length > 0) {
          return {
            passed: false,
            output: `buildModel(): ${arch.summary}\n${arch.convProblems.map((p) => `- ${say(ctx.lang, p)}`).join('\n')}\n${say(ctx.lang, {
              en: 'Until this is fixed, the accuracy tests do not train the model and give no points.',
              ru: 'Пока это не исправлено, тесты точности не обучают модель и не дают баллов.',
            })}`,
          };
        }
        return {
          passed: true,
          output: say(ctx.lang, {
            en: `the model has a learned convolution and ${arch.trainable.toLocaleString('en-US')} trainable parameters (at most ${max.toLocaleString('en-US')}).`,
            ru: `в модели есть обучаемая свёртка и ${arch.trainable.toLocaleString('ru-RU')} обучаемых параметров (не больше ${max.toLocaleString('ru-RU')}).`,
          }),
        };
      }),
  };
}

const LOSS_CURVE_TEST = 'train() reports a falling loss once per epoch';

/**
 * Whether the last epoch's reported loss can be the mean training loss of that epoch, given the
 * trained model's mean loss on the training images (pixels / 255). Generous: dropout, batch
 * norm, a regularization term and the improvement during the epoch all keep a correct report
 * within a few times the model's loss; a sum over batches or samples is tens to hundreds of times it.
 */
function reportAgrees(reported: number, modelLoss: number): 'ok' | 'high' | 'low' {
  if (!Number.isFinite(modelLoss)) return 'ok';
  if (reported > 5 * modelLoss + 0.5) return 'high';
  // A correct epoch mean is rarely below the final model's loss; a double division is ~30 times below
  // it, and numbers made up beside a model that did not learn are far below its own loss too.
  if (modelLoss > 0.02 && reported < modelLoss / 2) return 'low';
  return 'ok';
}

function lossCurveTest(config: ClassifierConfig): TestSpec {
  const E = config.epochs;
  return {
    name: LOSS_CURVE_TEST,
    points: config.points.lossCurve,
    visibility: 'visible',
    requirements: gated(config, 'epochs', 'epoch-report', 'learns'),
    timeoutMs: config.trainBudgetMs,
    run: (ctx) =>
      guarded(ctx, async () => {
        await gate(ctx, config);
        const t = await trained(ctx, config);
        const { report } = t;
        const losses = report.epochs.map((e) => e.loss);
        const numbers = report.epochs.map((e) => e.epoch);
        const details = {
          losses,
          epochs: numbers,
          modelTrainLoss: finiteOrNull(t.trainLoss),
          epochMs: report.epochs.map((e) => e.ms),
          trainMs: report.ms,
          figures: [lossCurveFigure(losses, referenceCurve(config, t))],
        };
        const shown = losses.map((l) => (l === null ? '—' : formatNumber(l))).join(', ');
        const fail = (text: Text): TestVerdict => ({ passed: false, output: say(ctx.lang, text), details });
        const call = trainCall(E, config.seed);
        if (report.epochs.length === 0) {
          return fail({
            en: `${call} never called options.onEpochEnd: call it at the end of every epoch, as options.onEpochEnd?.(epoch, meanLossOfTheEpoch).`,
            ru: `${call} ни разу не вызвала options.onEpochEnd: вызывайте её в конце каждой эпохи — options.onEpochEnd?.(epoch, средняяПотеряЭпохи).`,
          });
        }
        // The short run asks for SHORT_EPOCHS epochs: a train() that ignores options.epochs shows there.
        const shortCount = report.shortEpochs ?? null;
        if (report.epochs.length !== E || (shortCount !== null && shortCount !== SHORT_EPOCHS)) {
          const counts = shortCount !== null ? { en: ` and ${count('en', shortCount, NOUNS.time)} when asked for {epochs: ${SHORT_EPOCHS}}`, ru: ` и ${count('ru', shortCount, NOUNS.time)} при {epochs: ${SHORT_EPOCHS}}` } : { en: '', ru: '' };
          const ignores = shortCount !== null && shortCount === report.epochs.length;
          return fail({
            en: `onEpochEnd was called ${count('en', report.epochs.length, NOUNS.time)} when train() was asked for {epochs: ${E}}${counts.en}; expected once at the end of each epoch, as many times as options.epochs.${ignores ? ' The count does not follow options.epochs: train() runs a fixed number of epochs instead of options.epochs.' : ''}`,
            ru: `onEpochEnd вызвана ${count('ru', report.epochs.length, NOUNS.time)}, когда train() попросили {epochs: ${E}}${counts.ru}; ожидался один вызов в конце каждой эпохи, столько раз, сколько options.epochs.${ignores ? ' Число вызовов не зависит от options.epochs: train() обучает фиксированное число эпох вместо options.epochs.' : ''}`,
          });
        }
        const expected = Array.from({ length: E }, (_, i) => i);
        if (numbers.some((n, i) => n !== expected[i])) {
          const fromOne = numbers.every((n, i) => n === i + 1);
          const got = numbers.map((n) => (n === null ? '—' : String(n))).join(', ');
          return fail({
            en: `onEpochEnd got the epoch numbers ${got}; expected ${expected.join(', ')}: epochs are counted from 0 (the first epoch is epoch 0, like range(NUM_EPOCHS) in the lecture).${fromOne ? ' Yours are counted from 1: pass the loop index itself, not index + 1.' : ''}`,
            ru: `onEpochEnd получила номера эпох ${got}; ожидались ${expected.join(', ')}: эпохи нумеруются с 0 (первая эпоха — эпоха 0, как range(NUM_EPOCHS) в лекции).${fromOne ? ' У вас нумерация с 1: передавайте сам индекс цикла, а не индекс + 1.' : ''}`,
          });
        }
        const finite = losses.filter((l): l is number => typeof l === 'number' && Number.isFinite(l));
        const negative = finite.filter((l) => l < 0);
        const notCrossEntropy: Text = {
          en: ' A softmax cross-entropy is never negative, so the loss being minimized is not the cross-entropy of the logits: the usual cause is swapped arguments, tf.losses.softmaxCrossEntropy(logits, labels) instead of tf.losses.softmaxCrossEntropy(onehotLabels, logits) (labels first), which the optimizer can push down without bound.',
          ru: ' Softmax-кросс-энтропия не бывает отрицательной, значит, минимизируется не кросс-энтропия логитов: обычная причина — перепутанные аргументы, tf.losses.softmaxCrossEntropy(logits, labels) вместо tf.losses.softmaxCrossEntropy(onehotLabels, logits) (метки первыми); такую потерю оптимизатор может уменьшать без предела.',
        };
        if (losses.some((l) => typeof l === 'number' && Number.isNaN(l))) {
          const cause: Text =
            negative.length > 0
              ? notCrossEntropy
              : {
                  en: " The usual causes: steps far too large (the learning rate: the lecture's is 0.01 for SGD, Adam's usual one 0.001; pixels not divided by 255), or a hand-written cross-entropy taking the log of 0.",
                  ru: ' Обычные причины: слишком большие шаги (скорость обучения: в лекции 0.01 для SGD, обычная для Adam — 0.001; пиксели не поделены на 255) или написанная вручную кросс-энтропия, берущая логарифм нуля.',
                };
          return fail({
            en: `the loss per epoch was ${shown}: training diverged (the loss became NaN).${cause.en}`,
            ru: `потеря по эпохам: ${shown} — обучение разошлось (потеря стала NaN).${cause.ru}`,
          });
        }
        if (finite.length !== losses.length) {
          return fail({
            en: `onEpochEnd got the losses ${shown}: each must be a finite number, the mean training loss of the epoch (read a tensor's value with await loss.data()).`,
            ru: `onEpochEnd получила потери ${shown}: каждая должна быть конечным числом — средней потерей эпохи на обучающих данных (значение тензора читается через await loss.data()).`,
          });
        }
        if (negative.length > 0) {
          return fail({ en: `the loss per epoch was ${shown}: negative.${notCrossEntropy.en}`, ru: `потеря по эпохам: ${shown} — отрицательная.${notCrossEntropy.ru}` });
        }
        const first = finite[0];
        const last = finite[finite.length - 1];
        const acc = t.evaluation.accuracy;
        const model = formatNumber(t.trainLoss);
        const seen = Math.min(t.trainSamples, TRAIN_LOSS_SAMPLES).toLocaleString('en-US');
        const seenRu = Math.min(t.trainSamples, TRAIN_LOSS_SAMPLES).toLocaleString('ru-RU');
        const agrees = reportAgrees(last, t.trainLoss);
        if (agrees === 'high') {
          return fail({
            en: `the loss per epoch was ${shown}, but the trained model's mean cross-entropy on ${seen} of the training images it saw is ${model}: the last epoch's ${formatNumber(last)} is ${formatNumber(last / t.trainLoss, 3)} times that. onEpochEnd must get the epoch's mean training loss. A value this much larger is a sum: of the batch losses without dividing by the number of batches, or of the per-sample losses (a sum reduction) without dividing by the number of samples.`,
            ru: `потеря по эпохам: ${shown}, а средняя кросс-энтропия обученной модели на ${seenRu} обучающих изображениях, которые она видела, — ${model}: ${formatNumber(last)} последней эпохи в ${formatNumber(last / t.trainLoss, 3)} раз больше. onEpochEnd должна получать среднюю потерю эпохи на обучении. Настолько большее значение — это сумма: потерь батчей без деления на число батчей или потерь отдельных примеров (редукция суммой) без деления на их число.`,
          });
        }
        if (agrees === 'low' && acc >= 0.5) {
          return fail({
            en: `the loss per epoch was ${shown}, but the trained model's mean cross-entropy on ${seen} of the training images it saw is ${model}: the last epoch's ${formatNumber(last)} is far smaller. onEpochEnd must get the epoch's mean training loss: divide the sum of the per-sample losses by the number of samples, or the sum of the batch means by the number of batches, once (dividing a batch mean again by the batch size, or by the number of samples, makes it this small). If the division is right, train() feeds the model other inputs than the ones the grader measures it on (the images / 255, as [n, 28, 28, 1]).`,
            ru: `потеря по эпохам: ${shown}, а средняя кросс-энтропия обученной модели на ${seenRu} обучающих изображениях, которые она видела, — ${model}: ${formatNumber(last)} последней эпохи гораздо меньше. onEpochEnd должна получать среднюю потерю эпохи на обучении: разделите сумму потерь примеров на число примеров или сумму средних по батчам на число батчей — один раз (если среднее по батчу ещё раз поделить на размер батча или на число примеров, выйдет настолько мало). Если деление верное, то train() подаёт модели не те входы, на которых её измеряет проверка (изображения / 255 в виде [n, 28, 28, 1]).`,
          });
        }
        const numbersText = {
          en: `the loss per epoch was ${shown}; the trained model's mean cross-entropy on the training images is ${model} and its test accuracy ${pct(acc)}.`,
          ru: `потеря по эпохам: ${shown}; средняя кросс-энтропия обученной модели на обучающих изображениях — ${model}, точность на тесте ${pct(acc)}.`,
        };
        if (last >= STUCK_LOSS) {
          if (acc < 0.2) {
            const max = Math.max(...finite);
            const min = Math.min(...finite);
            const cause: Text =
              max > 2.6
                ? {
                    en: ` The loss first went up to ${formatNumber(max)} and then stuck: the first steps were far too large for the inputs (are the pixels divided by 255?) and the ReLUs died.`,
                    ru: ` Потеря сначала взлетела до ${formatNumber(max)}, а потом застряла: первые шаги были слишком велики для таких входов (пиксели поделены на 255?) и ReLU «умерли».`,
                  }
                : max - min < 0.02
                  ? {
                      en: ' The loss never moved: no optimizer step is taken (optimizer.minimize or model.fit on every batch?), or the learning rate is 0.',
                      ru: ' Потеря не двигалась вовсе: шаг оптимизатора не делается (optimizer.minimize или model.fit на каждом батче?) или скорость обучения равна 0.',
                    }
                  : {
                      en: ' Usual causes: no optimizer step, pixels not divided by 255, labels that do not fit the loss (one-hot float32: tf.oneHot(y, 10).toFloat()).',
                      ru: ' Обычные причины: нет шага оптимизатора, пиксели не поделены на 255, метки не подходят функции потерь (one-hot float32: tf.oneHot(y, 10).toFloat()).',
                    };
            return fail({
              en: `${numbersText.en} The loss ends at ${formatNumber(last)}, no better than ln 10 ≈ 2.303, the loss of a uniform guess over 10 classes, and the model is at chance on the test images: it outputs about the same thing for every image.${cause.en}`,
              ru: `${numbersText.ru} Потеря в конце ${formatNumber(last)}, не лучше ln 10 ≈ 2.303 — потери равномерного угадывания из 10 классов, — и на тесте модель угадывает наугад: она выдаёт почти одно и то же для любого изображения.${cause.ru}`,
            });
          }
          if (Math.abs(last - t.trainLoss) < 0.5) {
            return fail({
              en: `${numbersText.en} The loss stays near ln 10 ≈ 2.303, the loss of a uniform guess (the model's own loss on the training images agrees), though the model is right on ${pct(acc)} of the test images: its outputs barely differ between the classes, so it learned little from the loss. Usual causes: what is minimized is not the cross-entropy of the logits (the arguments of tf.losses.softmaxCrossEntropy(onehotLabels, logits) swapped: labels come first), a learning rate far too small, or layers frozen (trainable: false).`,
              ru: `${numbersText.ru} Потеря держится около ln 10 ≈ 2.303 — потери равномерного угадывания (собственная потеря модели на обучающих изображениях с этим согласна), хотя модель права на ${pct(acc)} тестовых изображений: её выходы почти не различаются между классами, из потери она мало чему научилась. Обычные причины: минимизируется не кросс-энтропия логитов (перепутаны аргументы tf.losses.softmaxCrossEntropy(onehotLabels, logits): метки идут первыми), слишком маленький шаг обучения или замороженные слои (trainable: false).`,
            });
          }
          return fail({
            en: `${numbersText.en} The reported loss ends at ${formatNumber(last)}, above 2.2 (ln 10 ≈ 2.303 is a uniform guess), although the model does better than chance and its own loss on the training images is ${model}: the numbers do not agree. onEpochEnd must get the epoch's mean softmax cross-entropy on the training batches; check what you pass.`,
            ru: `${numbersText.ru} Переданная потеря в конце ${formatNumber(last)}, выше 2.2 (ln 10 ≈ 2.303 — равномерное угадывание), хотя модель лучше случайной и её собственная потеря на обучающих изображениях — ${model}: числа не согласуются. onEpochEnd должна получать среднюю softmax-кросс-энтропию эпохи на обучающих батчах; проверьте, что вы передаёте.`,
          });
        }
        // The reported numbers are the student's word; the trained model's own loss, measured here on
        // the trusted side, is not. A curve that falls while the model stays at a uniform guess (or far
        // below the model's own loss) did not come from training this model.
        if ((agrees === 'low' || (t.trainLoss >= STUCK_LOSS && last < STUCK_LOSS)) && Number.isFinite(t.trainLoss)) {
          return fail({
            en: `the loss per epoch was ${shown}, but the trained model's own mean cross-entropy on ${seen} of the training images it saw is ${model}${t.trainLoss >= STUCK_LOSS ? ', no better than ln 10 ≈ 2.303, a uniform guess' : ''}: the reported losses are not those of the model train() was given. onEpochEnd must get the mean loss of the training it runs on that model (and the model must really be trained: an optimizer step on every batch).`,
            ru: `потеря по эпохам: ${shown}, а собственная средняя кросс-энтропия обученной модели на ${seenRu} обучающих изображениях, которые она видела, — ${model}${t.trainLoss >= STUCK_LOSS ? ', не лучше ln 10 ≈ 2.303 — равномерного угадывания' : ''}: переданные потери — не потери модели, которую получила train(). onEpochEnd должна получать среднюю потерю того обучения, которое идёт на этой модели (и модель должна действительно обучаться: шаг оптимизатора на каждом батче).`,
          });
        }
        if (!(last < first)) {
          const looksLikeAccuracy = finite.every((l) => l >= 0 && l <= 1) && last > first && acc >= 0.5;
          return fail({
            en: `${numbersText.en} The reported loss did not go down.${looksLikeAccuracy ? ' The values rise and stay within [0, 1] while the model learns: is it the accuracy rather than the loss?' : " Check that the optimizer's step runs on every batch (optimizer.minimize or model.fit), that the labels fit the loss (one-hot float32: tf.oneHot(y, 10).toFloat()), and the learning rate (the lecture's SGD: 0.01 with momentum 0.9)."}`,
            ru: `${numbersText.ru} Переданная потеря не уменьшилась.${looksLikeAccuracy ? ' Значения растут и остаются в [0, 1], пока модель учится: это не точность ли вместо потери?' : ' Проверьте, что шаг оптимизатора делается на каждом батче (optimizer.minimize или model.fit), что метки подходят функции потерь (one-hot float32: tf.oneHot(y, 10).toFloat()) и шаг обучения (в лекции SGD: 0.01 с моментом 0.9).'}`,
          });
        }
        return {
          passed: true,
          output: say(ctx.lang, {
            en: `the mean training loss per epoch (epochs 0 to ${E - 1}): ${shown}; the trained model's mean loss on the training images: ${model} (training took ${formatNumber(report.ms / 1000, 3)} s).`,
            ru: `средняя потеря на обучении по эпохам (эпохи 0–${E - 1}): ${shown}; средняя потеря обученной модели на обучающих изображениях: ${model} (обучение заняло ${formatNumber(report.ms / 1000, 3)} с).`,
          }),
          details,
        };
      }),
  };
}

function bandName(band: Band): string {
  return `test accuracy at least ${(band.threshold * 100).toFixed(band.threshold * 100 === Math.round(band.threshold * 100) ? 0 : 1)} %`;
}

function bandTest(config: ClassifierConfig, band: Band, first: boolean): TestSpec {
  return {
    name: bandName(band),
    points: band.points,
    visibility: band.visibility,
    requirements: gated(config, 'learns', 'model-io'),
    timeoutMs: config.trainBudgetMs,
    run: (ctx) =>
      guarded(ctx, async () => {
        await gate(ctx, config);
        const t = await trained(ctx, config);
        const e = t.evaluation;
        const where = say(ctx.lang, {
          en: `${e.count.toLocaleString('en-US')} hidden test images of ${t.dataset}, after ${config.epochs} epochs on ${t.trainSamples.toLocaleString('en-US')} training images`,
          ru: `${e.count.toLocaleString('ru-RU')} скрытых тестовых изображений из ${t.dataset}, после ${config.epochs} эпох на ${t.trainSamples.toLocaleString('ru-RU')} обучающих`,
        });
        const confused =
          e.worst !== null
            ? say(ctx.lang, {
                en: ` Most often confused: ${e.worst.label} taken for ${e.worst.predicted} (${e.worst.times} times).`,
                ru: ` Чаще всего путается: ${e.worst.label} принимается за ${e.worst.predicted} (${e.worst.times} раз).`,
              })
            : '';
        const bands = bandsFigure(config, band, e.accuracy, referenceCurve(config, t));
        const details = first
          ? {
              dataset: t.dataset,
              trainSamples: t.trainSamples,
              testSamples: e.count,
              epochs: config.epochs,
              accuracy: e.accuracy,
              losses: t.report.epochs.map((r) => r.loss),
              trainMs: t.report.ms,
              confusion: e.confusion,
              // The misclassified digits travel once, in their figure.
              figures: [bands, ...evaluationFigures(e, t.test)],
            }
          : { accuracy: e.accuracy, figures: [bands] };
        if (e.accuracy >= band.threshold) {
          return {
            passed: true,
            output: say(ctx.lang, {
              en: `test accuracy ${pct(e.accuracy)} on ${where}: at least ${pct(band.threshold)}.${confused}`,
              ru: `точность на тесте ${pct(e.accuracy)} на ${where}: не меньше ${pct(band.threshold)}.${confused}`,
            }),
            details,
          };
        }
        const chance = e.accuracy < 0.2;
        const reported = t.report.epochs.map((r) => r.loss).filter((l): l is number => typeof l === 'number' && Number.isFinite(l));
        const lastReported = reported.length > 0 ? reported[reported.length - 1] : null;
        // The student's own numbers say it learned, the grader's inputs say it did not: the inputs differ.
        const inputsDiffer = chance && lastReported !== null && lastReported >= 0 && lastReported < 1.5 && t.trainLoss > 2 * lastReported + 0.5;
        const hint: Text = inputsDiffer
          ? {
              en: ` Yet train() reported a last-epoch loss of ${formatNumber(lastReported)}, while the grader measures a mean loss of ${formatNumber(t.trainLoss)} on the same training images fed as images / 255 in [n, 28, 28, 1]: the model learned on inputs prepared differently (pixels not divided by 255, another layout?). Prepare them inside train() exactly as the grader feeds the model, or do the preparation inside the model.`,
              ru: ` При этом train() сообщила потерю последней эпохи ${formatNumber(lastReported)}, а проверка измеряет среднюю потерю ${formatNumber(t.trainLoss)} на тех же обучающих изображениях, поданных как изображения / 255 в виде [n, 28, 28, 1]: модель училась на иначе подготовленных входах (пиксели не поделены на 255, другая раскладка?). Готовьте их в train() так же, как проверка подаёт их модели, или делайте подготовку внутри модели.`,
            }
          : chance
          ? {
              en: ' That is about chance level: the model did not learn. See the loss-curve test; usual causes: no optimizer step, labels that do not match the loss (one-hot float32 labels: tf.oneHot(y, 10).toFloat()), pixels not divided by 255, a softmax before softmaxCrossEntropy.',
              ru: ' Это уровень угадывания: модель не обучилась. См. тест кривой потерь; обычные причины: нет шага оптимизатора, метки не подходят функции потерь (метки one-hot float32: tf.oneHot(y, 10).toFloat()), пиксели не поделены на 255, softmax перед softmaxCrossEntropy.',
            }
          : {
              en: ' Usual causes: too few updates (a small learning rate, large batches), pixels not scaled to [0, 1], an activation at the end of the model, the arguments of tf.losses.softmaxCrossEntropy(onehotLabels, logits) swapped (labels come first).',
              ru: ' Обычные причины: слишком мало шагов обучения (маленький шаг, большие батчи), пиксели не приведены к [0, 1], активация в конце модели, перепутанные аргументы tf.losses.softmaxCrossEntropy(onehotLabels, logits) (метки идут первыми).',
            };
        return {
          passed: false,
          output: say(ctx.lang, {
            en: `test accuracy ${pct(e.accuracy)} on ${where}: below ${pct(band.threshold)}.${confused}${hint.en}`,
            ru: `точность на тесте ${pct(e.accuracy)} на ${where}: ниже ${pct(band.threshold)}.${confused}${hint.ru}`,
          }),
          details,
        };
      }),
  };
}

/** The verdict on the order of the samples in the watched run: a problem, or a note when it passes or cannot tell. */
function judgeFeed(feed: Feed | undefined, samples: number, seed: number): { problem?: Text; note: Text } {
  const unknown: Text = {
    en: 'The order of the samples could not be observed',
    ru: 'Порядок примеров наблюдать не удалось',
  };
  if (feed?.refused === true) {
    return {
      problem: {
        en: `the grader could not watch the model's first layer: its call method was made unchangeable. The grader checks the order of the samples by watching what the first layer is fed; do not redefine a layer's methods.`,
        ru: `проверка не смогла наблюдать за первым слоем модели: его метод call сделан неизменяемым. Порядок примеров проверяется по тому, что подаётся первому слою; не переопределяйте методы слоёв.`,
      },
      note: unknown,
    };
  }
  if (feed === undefined || !feed.wrapped || feed.order.length === 0) {
    return { note: { en: `${unknown.en} (the model's first layer got no batch while gradients were taken).`, ru: `${unknown.ru} (первый слой модели не получил ни одного батча при вычислении градиентов).` } };
  }
  const fed = feed.order.length + feed.extra;
  // Epochs as onEpochEnd marks them; without those calls, by the number of rows.
  const b0 = feed.boundaries.length >= 2 ? feed.boundaries[0] : Math.round(fed / 2);
  const b1 = feed.boundaries.length >= 2 ? feed.boundaries[1] : fed;
  if (b1 > feed.order.length || b0 <= 0 || b1 <= b0) {
    return {
      note: { en: `${unknown.en} (${fed} rows fed in ${REPRO_EPOCHS} epochs of ${samples} images).`, ru: `${unknown.ru} (подано ${fed} строк за ${REPRO_EPOCHS} эпохи по ${samples} изображений).` },
    };
  }
  const epochs = [feed.order.slice(0, b0), feed.order.slice(b0, b1)];
  const unmatched = epochs.flat().filter((i) => i < 0).length;
  if (unmatched > 0.1 * b1) {
    // Images altered beyond scaling: the order cannot be checked, so it is not credited (an
    // alteration is not part of the exercise, and one changed pixel would otherwise switch
    // the check off).
    return {
      problem: {
        en: `${unmatched} of the ${b1} images fed to the model while it trained are not training images, not even up to scaling: the order of the samples cannot be checked. Feed the training images themselves, scaled to [0, 1] (x / 255), in batches (no augmentation, noise or other change: it is not part of this exercise).`,
        ru: `${unmatched} из ${b1} изображений, поданных модели при обучении, не являются обучающими изображениями даже с точностью до масштаба: порядок примеров проверить нельзя. Подавайте сами обучающие изображения, приведённые к [0, 1] (x / 255), батчами (без аугментации, шума и других изменений: они не входят в это упражнение).`,
      },
      note: unknown,
    };
  }
  // A dropped or padded partial last batch is tolerated.
  const slack = Math.min(Math.max(feed.largestCall, 1), Math.ceil(0.1 * samples));
  for (let e = 0; e < epochs.length; e++) {
    const counts = new Map<number, number>();
    for (const i of epochs[e]) if (i >= 0) counts.set(i, (counts.get(i) ?? 0) + 1);
    let repeated = 0;
    for (const c of counts.values()) repeated += c - 1;
    const missing = samples - counts.size;
    if (repeated > slack || missing > slack) {
      return {
        problem: {
          en: `in epoch ${e} of ${trainCall(REPRO_EPOCHS, seed)} on ${samples} images, the model was fed ${epochs[e].length} images: ${counts.size} different ones, ${repeated} repeats of an image already fed that epoch, ${missing} of the ${samples} never fed. An epoch is one pass over the data: every sample once, in a shuffled order (a permutation of the indices, e.g. tf.util.createShuffledIndices or a seeded Fisher–Yates), not batches drawn at random with replacement nor a part of the data.`,
          ru: `на эпохе ${e} вызова ${trainCall(REPRO_EPOCHS, seed)} на ${samples} изображениях модели подано ${epochs[e].length} изображений: ${counts.size} различных, ${repeated} повторов уже поданного на этой эпохе, ${missing} из ${samples} не поданы ни разу. Эпоха — один проход по данным: каждый пример один раз, в перемешанном порядке (перестановка индексов, например засеянный Фишер–Йейтс), а не батчи, выбранные случайно с возвращением, и не часть данных.`,
        },
        note: unknown,
      };
    }
  }
  const [first, second] = epochs;
  const n = Math.min(first.length, second.length);
  let same = 0;
  for (let i = 0; i < n; i++) if (first[i] === second[i]) same++;
  const inFileOrder = (order: number[]) => {
    let steps = 0;
    for (let i = 1; i < order.length; i++) if (order[i] === order[i - 1] + 1) steps++;
    return steps >= 0.9 * (order.length - 1);
  };
  if (same >= 0.9 * n) {
    const file = inFileOrder(first);
    return {
      problem: file
        ? {
            en: `both epochs fed the ${samples} training images in the order of the file (0, 1, 2, …): the data is never shuffled. Shuffle at the start of every epoch with a generator seeded by options.seed and the epoch (model.fit's shuffle: true is not seeded: shuffle yourself and pass shuffle: false).`,
            ru: `обе эпохи подавали ${samples} обучающих изображений в порядке файла (0, 1, 2, …): данные не перемешиваются. Перемешивайте в начале каждой эпохи генератором с зерном из options.seed и номера эпохи (shuffle: true в model.fit зерна не принимает: перемешайте сами и передайте shuffle: false).`,
          }
        : {
            en: `both epochs fed the ${samples} training images in the same shuffled order (${same} of ${n} positions agree): the data is shuffled once and that order repeated. Shuffle at the start of every epoch, with a generator seeded by options.seed and the epoch (e.g. seed * 1000 + epoch), so each epoch has its own order.`,
            ru: `обе эпохи подавали ${samples} обучающих изображений в одном и том же перемешанном порядке (совпадают ${same} из ${n} позиций): данные перемешаны один раз, и этот порядок повторяется. Перемешивайте в начале каждой эпохи генератором с зерном из options.seed и номера эпохи (например, seed * 1000 + epoch), чтобы у каждой эпохи был свой порядок.`,
          },
      note: unknown,
    };
  }
  return {
    note: {
      en: `Each of the ${REPRO_EPOCHS} epochs fed every one of the ${samples} images once, in its own order.`,
      ru: `Каждая из ${REPRO_EPOCHS} эпох подала каждое из ${samples} изображений один раз, в своём порядке.`,
    },
  };
}

function reproducibleTest(config: ClassifierConfig): TestSpec {
  return {
    name: 'training is reproducible with the seed',
    points: config.points.reproducible,
    visibility: 'hidden',
    requirements: gated(config, 'seeded', 'shuffle-per-epoch', 'model-io', 'learns'),
    timeoutMs: config.trainBudgetMs,
    run: (ctx) =>
      guarded(ctx, async () => {
        await gate(ctx, config);
        // Doing nothing is reproducible too: credited only when the training did its job (the
        // main training, shared with the accuracy tests, is above chance on the test images).
        const main = await trained(ctx, config);
        if (!(main.evaluation.accuracy >= TRAINED_ACCURACY)) {
          const got: Text = {
            en: `a model at chance on the test images (accuracy ${pct(main.evaluation.accuracy)})`,
            ru: `модель на уровне случайного угадывания на тестовых изображениях (точность ${pct(main.evaluation.accuracy)})`,
          };
          return { passed: false, output: notCredited(ctx.lang, { en: 'Reproducibility', ru: 'Воспроизводимость' }, 'buildModel() + train()', say(ctx.lang, got), { en: 'a trained model', ru: 'обученной модели' }) };
        }
        const data = await loadMnist();
        const runs = await twice(ctx, config);
        const order = judgeFeed(runs.feed, runs.samples, config.seed + 1);
        const a = await judgeStudentModel(ctx, runs.a, 'the first model');
        const b = await judgeStudentModel(ctx, runs.b, 'the second model');
        try {
          const test = { ...testImagesOnly(data.test), count: Math.min(200, data.test.count) };
          test.images = test.images.subarray(0, test.count * test.rows * test.cols);
          const pa = (await predictImages(a, test, 'the first model')).values;
          const pb = (await predictImages(b, test, 'the second model')).values;
          let worst = 0;
          // NaN at the same place in both is the same output (a diverged training, judged elsewhere).
          for (let i = 0; i < pa.length; i++) if (!(Number.isNaN(pa[i]) && Number.isNaN(pb[i]))) worst = Math.max(worst, Math.abs(pa[i] - pb[i]));
          const problems: Text[] = [];
          if (!(worst <= 1e-4)) {
            problems.push({
              en: `two models, each made by buildModel() and trained for ${REPRO_EPOCHS} epochs with seed ${config.seed + 1} on the same ${runs.samples.toLocaleString('en-US')} images, give different outputs (by up to ${formatNumber(worst)}): something random is not seeded. Give every initializer a seed (kernelInitializer: tf.initializers.glorotUniform({seed: 1}), and so on), shuffle with a generator seeded from options.seed and the epoch (Math.random() and model.fit's shuffle: true are not seeded), and keep no random state between calls.`,
              ru: `две модели, каждая построена buildModel() и обучена ${REPRO_EPOCHS} эпохи с seed ${config.seed + 1} на одних и тех же ${runs.samples.toLocaleString('ru-RU')} изображениях, дают разные выходы (расхождение до ${formatNumber(worst)}): что-то случайное не получает зерна. Задайте зерно каждому инициализатору (kernelInitializer: tf.initializers.glorotUniform({seed: 1}) и т. п.), перемешивайте генератором с зерном из options.seed и номера эпохи (Math.random() и shuffle: true в model.fit зерна не принимают) и не храните случайное состояние между вызовами.`,
            });
          }
          if (order.problem !== undefined) problems.push(order.problem);
          if (problems.length > 0) {
            return { passed: false, output: problems.map((p) => say(ctx.lang, p)).join('\n') };
          }
          return {
            passed: true,
            output: say(ctx.lang, {
              en: `two trainings with the same seed give the same model. ${order.note.en}`,
              ru: `два обучения с одним и тем же зерном дают одну и ту же модель. ${order.note.ru}`,
            }),
          };
        } finally {
          a.dispose();
          b.dispose();
        }
      }),
  };
}

function leaksTest(config: ClassifierConfig): TestSpec {
  return {
    name: 'no tensors leak during training',
    points: config.points.leaks,
    visibility: 'hidden',
    requirements: gated(config, 'no-leaks'),
    timeoutMs: config.trainBudgetMs,
    run: (ctx) =>
      guarded(ctx, async () => {
        await gate(ctx, config);
        const { report } = await trained(ctx, config);
        // An optimizer keeps up to a few slots per weight (Adam: two), and a loop may keep a
        // data tensor or two: that much may remain. A leak per batch is hundreds per epoch.
        const slack = 4 * report.weightTensors + 16;
        const growth = report.tensorsAfter - report.tensorsBefore;
        const perEpoch =
          report.epochs.length >= 2 ? (report.epochs[report.epochs.length - 1].tensors - report.epochs[0].tensors) / (report.epochs.length - 1) : 0;
        if (growth > slack || perEpoch > 8) {
          return {
            passed: false,
            output: say(ctx.lang, {
              en: `after train() ${growth} more tensors exist than before it${perEpoch > 0 ? ` (about ${Math.round(perEpoch)} more after each epoch)` : ''}: something is not disposed on every batch. Wrap the step in tf.tidy (optimizer.minimize(f, true) returns the loss, which you must dispose after reading), and dispose each batch's x and y.`,
              ru: `после train() тензоров на ${growth} больше, чем до неё${perEpoch > 0 ? ` (примерно на ${Math.round(perEpoch)} больше после каждой эпохи)` : ''}: на каждом батче что-то не освобождается. Оберните шаг в tf.tidy (optimizer.minimize(f, true) возвращает потерю — освободите её после чтения) и освобождайте x и y каждого батча.`,
            }),
            details: { growth, perEpoch, slack },
          };
        }
        return {
          passed: true,
          output: say(ctx.lang, {
            en: `after training, ${growth} tensor${growth === 1 ? '' : 's'} more than before (the optimizer's state), none piling up per batch.`,
            ru: `после обучения тензоров на ${growth} больше, чем до него (состояние оптимизатора), и ничего не копится от батча к батчу.`,
          }),
        };
      }),
  };
}

/** The AssignmentSpec of an MNIST classifier assignment. */
export function classifierSpec(config: ClassifierConfig): AssignmentSpec {
  const tests: TestSpec[] = [architectureTest(config)];
  if (config.convRule !== undefined) tests.push(convRuleTest(config, config.convRule));
  tests.push(lossCurveTest(config));
  config.bands.forEach((band, i) => tests.push(bandTest(config, band, i === 0)));
  tests.push(reproducibleTest(config), leaksTest(config));
  return defineAssignment({
    id: config.id,
    title: config.title,
    requirements: requirementsOf(config),
    entry: 'solution.ts',
    contract: 'contract.ts',
    probes: config.probes ?? 'probes.ts',
    limits: { totalMs: config.trainBudgetMs + 120_000, testMs: 60_000, heapMb: 2048 },
    tolerance: { rtol: 1e-4, atol: 1e-4 },
    dataset: async () => (await loadMnist()).name,
    tests,
  });
}

/** For tests and tests/tools: the evaluation on the hidden test split, as the band tests make it. */
export const internals = { evaluate, outputActivation, reportAgrees, convRuleProblems };
