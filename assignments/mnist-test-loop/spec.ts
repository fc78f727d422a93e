/**
 * mnist-test-loop (lecture section 3: "процесс тренировки; тест напишите для упражнения"):
 * evaluate(model, data) → {loss, accuracy} over all samples.
 *
 * The trusted side builds two models of the lecture's shape (784 → 100 → ReLU → 10 logits,
 * behind a Flatten of the [28, 28, 1] images): one at its seeded initialisation and one
 * trained for an epoch on 2,000 training images. They reach the runner as model artifacts; a
 * probe builds the data iterable from plain bytes of the training split (labels of the
 * training split may reach student code; the hidden test split is not used here) and calls
 * evaluate. Expected values come from the reference on the same weights and data. When a
 * value differs, it is compared with what the typical mistakes give (the mean of batch means,
 * softmax applied twice, a hard-coded batch size, a percentage) so that the message can name
 * the mistake.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { compareNumbers, describeText } from '../../grader/compare';
import { notCredited } from '../../grader/spec/credit';
import { count, NOUNS } from '../../grader/util/plural';
import { hasMismatchPicture, mismatchFigure, type TensorMismatchFigure } from '../../grader/compare/mismatch-figure';
import { formatNumber } from '../../grader/compare/format';
import { loadMnist, sliceDataset, subset, type Dataset } from '../../grader/data';
import { modelToWire, type WireModel } from '../../grader/runner/wire';
import { defineAssignment, type Lang, type TestContext, type TestVerdict, say, type LocalizedText as Text } from '../../grader/spec/assignment-spec';
import type * as Reference from '../../reference/mnist-test-loop';
// Type-only: never loaded here, but it puts probes.ts in the build, which the runner loads.
import type { EvalData, probes } from './probes';
import { lectureMlp } from './lecture-mlp';
import { trainedLectureWeights } from './trusted-training';
import { MalformedReportError } from '../../grader/runner/runner-errors';

type ProbeName = keyof typeof probes;
const EVALUATE: ProbeName = 'evaluate';

function reference(ctx: TestContext): typeof Reference {
  if (typeof ctx.reference.evaluate !== 'function') throw new Error('reference/mnist-test-loop.ts must export evaluate');
  return ctx.reference as unknown as typeof Reference;
}

// ---------------------------------------------------------------------------------------------
// The models, built and trained in the trusted process (deterministic: seeded initialisation,
// a fixed order of samples), cached per process, backend and data set.

const TRAIN_FOR_MODEL = 2_000;

interface TrustedModel {
  model: tf.LayersModel;
  wire: WireModel;
  weights: Float32Array[];
}

const modelCache = new Map<string, Promise<TrustedModel>>();

async function trustedModel(kind: 'random' | 'trained'): Promise<TrustedModel> {
  const data = await loadMnist();
  const key = `${tf.getBackend()}|${data.name}|${kind}`;
  let entry = modelCache.get(key);
  if (entry === undefined) {
    entry = (async () => {
      const model = lectureMlp(kind === 'random' ? 7_001 : 7_101);
      if (kind === 'trained') {
        const trained = await trainedLectureWeights(7_101, TRAIN_FOR_MODEL);
        const values = model.getWeights().map((w, i) => tf.tensor(trained[i], w.shape));
        model.setWeights(values);
        tf.dispose(values);
      }
      const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
      return { model, wire: await modelToWire(model), weights };
    })();
    modelCache.set(key, entry);
    entry.catch(() => modelCache.delete(key));
  }
  return entry;
}

// ---------------------------------------------------------------------------------------------
// Data and the values of the typical mistakes.

function evalData(ds: Dataset, batchSize: number): EvalData {
  return { images: ds.images, labels: ds.labels, count: ds.count, rows: ds.rows, cols: ds.cols, batchSize };
}

/** The batches as tensors in the trusted process (the caller disposes them). */
function batchTensors(d: EvalData): Array<{ x: tf.Tensor4D; y: tf.Tensor1D }> {
  const pixels = d.rows * d.cols;
  const out: Array<{ x: tf.Tensor4D; y: tf.Tensor1D }> = [];
  for (let start = 0; start < d.count; start += d.batchSize) {
    const size = Math.min(d.batchSize, d.count - start);
    const x = tf.tensor4d(Float32Array.from(d.images.subarray(start * pixels, (start + size) * pixels), (b) => b / 255), [size, d.rows, d.cols, 1]);
    out.push({ x, y: tf.tensor1d(Int32Array.from(d.labels.subarray(start, start + size)), 'int32') });
  }
  return out;
}

