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
import { defineAssignment, type AssignmentSpec, type TestContext, type TestSpec, type TestVerdict, type Visibility } from '../../grader/spec/assignment-spec';
// Type-only: never loaded here, but it puts probes.ts in the build, which the runner loads.
import type { probes } from './probes';
import {
  allLayers,
  findReferenceCurve,
  finiteOrNull,
  imageBase64,
  layerSummary,
  loadStudentModel,
  lossCurveFigure,
  ModelLoadError,
  predictAll,
  say,
  shapeText,
  trainableParams,
  uint8Image,
  type CurveSettings,
  type ReferenceCurve,
  type Text,
} from './student-models';

type ProbeName = keyof typeof probes;
const BUILD: ProbeName = 'build';
const TRAIN: ProbeName = 'train';
const TWICE: ProbeName = 'twice';

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
  /** mnist-cnn: a conv2d layer and at most this many trainable parameters. */
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
});
type TrainReport = z.infer<typeof TrainReportSchema>;
const TwiceSchema = z.object({ a: z.unknown(), b: z.unknown() });

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
  /** Problems with input, output or logits (all assignments). */
  problems: Text[];
  /** Problems with the conv2d rule (mnist-cnn); training is not graded when there are some. */
  convProblems: Text[];
}

function architecture(ctx: TestContext, config: ClassifierConfig): Promise<Architecture> {
  return ctx.shared('architecture', async () => {
    const model = await loadStudentModel(await ctx.probe(BUILD), 'buildModel()');
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
      const last = model.layers[model.layers.length - 1];
      const activation = (last?.getConfig() as { activation?: unknown } | undefined)?.activation;
      if (activation === 'softmax' || last?.getClassName() === 'Softmax') {
        problems.push({
          en: 'the last layer applies softmax: the model must output logits (like the lecture\'s nn.Linear(100, 10)); tf.losses.softmaxCrossEntropy applies softmax itself, as nn.CrossEntropyLoss does.',
          ru: 'последний слой применяет softmax: модель должна выдавать логиты (как nn.Linear(100, 10) в лекции); tf.losses.softmaxCrossEntropy сама применяет softmax, как и nn.CrossEntropyLoss.',
        });
      } else if (problems.length === 0) {
        const test = (await loadMnist()).test;
        const probe = { ...testImagesOnly(test), count: Math.min(64, test.count) };
        probe.images = probe.images.subarray(0, probe.count * probe.rows * probe.cols);
        const { values } = predictAll(model, probe, 'buildModel()');
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
        if (!values.every(Number.isFinite)) {
          problems.push({ en: 'the untrained model outputs NaN or Infinity.', ru: 'необученная модель выдаёт NaN или Infinity.' });
        } else if (probabilities) {
          problems.push({
            en: 'every output row is a probability distribution (non-negative, summing to 1): the model ends in a softmax. It must output logits; tf.losses.softmaxCrossEntropy applies softmax itself.',
            ru: 'каждая строка выхода — распределение вероятностей (неотрицательные, в сумме 1): модель заканчивается softmax. Она должна выдавать логиты; tf.losses.softmaxCrossEntropy сама применяет softmax.',
          });
        }
      }
      const convProblems: Text[] = [];
      const trainable = trainableParams(model);
      if (config.convRule !== undefined) {
        const convs = allLayers(model).filter((l) => l.getClassName() === 'Conv2D');
        if (convs.length === 0) {
          convProblems.push({
            en: 'the model has no conv2d layer (tf.layers.conv2d): this exercise is the convolutional network of the lecture\'s section 5.',
            ru: 'в модели нет слоя conv2d (tf.layers.conv2d): это упражнение — свёрточная сеть из раздела 5 лекции.',
          });
        }
        const max = config.convRule.maxTrainableParams;
        if (trainable > max) {
          convProblems.push({
            en: `the model has ${trainable.toLocaleString('en-US')} trainable parameters, more than the ${max.toLocaleString('en-US')} allowed. The dense layer after Flatten is usually the culprit: pool more (tf.layers.maxPooling2d) or use fewer filters before it.`,
            ru: `у модели ${trainable.toLocaleString('ru-RU')} обучаемых параметров, больше разрешённых ${max.toLocaleString('ru-RU')}. Обычно виноват полносвязный слой после Flatten: уменьшите карту признаков пулингом (tf.layers.maxPooling2d) или возьмите меньше фильтров перед ним.`,
          });
        }
      }
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
}

function evaluate(model: tf.LayersModel, test: Dataset): Evaluation {
  const { values, shape } = predictAll(model, testImagesOnly(test), 'the trained model');
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
    // SECURITY: only the training split crosses into the runner.
    const train = toPlain(sliceDataset(data.train, 0, trainSamples));
    const parsed = TrainReportSchema.safeParse(await ctx.probe(TRAIN, train, config.epochs, config.seed));
    if (!parsed.success) throw new Error(`the training probe sent a malformed report: ${parsed.error.message}`);
    const model = await loadStudentModel(parsed.data.model, 'the trained model');
    try {
      return {
        report: parsed.data,
        evaluation: evaluate(model, data.test),
        dataset: data.name,
        trainSamples,
        test: { rows: data.test.rows, cols: data.test.cols },
      };
    } finally {
      model.dispose();
    }
  });
}