interface Candidate {
  value: number;
  hint: Text;
}

interface Expectation {
  loss: number;
  accuracy: number;
  lossMistakes: Candidate[];
  accuracyMistakes: Candidate[];
  /** Per-sample loss, for choosing data. */
  perSample: number[];
  correct: boolean[];
}

function logSumExp(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

function softmax(v: ArrayLike<number>): number[] {
  const lse = logSumExp(v);
  return Array.from(v, (x) => Math.exp(x - lse));
}

/** The lecture's BATCH_SIZE, often hard-coded into a test loop. */
const LECTURE_BATCH = 32;

const HARD_CODED_BATCH = (n: number): Text => ({
  en: `the lecture's BATCH_SIZE = 32 is hard-coded (as in x.view(BATCH_SIZE, -1)): the batches here have another size, and the last one is partial. Take the size of each batch from x.shape[0] and divide by the number of samples (${n}).`,
  ru: `зашит размер батча лекции BATCH_SIZE = 32 (как в x.view(BATCH_SIZE, -1)): здесь у батчей другой размер, а последний неполный. Берите размер каждого батча из x.shape[0] и делите на число примеров (${n}).`,
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The reference's values, and the values of the usual mistakes on the same model and data. */
function expectation(ctx: TestContext, model: tf.LayersModel, d: EvalData): Expectation {
  const batches = batchTensors(d);
  try {
    const ref = reference(ctx).evaluate(model, batches);
    const batchLoss: number[][] = [];
    const batchDouble: number[][] = [];
    const batchHits: boolean[][] = [];
    for (const { x, y } of batches) {
      const logits = tf.tidy(() => model.predict(x) as tf.Tensor2D);
      const z = logits.arraySync();
      logits.dispose();
      const labels = y.arraySync();
      batchLoss.push(z.map((row, i) => logSumExp(row) - row[labels[i]]));
      batchDouble.push(z.map((row, i) => {
        const p = softmax(row);
        return logSumExp(p) - p[labels[i]];
      }));
      batchHits.push(z.map((row, i) => row.indexOf(Math.max(...row)) === labels[i]));
    }
    const all = batchLoss.flat();
    const n = all.length;
    const hits = batchHits.flat().filter(Boolean).length;
    const fullBatches = batchLoss.length * d.batchSize;
    const lossMistakes: Candidate[] = [
      {
        value: mean(batchLoss.map(mean)),
        hint: {
          en: 'this is the mean of the batch means: with a partial last batch, its samples weigh more than the others. Sum the per-sample losses (or batch mean × batch size) over the whole epoch and divide by the number of samples.',
          ru: 'это среднее средних по батчам: при неполном последнем батче его примеры весят больше остальных. Суммируйте потери по примерам (или среднее по батчу × размер батча) за всю эпоху и делите на число примеров.',
        },
      },
      {
        value: mean(batchDouble.flat()),
        hint: {
          en: 'softmax is applied twice: the model outputs logits, and tf.losses.softmaxCrossEntropy applies softmax itself (like nn.CrossEntropyLoss). Pass the logits, not tf.softmax(logits).',
          ru: 'softmax применён дважды: модель выдаёт логиты, а tf.losses.softmaxCrossEntropy сама применяет softmax (как nn.CrossEntropyLoss). Передавайте логиты, а не tf.softmax(logits).',
        },
      },
      {
        value: mean(batchDouble.map(mean)),
        hint: {
          en: 'softmax is applied twice (tf.losses.softmaxCrossEntropy takes logits), and the loss is the mean of the batch means instead of the mean over samples.',
          ru: 'softmax применён дважды (tf.losses.softmaxCrossEntropy принимает логиты), и потеря — среднее средних по батчам, а не среднее по примерам.',
        },
      },
      {
        value: all.reduce((a, b) => a + b, 0),
        hint: { en: 'this is the sum of the losses: divide by the number of samples.', ru: 'это сумма потерь: разделите на число примеров.' },
      },
      {
        value: all.reduce((a, b) => a + b, 0) / fullBatches,
        hint: {
          en: `the sum was divided by batches × batchSize = ${fullBatches}, but the last batch is partial: divide by the number of samples actually seen (${n}), counted from x.shape[0].`,
          ru: `сумма поделена на батчи × batchSize = ${fullBatches}, а последний батч неполный: делите на число реально просмотренных примеров (${n}), считая их по x.shape[0].`,
        },
      },
      {
        value: batchLoss.map(mean).reduce((a, b) => a + b, 0) / n,
        hint: {
          en: 'each batch added its MEAN loss to a sum that was then divided by the number of samples. tf.losses.softmaxCrossEntropy returns the batch mean by default; note that its 4th argument is labelSmoothing and the 5th the reduction: softmaxCrossEntropy(labels, logits, undefined, 0, tf.Reduction.NONE) gives one loss per sample.',
          ru: 'каждый батч добавил к сумме СРЕДНЮЮ потерю, а сумма потом поделена на число примеров. tf.losses.softmaxCrossEntropy по умолчанию возвращает среднее по батчу; обратите внимание, что её 4-й аргумент — labelSmoothing, а 5-й — способ свёртки: softmaxCrossEntropy(labels, logits, undefined, 0, tf.Reduction.NONE) даёт потерю каждого примера.',
        },
      },
      ...(d.batchSize !== LECTURE_BATCH
        ? [
            {
              value: all.reduce((a, b) => a + b, 0) / (batchLoss.length * LECTURE_BATCH),
              hint: HARD_CODED_BATCH(n),
            },
            { value: mean(batchLoss.map(mean)) * (batchLoss.length * d.batchSize) / (batchLoss.length * LECTURE_BATCH), hint: HARD_CODED_BATCH(n) },
          ]
        : []),
    ];
    const accuracyMistakes: Candidate[] = [
      {
        value: mean(batchHits.map((h) => h.filter(Boolean).length / h.length)),
        hint: {
          en: 'this is the mean of the batch accuracies: count the correct samples over the whole epoch and divide by the number of samples.',
          ru: 'это среднее точностей по батчам: считайте верные ответы за всю эпоху и делите на число примеров.',
        },
      },
      {
        value: hits / fullBatches,
        hint: {
          en: `the correct answers were divided by batches × batchSize = ${fullBatches}, but the last batch is partial: divide by the number of samples (${n}).`,
          ru: `число верных ответов поделено на батчи × batchSize = ${fullBatches}, а последний батч неполный: делите на число примеров (${n}).`,
        },
      },
      ...(d.batchSize !== LECTURE_BATCH ? [{ value: hits / (batchHits.length * LECTURE_BATCH), hint: HARD_CODED_BATCH(n) }] : []),
      {
        value: (100 * hits) / n,
        hint: {
          en: 'this is a percentage (the lecture prints one); the contract asks for the fraction in [0, 1].',
          ru: 'это проценты (лекция печатает их); по условию нужна доля в [0, 1].',
        },
      },
    ];
    return { loss: ref.loss, accuracy: ref.accuracy, lossMistakes, accuracyMistakes, perSample: all, correct: batchHits.flat() };
  } finally {
    for (const b of batches) tf.dispose([b.x, b.y]);
  }
}

// ---------------------------------------------------------------------------------------------
// What the probe sends back (untrusted: parsed, never cast).

const ReportSchema = z.object({
  result: z.unknown(),
  leaked: z.number(),
  leakedVariables: z.number().optional(),
  compiled: z.boolean().optional(),
  batches: z.number().optional(),
  imagesThroughModel: z.number().optional(),
  weightChanges: z.array(z.object({ name: z.string().max(200), worst: z.number().nullable() })).max(100),
  weightsSwapped: z.boolean(),
});

interface Case {
  kind: 'random' | 'trained';
  data: EvalData;
  what: Text;
}

const TOL = { loss: { rtol: 1e-4, atol: 1e-5 }, accuracy: { rtol: 0, atol: 1e-6 } };

function near(a: number, b: number, t: { rtol: number; atol: number }): boolean {
  return Math.abs(a - b) <= t.atol + t.rtol * Math.abs(b);
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

async function runCase(ctx: TestContext, c: Case): Promise<{ report: z.infer<typeof ReportSchema>; model: TrustedModel }> {
  const trusted = await trustedModel(c.kind);
  const raw = await ctx.probe(EVALUATE, trusted.wire, c.data);
  const parsed = ReportSchema.safeParse(raw);
  if (!parsed.success) throw new MalformedReportError('evaluate', parsed.error.message);
  return { report: parsed.data, model: trusted };
}

/** Compares loss and accuracy with the reference; names a recognised mistake. */
async function checkValues(ctx: TestContext, c: Case): Promise<TestVerdict> {
  const { report, model } = await runCase(ctx, c);
  const exp = expectation(ctx, model.model, c.data);
  const label = callText(ctx, c);
  const problems: string[] = [];
  const figures: TensorMismatchFigure[] = [];
  const actual = report.result;
  if (typeof actual !== 'object' || actual === null) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `${label} returned ${actual === undefined ? 'undefined' : typeof actual}; expected {loss, accuracy}, two numbers.`,
        ru: `${label} вернула ${actual === undefined ? 'undefined' : typeof actual}; ожидался объект {loss, accuracy} из двух чисел.`,
      }),
    };
  }
  for (const key of ['loss', 'accuracy'] as const) {
    const value = field(actual, key);
    const tol = TOL[key];
    const cmp = compareNumbers(exp[key], value, {
      ...tol,
      lang: ctx.lang,
      label: `${label}.${key}`,
      usualCause: {
        type: say(ctx.lang, {
          en: 'return plain numbers: read a scalar tensor with (await t.data())[0] or t.dataSync()[0], then dispose it.',
          ru: 'возвращайте обычные числа: прочитайте скалярный тензор через (await t.data())[0] или t.dataSync()[0] и освободите его.',
        }),
      },
    });
    if (cmp.ok) continue;
    if (hasMismatchPicture(cmp)) figures.push(mismatchFigure(`${label}.${key}`, cmp));
    const mistakes = key === 'loss' ? exp.lossMistakes : exp.accuracyMistakes;
    const named = typeof value === 'number' ? mistakes.filter((m) => near(value, m.value, tol) && !near(exp[key], m.value, tol)) : [];
    const hints = [...new Set(named.map((m) => say(ctx.lang, m.hint)))].slice(0, 2);
    const lead = say(ctx.lang, hints.length > 1 ? { en: 'Likely causes: ', ru: 'Вероятные причины: ' } : { en: 'Likely cause: ', ru: 'Вероятная причина: ' });
    problems.push(hints.length > 0 ? `${cmp.message}\n${lead}${hints.join(say(ctx.lang, { en: ' Or: ', ru: ' Или: ' }))}` : cmp.message);
  }
  const details = { expected: { loss: exp.loss, accuracy: exp.accuracy }, actual: { loss: field(actual, 'loss') ?? null, accuracy: field(actual, 'accuracy') ?? null } };
  if (problems.length > 0) {
    // Through JSON: whatever the student returned is stored as plain data.
    const plain: typeof details = JSON.parse(JSON.stringify(details));
    return { passed: false, output: problems.join('\n\n'), details: { ...plain, ...(figures.length > 0 ? { figures } : {}) } };
  }
  return {
    passed: true,
    output: say(ctx.lang, {
      en: `${label}: loss ${formatNumber(exp.loss)} and accuracy ${formatNumber(exp.accuracy)}, as expected.`,
      ru: `${label}: потеря ${formatNumber(exp.loss)} и точность ${formatNumber(exp.accuracy)}, как и должно быть.`,
    }),
  };
}

/**
 * Weights unchanged and no leaks are credited only when the same call did its job: evaluate
 * returned {loss, accuracy} as finite, non-negative numbers, not both zero, and every image
 * went through the model (the trusted meter of the engine's kernels saw at least as many
 * images' worth of data meet the model's first weight, by predict, apply or hand-written ops
 * on its weights). Returning made-up numbers without running the model touches no weight
 * and leaks nothing, and earns nothing for it. Deliberately not a check of the values (the
 * principle of grader/spec/credit.ts): an accuracy reported as a percentage or a mean of
 * batch means costs the value tests' points, not these too.
 */
function uncreditedMetrics(ctx: TestContext, c: Case, report: z.infer<typeof ReportSchema>, property: Text): string | undefined {
  const result = report.result;
  const loss = typeof result === 'object' && result !== null ? (result as Record<string, unknown>).loss : undefined;
  const accuracy = typeof result === 'object' && result !== null ? (result as Record<string, unknown>).accuracy : undefined;
  const numbers = typeof loss === 'number' && Number.isFinite(loss) && loss >= 0 && typeof accuracy === 'number' && Number.isFinite(accuracy) && accuracy >= 0;
  const ranModel = (report.imagesThroughModel ?? 0) >= c.data.count;
  if (numbers && (loss !== 0 || accuracy !== 0) && ranModel) return undefined;
  if (numbers && !ranModel) {
    return notCredited(ctx.lang, property, callText(ctx, c), say(ctx.lang, {
      en: `numbers without running the model on every image (${Math.floor(report.imagesThroughModel ?? 0)} of ${c.data.count} images' worth of data met the model's first layer)`,
      ru: `числа, не прогнав модель на каждом изображении (с первым слоем модели встретились данные ${Math.floor(report.imagesThroughModel ?? 0)} из ${c.data.count} изображений)`,
    }), {
      en: 'the loss and accuracy of the model on the batches, computed by running it on them',
      ru: 'потери и точности модели на батчах, вычисленных прогоном модели на них',
    });
  }
  const got = numbers ? `{loss: 0, accuracy: 0}` : describeText(result, ctx.lang, 'value');
  return notCredited(ctx.lang, property, callText(ctx, c), got, {
    en: 'the loss and accuracy of the model on the batches (finite, non-negative numbers)',
    ru: 'потери и точности модели на батчах (конечных неотрицательных чисел)',
  });
}