/** Stops a test that needs a trained model when the conv2d rule is broken (nothing is trained then). */
async function gate(ctx: TestContext, config: ClassifierConfig): Promise<void> {
  if (config.convRule === undefined) return;
  const arch = await architecture(ctx, config);
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
    name: 'buildModel(): input [28, 28, 1], 10 logits',
    points: config.points.architecture,
    visibility: 'visible',
    run: (ctx) =>
      guarded(ctx, async () => {
        const arch = await architecture(ctx, config);
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
  return `a conv2d layer and at most ${max.toLocaleString('en-US')} trainable parameters`;
}

function convRuleTest(config: ClassifierConfig, rule: NonNullable<ClassifierConfig['convRule']>): TestSpec {
  const max = rule.maxTrainableParams;
  return {
    name: convRuleName(max),
    points: rule.points,
    visibility: 'visible',
    run: (ctx) =>
      guarded(ctx, async () => {
        const arch = await architecture(ctx, config);
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
            en: `the model has a conv2d layer and ${arch.trainable.toLocaleString('en-US')} trainable parameters (at most ${max.toLocaleString('en-US')}).`,
            ru: `в модели есть слой conv2d и ${arch.trainable.toLocaleString('ru-RU')} обучаемых параметров (не больше ${max.toLocaleString('ru-RU')}).`,
          }),
        };
      }),
  };
}