async function checkWeights(ctx: TestContext, c: Case): Promise<TestVerdict> {
  const { report, model } = await runCase(ctx, c);
  const idle = uncreditedMetrics(ctx, c, report, { en: "'The model's weights do not change'", ru: '«Веса модели не меняются»' });
  if (idle !== undefined) return { passed: false, output: idle };
  const sent = model.model.weights.length;
  if (report.weightChanges.length !== sent) throw new MalformedReportError('evaluate', `${report.weightChanges.length} weights measured, ${sent} sent`);
  const gone = report.weightChanges.find((w) => w.worst === null);
  if (gone !== undefined || report.weightsSwapped) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `After ${callText(ctx, c)} the model no longer holds the weights it was given${gone !== undefined ? ` (${gone.name} was replaced or disposed)` : ' (a layer holds other weight variables)'}: the test loop must leave the model as it is.`,
        ru: `После ${callText(ctx, c)} модель больше не держит данные ей веса${gone !== undefined ? ` (${gone.name} заменён или освобождён)` : ' (слой держит другие переменные весов)'}: цикл тестирования должен оставить модель как есть.`,
      }),
    };
  }
  const moved = report.weightChanges.find((w) => (w.worst ?? 0) > 0);
  if (moved !== undefined) {
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `After ${callText(ctx, c)} the weight ${moved.name} has changed (by up to ${formatNumber(moved.worst ?? 0)}): the test loop must not train. Use model.predict(x) (or model.apply(x)) for the outputs; no optimizer, no model.fit, no minimize in evaluate.`,
        ru: `После ${callText(ctx, c)} вес ${moved.name} изменился (до ${formatNumber(moved.worst ?? 0)}): цикл тестирования не должен обучать. Получайте выходы через model.predict(x) (или model.apply(x)); никаких оптимизаторов, model.fit и minimize в evaluate.`,
      }),
    };
  }
  return {
    passed: true,
    output: say(ctx.lang, { en: 'the model\'s weights are exactly as before evaluate.', ru: 'веса модели в точности такие же, как до evaluate.' }),
  };
}

async function checkLeaks(ctx: TestContext, c: Case): Promise<TestVerdict> {
  const { report } = await runCase(ctx, c);
  const idle = uncreditedMetrics(ctx, c, report, { en: "'No tensors leak'", ru: '«Тензоры не утекают»' });
  if (idle !== undefined) return { passed: false, output: idle };
  if (report.leaked > 0) {
    const call = callText(ctx, c);
    const variables = Math.max(0, Math.min(report.leaked, report.leakedVariables ?? 0));
    const batches = report.batches ?? 0;
    const parts: Text[] = [];
    // An optimizer holds a few tensors (a learning-rate scalar, Adam's two β powers, …).
    const optimizerShare = report.compiled === true ? Math.min(report.leaked, Math.max(variables, 2)) : variables;
    if (report.compiled === true) {
      parts.push({
        en: `evaluate compiled the model: model.compile makes an optimizer, whose tensors (${variables} of them variables, tf.Variable) stay alive with the model. A test loop needs no compile (model.predict works on an uncompiled model); if you compile anyway, dispose model.optimizer at the end.`,
        ru: `evaluate скомпилировала модель: model.compile создаёт оптимизатор, чьи тензоры (из них ${variables} — переменные, tf.Variable) остаются жить вместе с моделью. Циклу тестирования compile не нужен (model.predict работает и на нескомпилированной модели); если всё же компилируете, освободите model.optimizer в конце.`,
      });
    } else if (variables > 0) {
      parts.push({
        en: `${variables} of them ${variables === 1 ? 'is a variable' : 'are variables'} (tf.Variable): an optimizer (tf.train.…) or tf.variable made inside evaluate and never disposed. A test loop needs neither.`,
        ru: `${variables} из них — переменные (tf.Variable): оптимизатор (tf.train.…) или tf.variable, созданные внутри evaluate и не освобождённые. Циклу тестирования не нужно ни то, ни другое.`,
      });
    }
    const others = report.leaked - optimizerShare;
    if (others > 0 && batches > 0 && others < batches) {
      parts.push({
        en: `${others === 1 ? 'One tensor' : `${others} tensors`}, fewer than one per batch (${batches} batches): something made once in evaluate and never disposed, such as an optimizer (tf.train.sgd keeps its learning rate as a tensor) or a constant tensor. A test loop needs no optimizer; dispose what you make.`,
        ru: `${others} — меньше одного на батч (батчей ${batches}): что-то, созданное в evaluate один раз и не освобождённое, например оптимизатор (tf.train.sgd хранит шаг обучения тензором) или тензор-константа. Оптимизатор циклу тестирования не нужен; освобождайте то, что создаёте.`,
      });
    } else if (others > 0) {
      const perBatch = batches > 0 ? others / batches : 0;
      parts.push({
        en: `${others} ${others === 1 ? 'is an intermediate tensor' : 'are intermediate tensors'}${batches > 0 ? ` (about ${formatNumber(perBatch, 3)} per batch over ${batches} batches)` : ''}: wrap each batch's computation in tf.tidy and read the scalars out with dataSync() or await data() before disposing them; model.predict's output must be disposed too.`,
        ru: `${others} — промежуточные тензоры${batches > 0 ? ` (примерно ${formatNumber(perBatch, 3)} на батч, ${batches} батчей)` : ''}: оберните вычисления по батчу в tf.tidy и читайте скаляры через dataSync() или await data(), прежде чем освободить их; выход model.predict тоже нужно освобождать.`,
      });
    }
    return {
      passed: false,
      output: say(ctx.lang, {
        en: `${call} left ${count('en', report.leaked, NOUNS.tensor)} behind (the batches themselves are freed by the data iterable). ${parts.map((p) => p.en).join(' ')}`,
        ru: `${call} оставила ${count('ru', report.leaked, NOUNS.tensor)} (сами батчи освобождает источник данных). ${parts.map((p) => p.ru).join(' ')}`,
      }),
      details: { leaked: report.leaked, variables, compiled: report.compiled ?? false },
    };
  }
  return { passed: true, output: say(ctx.lang, { en: 'evaluate leaves no tensor behind.', ru: 'evaluate не оставляет ни одного тензора.' }) };
}