function lossCurveTest(config: ClassifierConfig): TestSpec {
  return {
    name: 'train() reports a falling loss once per epoch',
    points: config.points.lossCurve,
    visibility: 'visible',
    timeoutMs: config.trainBudgetMs,
    run: (ctx) =>
      guarded(ctx, async () => {
        await gate(ctx, config);
        const t = await trained(ctx, config);
        const { report } = t;
        const losses = report.epochs.map((e) => e.loss);
        const details = {
          losses,
          epochMs: report.epochs.map((e) => e.ms),
          trainMs: report.ms,
          figures: [lossCurveFigure(losses, referenceCurve(config, t))],
        };
        const shown = losses.map((l) => (l === null ? '—' : formatNumber(l))).join(', ');
        if (report.epochs.length !== config.epochs) {
          return {
            passed: false,
            output: say(ctx.lang, {
              en: `train(model, data, {epochs: ${config.epochs}, seed, onEpochEnd}) called onEpochEnd ${report.epochs.length} times; expected once at the end of each of the ${config.epochs} epochs, as onEpochEnd(epoch, meanLossOfTheEpoch).`,
              ru: `train(model, data, {epochs: ${config.epochs}, seed, onEpochEnd}) вызвала onEpochEnd ${report.epochs.length} раз; ожидался один вызов в конце каждой из ${config.epochs} эпох: onEpochEnd(epoch, средняяПотеряЭпохи).`,
            }),
            details,
          };
        }
        if (losses.some((l) => typeof l === 'number' && Number.isNaN(l))) {
          return {
            passed: false,
            output: say(ctx.lang, {
              en: `the loss per epoch was ${shown}: training diverged (the weights overflowed to NaN). The steps are far too large: check the learning rate (the lecture's is 0.01 for SGD; Adam's usual one is 0.001) and that the pixels are divided by 255.`,
              ru: `потеря по эпохам: ${shown} — обучение разошлось (веса переполнились до NaN). Шаги слишком велики: проверьте скорость обучения (в лекции 0.01 для SGD; обычная для Adam — 0.001) и что пиксели поделены на 255.`,
            }),
            details,
          };
        }
        if (losses.some((l) => l === null || !Number.isFinite(l))) {
          return {
            passed: false,
            output: say(ctx.lang, {
              en: `onEpochEnd got the losses ${shown}: each must be a finite number, the mean training loss of the epoch (read it with await loss.data()).`,
              ru: `onEpochEnd получила потери ${shown}: каждая должна быть конечным числом — средней потерей эпохи на обучающих данных (прочитайте её через await loss.data()).`,
            }),
            details,
          };
        }
        const first = losses[0] as number;
        const last = losses[losses.length - 1] as number;
        if (last >= STUCK_LOSS) {
          return {
            passed: false,
            output: say(ctx.lang, {
              en: `the loss per epoch was ${shown}: it ends at ${formatNumber(last)}, no better than ln 10 ≈ 2.303, the loss of a uniform guess over 10 classes: the network outputs the same thing for every image. A loss that first explodes and then sticks there means the steps were far too large for the inputs (are the pixels divided by 255?) and the ReLUs died; a loss that never moves means no optimizer step is taken.`,
              ru: `потеря по эпохам: ${shown} — в конце ${formatNumber(last)}, не лучше ln 10 ≈ 2.303, потери равномерного угадывания из 10 классов: сеть выдаёт одно и то же для любого изображения. Если потеря сначала взлетает, а потом застревает на этом уровне, шаги были слишком велики для таких входов (пиксели поделены на 255?) и ReLU «умерли»; если потеря не двигается вовсе, шаг оптимизатора не делается.`,
            }),
            details,
          };
        }
        if (!(last < first)) {
          return {
            passed: false,
            output: say(ctx.lang, {
              en: `the loss per epoch was ${shown}: it did not go down, so the model did not learn. Check that the optimizer's step runs on every batch (optimizer.minimize or model.fit), that the labels fit the loss (one-hot float32: tf.oneHot(y, 10).toFloat()), and the learning rate (the lecture's SGD: 0.01 with momentum 0.9).`,
              ru: `потеря по эпохам: ${shown} — она не уменьшилась, модель не учится. Проверьте, что шаг оптимизатора делается на каждом батче (optimizer.minimize или model.fit), что метки подходят функции потерь (one-hot float32: tf.oneHot(y, 10).toFloat()) и шаг обучения (в лекции SGD: 0.01 с моментом 0.9).`,
            }),
            details,
          };
        }
        return {
          passed: true,
          output: say(ctx.lang, {
            en: `the mean training loss per epoch: ${shown} (training took ${formatNumber(report.ms / 1000, 3)} s).`,
            ru: `средняя потеря на обучении по эпохам: ${shown} (обучение заняло ${formatNumber(report.ms / 1000, 3)} с).`,
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
        const hint: Text = chance
          ? {
              en: ' That is about chance level: the model did not learn. See the loss-curve test; usual causes: no optimizer step, labels that do not match the loss (one-hot float32 labels: tf.oneHot(y, 10).toFloat()), pixels not divided by 255, a softmax before softmaxCrossEntropy.',
              ru: ' Это уровень угадывания: модель не обучилась. См. тест кривой потерь; обычные причины: нет шага оптимизатора, метки не подходят функции потерь (метки one-hot float32: tf.oneHot(y, 10).toFloat()), пиксели не поделены на 255, softmax перед softmaxCrossEntropy.',
            }
          : {
              en: ' Usual causes: too few updates (a small learning rate, large batches), pixels not scaled to [0, 1], a softmax at the end of the model.',
              ru: ' Обычные причины: слишком мало шагов обучения (маленький шаг, большие батчи), пиксели не приведены к [0, 1], softmax в конце модели.',
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

const REPRO_SAMPLES = 1_000;

function reproducibleTest(config: ClassifierConfig): TestSpec {
  return {
    name: 'training is reproducible with the seed',
    points: config.points.reproducible,
    visibility: 'hidden',
    timeoutMs: config.trainBudgetMs,
    run: (ctx) =>
      guarded(ctx, async () => {
        await gate(ctx, config);
        const data = await loadMnist();
        const train = toPlain(sliceDataset(data.train, 0, Math.min(REPRO_SAMPLES, data.train.count)));
        const parsed = TwiceSchema.safeParse(await ctx.probe(TWICE, train, 1, config.seed + 1));
        if (!parsed.success) throw new Error('the reproducibility probe sent a malformed report');
        const a = await loadStudentModel(parsed.data.a, 'the first model');
        const b = await loadStudentModel(parsed.data.b, 'the second model');
        try {
          const test = { ...testImagesOnly(data.test), count: Math.min(200, data.test.count) };
          test.images = test.images.subarray(0, test.count * test.rows * test.cols);
          const pa = predictAll(a, test, 'the first model').values;
          const pb = predictAll(b, test, 'the second model').values;
          let worst = 0;
          // NaN at the same place in both is the same output (a diverged training, judged elsewhere).
          for (let i = 0; i < pa.length; i++) if (!(Number.isNaN(pa[i]) && Number.isNaN(pb[i]))) worst = Math.max(worst, Math.abs(pa[i] - pb[i]));
          if (!(worst <= 1e-4)) {
            return {
              passed: false,
              output: say(ctx.lang, {
                en: `two models, each made by buildModel() and trained for 1 epoch with seed ${config.seed + 1} on the same ${train.count.toLocaleString('en-US')} images, give different outputs (by up to ${formatNumber(worst)}): something random is not seeded. Give every initializer a seed (kernelInitializer: tf.initializers.glorotUniform({seed: 1}), and so on), shuffle with a generator seeded from options.seed and the epoch (Math.random() and model.fit's shuffle: true are not seeded), and keep no random state between calls.`,
                ru: `две модели, каждая построена buildModel() и обучена 1 эпоху с seed ${config.seed + 1} на одних и тех же ${train.count.toLocaleString('ru-RU')} изображениях, дают разные выходы (расхождение до ${formatNumber(worst)}): что-то случайное не получает зерна. Задайте зерно каждому инициализатору (kernelInitializer: tf.initializers.glorotUniform({seed: 1}) и т. п.), перемешивайте генератором с зерном из options.seed и номера эпохи (Math.random() и shuffle: true в model.fit зерна не принимают) и не храните случайное состояние между вызовами.`,
              }),
            };
          }
          return {
            passed: true,
            output: say(ctx.lang, {
              en: 'two trainings with the same seed give the same model.',
              ru: 'два обучения с одним и тем же зерном дают одну и ту же модель.',
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
export const internals = { evaluate };