// ---------------------------------------------------------------------------------------------
// The data of each test: slices of the training split after the samples the model trained on.

async function slice(start: number, end: number): Promise<Dataset> {
  return sliceDataset((await loadMnist()).train, start, end);
}

/** The samples the trusted model trained on come first in the split; tests draw after them. */
const FIRST_UNSEEN = 2_000;

/**
 * `count` samples from a window drawn by the test's generator: hidden tests draw theirs with
 * the submission's hidden-inputs key, so values from one student's released report fit no
 * other commit (visible tests keep fixed data: the kit records their expected values).
 */
async function drawnSlice(ctx: TestContext, count: number): Promise<Dataset> {
  const total = (await loadMnist()).train.count;
  const start = ctx.rng.int(FIRST_UNSEEN, total - count + 1);
  return slice(start, start + count);
}

const what = (count: number, batchSize: number): Text => {
  const last = count % batchSize;
  return {
    en: `${count} samples in batches of ${batchSize}${last > 0 ? `, the last of ${last}` : ''}`,
    ru: `${count} примеров в батчах по ${batchSize}${last > 0 ? `, в последнем ${last}` : ''}`,
  };
};

const MODEL_NAME: Record<'random' | 'trained', Text> = {
  random: { en: 'random model', ru: 'случайная модель' },
  trained: { en: 'trained model', ru: 'обученная модель' },
};

function callText(ctx: TestContext, c: Case): string {
  return `evaluate(<${say(ctx.lang, MODEL_NAME[c.kind])}>, ${say(ctx.lang, c.what)})`;
}

/**
 * 64 samples, then one that the trained model gets wrong (a large loss): in batches of 64
 * the last batch holds only that sample, and the mean of the batch means is far off.
 */
async function lastBatchOfOne(ctx: TestContext): Promise<Case> {
  const trusted = await trustedModel('trained');
  const pool = await drawnSlice(ctx, 200);
  const probe = expectation(ctx, trusted.model, evalData(pool, 200));
  let hardest = 64;
  for (let i = 64; i < pool.count; i++) if (probe.perSample[i] > probe.perSample[hardest]) hardest = i;
  const ds = subset(pool, [...Array.from({ length: 64 }, (_, i) => i), hardest]);
  return { kind: 'trained', data: evalData(ds, 64), what: what(65, 64) };
}

export const spec = defineAssignment({
  id: 'mnist-test-loop',
  title: 'The test loop: loss and accuracy over all samples',
  entry: 'solution.ts',
  contract: 'contract.ts',
  probes: 'probes.ts',
  limits: { totalMs: 180_000, testMs: 30_000, heapMb: 1024 },
  tolerance: TOL.loss,
  dataset: async () => (await loadMnist()).name,
  requirements: [
    {
      id: 'loss-cross-entropy',
      text: {
        en: "Each sample's loss is the softmax cross-entropy of the model's logits at its label, −log softmax(z)[y] (softmax applied once).",
        ru: 'Потеря примера — перекрёстная энтропия softmax от логитов модели на его метке, −log softmax(z)[y] (softmax применяется один раз).',
      },
    },
    {
      id: 'mean-over-samples',
      text: {
        en: 'loss is the mean over all samples (sum of the per-sample losses divided by their number), not the mean of the batch means.',
        ru: 'loss — среднее по всем примерам (сумма потерь примеров, делённая на их число), а не среднее средних по батчам.',
      },
    },
    {
      id: 'accuracy-fraction',
      text: {
        en: 'accuracy is the fraction of all samples whose largest logit is at the label, in [0, 1].',
        ru: 'accuracy — доля всех примеров, у которых наибольший логит стоит на метке, в [0, 1].',
      },
    },
    {
      id: 'any-batch-size',
      text: {
        en: 'Any batch size works, a partial last batch and batches of one included: the size of each batch is taken from x.shape[0], never hard-coded.',
        ru: 'Работает любой размер батча, включая неполный последний и батчи из одного примера: размер батча берётся из x.shape[0], а не зашивается.',
      },
    },
    {
      id: 'no-training',
      text: {
        en: "The model's weights do not change: no optimizer, minimize or fit in a test loop.",
        ru: 'Веса модели не меняются: никаких оптимизаторов, minimize и fit в цикле тестирования.',
      },
    },
    {
      id: 'no-leaks',
      text: { en: 'No tensor outlives evaluate.', ru: 'Ни один тензор не переживает evaluate.' },
    },
  ],
  tests: [
    {
      name: 'random model, batches of 32 with a partial last batch',
      points: 2,
      visibility: 'visible',
      requirements: ['loss-cross-entropy', 'mean-over-samples', 'accuracy-fraction', 'any-batch-size', 'no-training'],
      run: async (ctx) => checkValues(ctx, { kind: 'random', data: evalData(await slice(2_000, 2_100), 32), what: what(100, 32) }),
    },
    {
      name: 'trained model, batches of 64 with a partial last batch',
      points: 2,
      visibility: 'visible',
      requirements: ['loss-cross-entropy', 'mean-over-samples', 'accuracy-fraction', 'any-batch-size', 'no-training'],
      run: async (ctx) => checkValues(ctx, { kind: 'trained', data: evalData(await slice(2_100, 2_350), 64), what: what(250, 64) }),
    },
    {
      name: 'batch size 1',
      points: 1,
      visibility: 'visible',
      requirements: ['loss-cross-entropy', 'accuracy-fraction', 'any-batch-size', 'no-training'],
      run: async (ctx) => checkValues(ctx, { kind: 'trained', data: evalData(await slice(2_350, 2_370), 1), what: what(20, 1) }),
    },
    {
      name: 'a last batch of one sample: the mean is over samples, not batches',
      points: 2,
      visibility: 'hidden',
      requirements: ['loss-cross-entropy', 'mean-over-samples', 'accuracy-fraction', 'any-batch-size', 'no-training'],
      run: async (ctx) => checkValues(ctx, await lastBatchOfOne(ctx)),
    },
    {
      name: "the model's weights do not change",
      points: 1.5,
      visibility: 'hidden',
      requirements: ['no-training'],
      run: async (ctx) => checkWeights(ctx, { kind: 'trained', data: evalData(await drawnSlice(ctx, 130), 32), what: what(130, 32) }),
    },
    {
      name: 'no tensors leak',
      points: 1.5,
      visibility: 'hidden',
      requirements: ['no-leaks'],
      run: async (ctx) => checkLeaks(ctx, { kind: 'trained', data: evalData(await drawnSlice(ctx, 130), 32), what: what(130, 32) }),
    },
  ],
});

/** For tests: the trusted models and the expected values with the mistakes' values. */
export const internals = { trustedModel, expectation, evalData, slice, lastBatchOfOne };
