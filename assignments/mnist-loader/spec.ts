/**
 * mnist-loader (lecture section 3): the lecture's DataLoader(dataset, batch_size, shuffle)
 * over ToTensor() images, as a lazy generator of {x, y} batches.
 *
 * The loader runs on synthetic data sets whose images carry their own sample index
 * (probes.ts), so a probe can read the order of the samples back from the batches and send
 * compact summaries. Every property of the contract has its own test, so one bug costs the
 * points of the property it breaks and its message names the bug.
 */
import { types } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { compareTensors, plainTensor } from '../../grader/compare';
import { formatNumber, formatShape } from '../../grader/compare/format';
import { hasMismatchPicture, mismatchFigure } from '../../grader/compare/mismatch-figure';
import { defineAssignment, type Lang, type TestContext, type TestVerdict, say, type LocalizedText as Text } from '../../grader/spec/assignment-spec';
import { notCredited } from '../../grader/spec/credit';
import { count, NOUNS } from '../../grader/util/plural';
import type * as Reference from '../../reference/mnist-loader';
// probes.ts also makes the synthetic data sets (it must be self-contained in the runner).
import { indexedDataset, type LoaderOptions, type probes, type SyntheticDataset } from './probes';
import { iteratorLeakAudit, lazinessAudit } from '../../grader/spec/audit-findings';

type ProbeName = keyof typeof probes;
const SUMMARIZE: ProbeName = 'summarize';
const LAZY: ProbeName = 'lazy';
const LEAKS: ProbeName = 'leaks';
const ORDERS: ProbeName = 'orders';

/** Counted nouns after "из", "для", "больше" (genitive) and "в" (prepositional) in Russian. */
const SAMPLES_GEN = { en: NOUNS.sample.en, ru: ['примера', 'примеров', 'примеров'] } as const;
const BATCHES_GEN = { en: NOUNS.batch.en, ru: ['батча', 'батчей', 'батчей'] } as const;
const BATCHES_PREP = { en: NOUNS.batch.en, ru: ['батче', 'батчах', 'батчах'] } as const;

/** A Russian count that takes a singular verb (1, 21, 101…). */
function ruOne(n: number): boolean {
  return n % 10 === 1 && n % 100 !== 11;
}

function pass(ctx: TestContext, text: Text): TestVerdict {
  return { passed: true, output: say(ctx.lang, text) };
}

function fail(ctx: TestContext, text: Text, details?: unknown): TestVerdict {
  return { passed: false, output: say(ctx.lang, text), ...(details !== undefined ? { details } : {}) };
}

function reference(ctx: TestContext): typeof Reference {
  if (typeof ctx.reference.batches !== 'function') throw new Error('reference/mnist-loader.ts must export batches');
  return ctx.reference as unknown as typeof Reference;
}

// ---------------------------------------------------------------------------------------------
// What the probes send back (untrusted: parsed, never cast).

const num = z.union([z.number(), z.nan()]);
// Typed arrays from the runner belong to another realm under jest: checked by their internal slots.
const int32s = z.custom<Int32Array>((v) => types.isInt32Array(v), { message: 'expected an Int32Array' });
const float32s = z.custom<Float32Array>((v) => types.isFloat32Array(v), { message: 'expected a Float32Array' });

const TensorInfoSchema = z.object({
  tensor: z.boolean(),
  what: z.string().max(200),
  shape: z.array(z.number().int().nonnegative()).max(16),
  dtype: z.string().max(20),
  min: num,
  max: num,
});
type TensorInfo = z.infer<typeof TensorInfoSchema>;

const BatchSummarySchema = z.object({
  x: TensorInfoSchema,
  y: TensorInfoSchema,
  indices: int32s,
  labels: float32s,
  pixels: float32s.optional(),
});
type BatchSummary = z.infer<typeof BatchSummarySchema>;

const SummarySchema = z.object({
  batches: z.array(BatchSummarySchema),
  ended: z.boolean(),
  notIterable: z.string().max(200).optional(),
});
type Summary = z.infer<typeof SummarySchema>;

const LazySchema = z.union([
  z.object({ notIterable: z.string().max(200) }),
  z.object({
    baseBytes: z.number(),
    peakBytes: z.number(),
    extraTensors: z.number(),
    samples: z.number(),
    batches: z.number(),
    datasetBytes: z.number(),
  }),
]);

const OrdersSchema = z.union([
  z.object({ notIterable: z.string().max(200) }),
  z.object({ orders: int32s, lengths: int32s }),
]);

const LeaksSchema = z.union([
  z.object({ notIterable: z.string().max(200) }),
  z.object({ batches: z.number(), whole: z.number(), early: z.number(), summary: SummarySchema }),
]);

/** A verdict that ends a test early, thrown by the helpers below. */
class Stop extends Error {
  constructor(readonly verdict: TestVerdict) {
    super('stop');
  }
}

function unreadable(ctx: TestContext, what: string): Stop {
  return new Stop(
    fail(ctx, {
      en: `The test harness could not read what the loader produced (${what}). Did solution.ts change tf or the global objects?`,
      ru: `Тест не смог прочитать то, что выдал загрузчик (${what}). Не изменяет ли solution.ts объект tf или глобальные объекты?`,
    }),
  );
}

function notIterable(ctx: TestContext, what: string): Stop {
  return new Stop(
    fail(ctx, {
      en: `batches() returned ${what}, which is not iterable. Write it as a generator: \`export function* batches(ds, options, epoch = 0) { … yield { x, y }; }\`.`,
      ru: `batches() вернула ${what} — по этому нельзя пройти циклом for…of. Напишите её как генератор: \`export function* batches(ds, options, epoch = 0) { … yield { x, y }; }\`.`,
    }),
  );
}

/** Runs the student's loader in the runner and returns the parsed summary of one epoch. */
async function summarize(ctx: TestContext, ds: SyntheticDataset, options: LoaderOptions, epoch = 0, keepPixels = false): Promise<Summary> {
  const raw = await ctx.probe(SUMMARIZE, ds, options, epoch, keepPixels);
  const parsed = SummarySchema.safeParse(raw);
  if (!parsed.success) throw unreadable(ctx, parsed.error.issues[0]?.message ?? 'malformed summary');
  const summary = parsed.data;
  if (summary.notIterable !== undefined) throw notIterable(ctx, summary.notIterable);
  if (!summary.ended) {
    throw new Stop(
      fail(ctx, {
        en: `batches() yielded more than ${count('en', summary.batches.length, NOUNS.batch)} for ${count('en', ds.count, NOUNS.sample)} and was stopped: the loop never ends. Stop after the last sample.`,
        ru: `batches() выдала больше ${count('ru', summary.batches.length, BATCHES_GEN)} для ${count('ru', ds.count, SAMPLES_GEN)} и была остановлена: цикл не заканчивается. Остановитесь после последнего примера.`,
      }),
    );
  }
  return summary;
}

function describeOptions(ds: SyntheticDataset, o: LoaderOptions, epoch?: number): string {
  const parts = [`batchSize: ${o.batchSize}`, `shuffle: ${o.shuffle}`];
  if (o.seed !== undefined) parts.push(`seed: ${o.seed}`);
  if (o.dropLast !== undefined) parts.push(`dropLast: ${o.dropLast}`);
  return `batches(<${ds.count} samples>, {${parts.join(', ')}}${epoch !== undefined ? `, ${epoch}` : ''})`;
}

/** Stops when a batch is not {x: tensor, y: tensor} with a batch axis: other tests judge those. */
function requireTensors(ctx: TestContext, summary: Summary, call: string): void {
  summary.batches.forEach((b, k) => {
    for (const [key, t] of [['x', b.x], ['y', b.y]] as const) {
      if (!t.tensor || t.shape.length === 0) {
        throw new Stop(
          fail(ctx, {
            en: `${call}: batch ${k} has ${key} = ${t.tensor ? 'a scalar tensor' : t.what}; every batch must be {x, y} with x a [b, rows, cols, 1] tensor and y a [b] tensor.`,
            ru: `${call}: в батче ${k} ${key} = ${t.tensor ? 'скалярный тензор' : t.what}; каждый батч должен быть {x, y}, где x — тензор [b, rows, cols, 1], y — тензор [b].`,
          }),
        );
      }
    }
  });
}

/** The sample indices of the epoch in order, from the images; stops when unreadable. */
function order(ctx: TestContext, summary: Summary, call: string): number[] {
  requireTensors(ctx, summary, call);
  const out: number[] = [];
  for (const b of summary.batches) {
    for (const i of b.indices) {
      if (i < 0) {
        throw new Stop(
          fail(ctx, {
            en: `${call}: the images in the batches could not be matched with the data set's images. Each sample of x must hold its image's rows·cols pixels in file order (row after row); see the test of shapes.`,
            ru: `${call}: изображения в батчах не удалось сопоставить с изображениями набора данных. Каждый пример в x должен содержать rows·cols пикселей своего изображения в порядке файла (строка за строкой); см. тест форм.`,
          }),
        );
      }
      out.push(i);
    }
  }
  return out;
}

function sizes(summary: Summary): number[] {
  return summary.batches.map((b) => b.x.shape[0] ?? 0);
}

/** Checks that y[k] is the label of the image in x[k]; returns the first mismatch. */
function labelMismatch(ds: SyntheticDataset, summary: Summary): { at: number; got: number; image: number; label: number } | undefined {
  let at = 0;
  for (const b of summary.batches) {
    for (let k = 0; k < b.indices.length; k++, at++) {
      const image = b.indices[k];
      const got = b.labels[k];
      if (image >= 0 && got !== ds.labels[image]) return { at, got, image, label: ds.labels[image] };
    }
  }
  return undefined;
}

function labelMismatchText(m: { at: number; got: number; image: number; label: number }, shuffled: boolean): Text {
  const why: Text = shuffled
    ? {
        en: 'x and y must be put in order with the same permutation (take image i and label i together).',
        ru: 'x и y нужно переставлять одной и той же перестановкой (берите изображение i и метку i вместе).',
      }
    : { en: 'take label i together with image i.', ru: 'берите метку i вместе с изображением i.' };
  return {
    en: `sample ${m.at} of the epoch is image #${m.image}, whose label is ${m.label}, but y holds ${formatNumber(m.got)} there: ${why.en}`,
    ru: `пример ${m.at} эпохи — изображение №${m.image} с меткой ${m.label}, а в y на этом месте ${formatNumber(m.got)}: ${why.ru}`,
  };
}

async function guarded(ctx: TestContext, body: () => Promise<TestVerdict>): Promise<TestVerdict> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof Stop) return err.verdict;
    throw err;
  }
}

function sameSequence(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function isIdentity(a: readonly number[]): boolean {
  return a.every((v, i) => v === i);
}

function firstDifference(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return Math.min(a.length, b.length);
}

function list(xs: readonly number[], max = 12): string {
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')}, … (${xs.length} in all)`;
}


// ---------------------------------------------------------------------------------------------
// Credit: a property test ("a missing seed means 0", "no tensor leaks") counts only when the
// epoch it watched was a right one: a loader that yields nothing leaves nothing behind and is
// as deterministic as can be.

/**
 * What is wrong with one epoch of `options` over `ds` (a noun phrase for "yielded …"), or
 * undefined when it is a real epoch: it ends, yields batches {x, y} of tensors with one batch
 * axis whose images are samples of ds. Lenient on purpose: dtypes, layouts, batch sizes,
 * duplicates and labels have their own tests, and a bug there must not cost these points too.
 * `shuffled`: the order must not be the file order (the property is about the shuffle).
 */
function epochProblem(ds: SyntheticDataset, summary: Summary, shuffled: boolean): Text | undefined {
  if (!summary.ended) {
    return { en: 'batches without end (stopped after 5,000)', ru: 'батчи без конца (остановлено после 5000)' };
  }
  if (summary.batches.length === 0) return { en: 'an empty epoch (no batch at all)', ru: 'пустую эпоху (ни одного батча)' };
  const shapeOf = (t: TensorInfo) => (t.tensor ? `${t.dtype} ${formatShape(t.shape)}` : t.what);
  for (const [k, b] of summary.batches.entries()) {
    const size = b.x.shape[0];
    const ok = b.x.tensor && b.y.tensor && b.x.shape.length >= 2 && size >= 1 && b.y.shape[0] === size;
    if (!ok) {
      return {
        en: `a batch ${k} with x ${shapeOf(b.x)} and y ${shapeOf(b.y)}`,
        ru: `батч ${k}, где x — ${shapeOf(b.x)}, а y — ${shapeOf(b.y)}`,
      };
    }
  }
  const seq = summary.batches.flatMap((b) => Array.from(b.indices));
  if (seq.some((i) => i < 0 || i >= ds.count)) {
    return { en: 'images that are not the data set\'s images', ru: 'изображения, которых нет в наборе данных' };
  }
  if (shuffled && seq.length === ds.count && isIdentity(seq)) {
    return { en: 'the samples in file order (not shuffled)', ru: 'примеры в порядке файла (без перемешивания)' };
  }
  return undefined;
}

/** The failed verdict of a property that cannot be credited because the epoch was wrong, or undefined. */
function uncreditedEpoch(ctx: TestContext, property: Text, ds: SyntheticDataset, options: LoaderOptions, summary: Summary, call: string): TestVerdict | undefined {
  const problem = epochProblem(ds, summary, options.shuffle);
  if (problem === undefined) return undefined;
  const n = count('en', ds.count, NOUNS.sample);
  const nRu = count('ru', ds.count, NOUNS.sample);
  const what: Text = {
    en: `${options.shuffle ? 'a shuffled epoch' : 'an epoch'} of ${n} in batches of ${options.batchSize}, each {x: float32 [b, ${ds.rows}, ${ds.cols}, 1], y: int32 [b]}`,
    ru: `${options.shuffle ? 'перемешанной эпохи' : 'эпохи'} из ${nRu} в батчах по ${options.batchSize}, каждый {x: float32 [b, ${ds.rows}, ${ds.cols}, 1], y: int32 [b]}`,
  };
  return { passed: false, output: notCredited(ctx.lang, property, call, say(ctx.lang, problem), what) };
}

// ---------------------------------------------------------------------------------------------
// The tests.

const ROWS = 5;
const COLS = 6;

/** The first batch of an unshuffled epoch: shapes and dtypes. */
async function shapesAndDtypes(ctx: TestContext): Promise<TestVerdict> {
  const ds = indexedDataset(10, ROWS, COLS, 11);
  const options: LoaderOptions = { batchSize: 4, shuffle: false };
  const call = describeOptions(ds, options);
  const summary = await summarize(ctx, ds, options);
  if (summary.batches.length === 0) {
    return fail(ctx, { en: `${call} yielded no batch at all.`, ru: `${call} не выдала ни одного батча.` });
  }
  const problems: Text[] = [];
  const first = summary.batches[0];
  const b = first.x.shape[0];
  const { x, y } = first;
  if (!x.tensor) problems.push({ en: `x is ${x.what}, not a tensor.`, ru: `x — это ${x.what}, а не тензор.` });
  else {
    const want = [b, ROWS, COLS, 1];
    const got = x.shape;
    if (got.join() !== want.join()) {
      const shape = formatShape(got);
      const expected = formatShape([4, ROWS, COLS, 1]);
      let hint: Text;
      if (got.length === 2 && got[1] === ROWS * COLS) {
        hint = {
          en: 'the images were flattened; keep them as [batch, rows, cols, 1]: flattening is the model\'s job (tf.layers.flatten, the lecture\'s x.view).',
          ru: 'изображения вытянуты в вектор; оставьте их формы [batch, rows, cols, 1]: вытягивание — дело модели (tf.layers.flatten, x.view в лекции).',
        };
      } else if (got.length === 4 && got[1] === 1 && got[2] === ROWS && got[3] === COLS) {
        hint = {
          en: "this is PyTorch's channels-first layout [b, 1, rows, cols]; TF.js layers are channels-last: [b, rows, cols, 1].",
          ru: 'это раскладка PyTorch «каналы впереди» [b, 1, rows, cols]; слои TF.js ждут каналы в конце: [b, rows, cols, 1].',
        };
      } else if (got.length === 4 && got[1] === COLS && got[2] === ROWS) {
        hint = { en: `rows and cols are swapped: these images have ${ROWS} rows of ${COLS} pixels.`, ru: `строки и столбцы перепутаны: у этих изображений ${ROWS} строк по ${COLS} пикселей.` };
      } else if (got.length === 3 && got[1] === ROWS && got[2] === COLS) {
        hint = { en: 'the channel axis is missing: [b, rows, cols, 1].', ru: 'нет оси канала: [b, rows, cols, 1].' };
      } else {
        hint = { en: 'use ds.rows and ds.cols, not 28.', ru: 'используйте ds.rows и ds.cols, а не 28.' };
      }
      problems.push({
        en: `x of the first batch has shape ${shape}, expected ${expected} for ${ROWS}x${COLS} images in batches of 4: ${hint.en}`,
        ru: `x первого батча имеет форму ${shape}, ожидалась ${expected} для изображений ${ROWS}x${COLS} в батчах по 4: ${hint.ru}`,
      });
    } else if (b !== 4) {
      problems.push({ en: `the first batch holds ${count('en', b, NOUNS.sample)}, expected batchSize = 4.`, ru: `в первом батче ${count('ru', b, NOUNS.sample)}, ожидалось batchSize = 4.` });
    }
    if (x.dtype !== 'float32') {
      problems.push({
        en: `x has dtype ${x.dtype}, expected float32 (pixels divided by 255, as ToTensor does).`,
        ru: `x имеет тип ${x.dtype}, ожидался float32 (пиксели, делённые на 255, как в ToTensor).`,
      });
    }
  }
  if (!y.tensor) problems.push({ en: `y is ${y.what}, not a tensor.`, ru: `y — это ${y.what}, а не тензор.` });
  else {
    if (y.shape.length === 2 && y.shape[1] === 10) {
      problems.push({
        en: `y has shape ${formatShape(y.shape)}: these are one-hot vectors, but the contract asks for the class indices, shape [b] (one-hot encoding belongs to the loss).`,
        ru: `y имеет форму ${formatShape(y.shape)}: это one-hot векторы, а по условию нужны номера классов формы [b] (one-hot кодирование — дело функции потерь).`,
      });
    } else if (y.shape.join() !== [x.shape[0] ?? b].join()) {
      problems.push({
        en: `y has shape ${formatShape(y.shape)}, expected [${x.shape[0] ?? b}]: one label per image of x.`,
        ru: `y имеет форму ${formatShape(y.shape)}, ожидалась [${x.shape[0] ?? b}]: по одной метке на изображение из x.`,
      });
    }
    if (y.dtype !== 'int32') {
      problems.push({
        en: `y has dtype ${y.dtype}, expected int32 (class indices): tf.tensor1d(labels, 'int32').`,
        ru: `y имеет тип ${y.dtype}, ожидался int32 (номера классов): tf.tensor1d(labels, 'int32').`,
      });
    }
  }
  const shapes = summary.batches.map((s) => `${formatShape(s.x.shape)}/${formatShape(s.y.shape)}`);
  if (problems.length === 0) {
    const inconsistent = summary.batches.findIndex((s) => s.x.shape.slice(1).join() !== [ROWS, COLS, 1].join() || s.y.shape.join() !== [s.x.shape[0]].join());
    if (inconsistent >= 0) {
      problems.push({
        en: `batch ${inconsistent} has x ${formatShape(summary.batches[inconsistent].x.shape)} and y ${formatShape(summary.batches[inconsistent].y.shape)}: every batch must be x [b, ${ROWS}, ${COLS}, 1] with y [b].`,
        ru: `в батче ${inconsistent} x ${formatShape(summary.batches[inconsistent].x.shape)} и y ${formatShape(summary.batches[inconsistent].y.shape)}: каждый батч должен быть x [b, ${ROWS}, ${COLS}, 1] и y [b].`,
      });
    }
  }
  if (problems.length > 0) {
    return fail(
      ctx,
      { en: `${call}:\n${problems.map((p) => `- ${p.en}`).join('\n')}`, ru: `${call}:\n${problems.map((p) => `- ${p.ru}`).join('\n')}` },
      { shapes },
    );
  }
  return pass(ctx, {
    en: `${call} yields x [4, ${ROWS}, ${COLS}, 1] float32 and y [4] int32, as expected.`,
    ru: `${call} выдаёт x [4, ${ROWS}, ${COLS}, 1] float32 и y [4] int32, как и должно быть.`,
  });
}

/** The images put back in file order by the index each carries, when they are a permutation; else as they came. */
function byIndex(values: Float32Array, indices: number[], count: number, pixels: number): Float32Array {
  if (indices.length !== count || values.length !== count * pixels || new Set(indices).size !== count || indices.some((i) => i < 0 || i >= count)) {
    return values;
  }
  const out = new Float32Array(values.length);
  indices.forEach((i, k) => out.set(values.subarray(k * pixels, (k + 1) * pixels), i * pixels));
  return out;
}

/** x = bytes / 255 exactly (ToTensor), on an unshuffled single batch. */
async function scaling(ctx: TestContext): Promise<TestVerdict> {
  const ds = indexedDataset(6, ROWS, COLS, 12);
  const options: LoaderOptions = { batchSize: 6, shuffle: false };
  const call = describeOptions(ds, options);
  const summary = await summarize(ctx, ds, options, 0, true);
  requireTensors(ctx, summary, call);
  const pixels = summary.batches.map((b) => b.pixels ?? new Float32Array(0));
  const inOrder = new Float32Array(pixels.reduce((n, p) => n + p.length, 0));
  pixels.reduce((at, p) => (inOrder.set(p, at), at + p.length), 0);
  // Each image is compared with the image it carries the index of: the order has its own test.
  const actual = byIndex(inOrder, summary.batches.flatMap((b) => Array.from(b.indices)), ds.count, ds.rows * ds.cols);
  const ref = reference(ctx);
  const expectedData = tf.tidy(() => {
    const out: number[] = [];
    for (const batch of ref.batches(ds, options)) {
      out.push(...(batch.x.dataSync() as Float32Array));
      tf.dispose([batch.x, batch.y]);
    }
    return Float32Array.from(out);
  });
  const min = actual.reduce((m, v) => Math.min(m, v), Infinity);
  const max = actual.reduce((m, v) => Math.max(m, v), -Infinity);
  if (actual.length === expectedData.length && max > 1.5 && max <= 255 && min >= 0) {
    return fail(ctx, {
      en: `${call}: x holds values up to ${formatNumber(max)}: the pixels are not scaled. ToTensor() in the lecture turns bytes 0..255 into floats in [0, 1]: divide by 255.`,
      ru: `${call}: в x есть значения до ${formatNumber(max)}: пиксели не отмасштабированы. ToTensor() в лекции переводит байты 0..255 в числа из [0, 1]: разделите на 255.`,
    });
  }
  if (actual.length === expectedData.length && min < -1e-6) {
    return fail(ctx, {
      en: `${call}: x has negative values (down to ${formatNumber(min)}): the pixels look normalised with a mean and a standard deviation (transforms.Normalize). The contract asks for ToTensor() only: byte / 255, in [0, 1].`,
      ru: `${call}: в x есть отрицательные значения (до ${formatNumber(min)}): похоже, пиксели нормированы средним и стандартным отклонением (transforms.Normalize). По условию нужен только ToTensor(): байт / 255, в [0, 1].`,
    });
  }
  const cmp = compareTensors(plainTensor(expectedData, [expectedData.length]), plainTensor(actual, [actual.length]), {
    rtol: 1e-6,
    atol: 1e-6,
    lang: ctx.lang,
    label: `${call}: the pixels of x, in order`,
    usualCause: say(ctx.lang, {
      en: 'each value must be the byte of the same pixel divided by 255, in the file order of the pixels (row after row).',
      ru: 'каждое значение — байт того же пикселя, делённый на 255, в порядке пикселей в файле (строка за строкой).',
    }),
  });
  if (!cmp.ok) {
    const figures = hasMismatchPicture(cmp) ? [mismatchFigure(`${call}: x`, cmp)] : [];
    return { passed: false, output: cmp.message, ...(figures.length > 0 ? { details: { figures } } : {}) };
  }
  return pass(ctx, {
    en: `${call}: every pixel is byte / 255, in [0, 1], as ToTensor() gives.`,
    ru: `${call}: каждый пиксель равен байт / 255, в [0, 1], как даёт ToTensor().`,
  });
}

/** shuffle: false: the file order, labels with their images. */
async function fileOrder(ctx: TestContext): Promise<TestVerdict> {
  // 25 = 5 batches of 5: a loader that mishandles the last partial batch loses points only in that test.
  const ds = indexedDataset(25, ROWS, COLS, 13);
  const options: LoaderOptions = { batchSize: 5, shuffle: false };
  const call = describeOptions(ds, options);
  const summary = await summarize(ctx, ds, options);
  const seq = order(ctx, summary, call);
  if (!isIdentity(seq) || seq.length !== ds.count) {
    const at = firstDifference(seq, Array.from({ length: ds.count }, (_, i) => i));
    const text: Text =
      at < seq.length
        ? {
            en: `${call}: sample ${at} of the epoch is image #${seq[at]}, expected #${at}: with shuffle: false the samples come in the order of the file.`,
            ru: `${call}: пример ${at} эпохи — изображение №${seq[at]}, ожидалось №${at}: при shuffle: false примеры идут в порядке файла.`,
          }
        : {
            en: `${call}: the epoch holds ${count('en', seq.length, NOUNS.sample)}, expected all ${ds.count} in the order of the file.`,
            ru: `${call}: в эпохе ${count('ru', seq.length, NOUNS.sample)}, ожидались все ${ds.count} в порядке файла.`,
          };
    return fail(ctx, text, { order: seq.slice(0, 100) });
  }
  const mismatch = labelMismatch(ds, summary);
  if (mismatch !== undefined) {
    const t = labelMismatchText(mismatch, false);
    return fail(ctx, { en: `${call}: ${t.en}`, ru: `${call}: ${t.ru}` });
  }
  return pass(ctx, {
    en: `${call}: all 25 samples in the file order, each label with its image.`,
    ru: `${call}: все 25 примеров в порядке файла, каждая метка при своём изображении.`,
  });
}

interface SizeCase {
  count: number;
  options: LoaderOptions;
  expected: number[];
}

async function batchSizes(ctx: TestContext, cases: SizeCase[], dropLast: boolean): Promise<TestVerdict> {
  const lines: Text[] = [];
  for (const c of cases) {
    const ds = indexedDataset(c.count, ROWS, COLS, 14 + c.count);
    const call = describeOptions(ds, c.options);
    const summary = await summarize(ctx, ds, c.options);
    requireTensors(ctx, summary, call);
    const got = sizes(summary);
    if (sameSequence(got, c.expected)) continue;
    const exp = c.expected.length > 0 ? c.expected.join(', ') : '(none)';
    const gotText = got.length > 0 ? got.join(', ') : '(none)';
    const head: Text = {
      en: `${call} gave batches of ${gotText}; expected ${exp}`,
      ru: `${call} выдала батчи размеров ${gotText}; ожидалось ${exp}`,
    };
    const partial = c.count % c.options.batchSize;
    let why: Text;
    if (!sameSequence(got, c.expected) && got.length > 0 && got[got.length - 1] === 0) {
      why = { en: 'the last batch is empty: stop when no sample is left.', ru: 'последний батч пустой: остановитесь, когда примеры кончились.' };
    } else if (!dropLast && partial > 0 && sameSequence(got, c.expected.slice(0, -1))) {
      why = {
        en: `the last, partial batch of ${count('en', partial, NOUNS.sample)} is missing. Without dropLast every sample must be served: the lecture's 10,000 test images in batches of 32 end with a batch of 16.`,
        ru: `нет последнего неполного батча из ${count('ru', partial, SAMPLES_GEN)}. Без dropLast нужно выдать все примеры: 10 000 тестовых изображений лекции в батчах по 32 заканчиваются батчем из 16.`,
      };
    } else if (dropLast && partial > 0 && sameSequence(got, [...c.expected, partial])) {
      why = {
        en: `dropLast: true must drop the partial last batch of ${count('en', partial, NOUNS.sample)}.`,
        ru: `при dropLast: true неполный последний батч из ${count('ru', partial, SAMPLES_GEN)} нужно отбросить.`,
      };
    } else if (dropLast && partial === 0 && got.length < c.expected.length) {
      why = {
        en: `${c.count} samples make ${c.expected.length} full batches of ${c.options.batchSize}: dropLast drops only a partial batch.`,
        ru: `${c.count} примеров дают ${c.expected.length} полных батчей по ${c.options.batchSize}: dropLast отбрасывает только неполный батч.`,
      };
    } else if (got.length === c.expected.length && !dropLast && partial > 0 && got[got.length - 1] === c.options.batchSize) {
      why = {
        en: `the last batch holds ${count('en', c.options.batchSize, NOUNS.sample)}, but only ${partial} ${partial === 1 ? 'is' : 'are'} left: it must not be filled up with other samples.`,
        ru: `в последнем батче ${count('ru', c.options.batchSize, NOUNS.sample)}, а осталось только ${partial}: его нельзя дополнять другими примерами.`,
      };
    } else {
      why = {
        en: `batches hold batchSize samples each, the last one what is left (${partial > 0 ? partial : c.options.batchSize}).`,
        ru: `в каждом батче batchSize примеров, в последнем — сколько осталось (${partial > 0 ? partial : c.options.batchSize}).`,
      };
    }
    lines.push({ en: `${head.en}: ${why.en}`, ru: `${head.ru}: ${why.ru}` });
  }
  if (lines.length > 0) {
    return fail(ctx, { en: lines.map((l) => l.en).join('\n'), ru: lines.map((l) => l.ru).join('\n') });
  }
  const shown = cases.map((c) => `${c.count}/${c.options.batchSize} → ${c.expected.length > 0 ? c.expected.join(', ') : '(none)'}`).join('; ');
  return pass(ctx, { en: `batch sizes as expected: ${shown}.`, ru: `размеры батчей как ожидалось: ${shown}.` });
}

/** One shuffled epoch: a permutation of all samples, labels with their images, not the file order. */
async function exactlyOnce(ctx: TestContext): Promise<TestVerdict> {
  // 100 = 10 full batches: the partial last batch has its own test.
  const ds = indexedDataset(100, ROWS, COLS, 15);
  const options: LoaderOptions = { batchSize: 10, shuffle: true, seed: 11 };
  const call = describeOptions(ds, options, 0);
  const summary = await summarize(ctx, ds, options, 0);
  const seq = order(ctx, summary, call);
  const counts = new Array<number>(ds.count).fill(0);
  for (const i of seq) if (i < ds.count) counts[i]++;
  const repeated = counts.map((c, i) => [i, c] as const).filter(([, c]) => c > 1);
  const missing = counts.map((c, i) => [i, c] as const).filter(([, c]) => c === 0).map(([i]) => i);
  if (repeated.length > 0) {
    const [i, c] = repeated[0];
    return fail(
      ctx,
      {
        en: `${call}: image #${i} appears ${count('en', c, NOUNS.time)} in one epoch and ${count('en', missing.length, NOUNS.image)} never ${missing.length === 1 ? 'appears' : 'appear'} (#${list(missing, 6)}): the samples were drawn with replacement (a random index for every slot). An epoch must visit every sample exactly once: shuffle a permutation of 0..count-1 (Fisher–Yates) and walk through it.`,
        ru: `${call}: изображение №${i} встречается ${count('ru', c, NOUNS.time)} за эпоху, а ${count('ru', missing.length, NOUNS.image)} не ${ruOne(missing.length) ? 'встречается' : 'встречаются'} вовсе (№${list(missing, 6)}): примеры выбирались с возвращением (случайный индекс на каждое место). За эпоху каждый пример должен встретиться ровно один раз: перемешайте перестановку 0..count-1 (Фишер — Йейтс) и пройдите по ней.`,
      },
      { order: seq.slice(0, 200) },
    );
  }
  if (missing.length > 0) {
    return fail(ctx, {
      en: `${call}: ${missing.length} of the ${ds.count} images never ${missing.length === 1 ? 'appears' : 'appear'} (#${list(missing, 6)}): an epoch must visit every sample exactly once.`,
      ru: `${call}: ${missing.length} из ${ds.count} изображений не ${ruOne(missing.length) ? 'встречается' : 'встречаются'} вовсе (№${list(missing, 6)}): за эпоху каждый пример должен встретиться ровно один раз.`,
    });
  }
  if (isIdentity(seq)) {
    return fail(ctx, {
      en: `${call}: the samples come in the file order: shuffle: true must shuffle them.`,
      ru: `${call}: примеры идут в порядке файла: при shuffle: true их нужно перемешать.`,
    });
  }
  const mismatch = labelMismatch(ds, summary);
  if (mismatch !== undefined) {
    const t = labelMismatchText(mismatch, true);
    return fail(ctx, { en: `${call}: ${t.en}`, ru: `${call}: ${t.ru}` });
  }
  return pass(ctx, {
    en: `${call}: each of the 100 samples exactly once, shuffled, each label with its image.`,
    ru: `${call}: каждый из 100 примеров ровно один раз, в перемешанном порядке, каждая метка при своём изображении.`,
  });
}

const SEEDED_DS = () => indexedDataset(48, ROWS, COLS, 16);

async function epochSequence(ctx: TestContext, seed: number, epoch: number): Promise<{ call: string; seq: number[] }> {
  const ds = SEEDED_DS();
  const options: LoaderOptions = { batchSize: 8, shuffle: true, seed };
  const call = describeOptions(ds, options, epoch);
  return { call, seq: order(ctx, await summarize(ctx, ds, options, epoch), call) };
}

/** The same (seed, epoch) gives the same order; another seed another order. */
async function fixedBySeed(ctx: TestContext): Promise<TestVerdict> {
  const a = await epochSequence(ctx, 5, 2);
  const b = await epochSequence(ctx, 5, 2);
  if (!sameSequence(a.seq, b.seq)) {
    const at = firstDifference(a.seq, b.seq);
    return fail(ctx, {
      en: `${a.call}, called twice, gave two different orders (they differ from sample ${at} on): the order must be fixed by (seed, epoch), so that a grade or an experiment can be repeated. Math.random() and tf.util.shuffle are not seeded; use a small seeded generator (e.g. mulberry32 of the starter) started from the seed and the epoch.`,
      ru: `${a.call}, вызванная дважды, дала два разных порядка (различаются с примера ${at}): порядок должен определяться парой (seed, epoch), чтобы оценку или эксперимент можно было повторить. Math.random() и tf.util.shuffle не принимают зерна; используйте небольшой генератор с зерном (например, mulberry32 из заготовки), запущенный от seed и epoch.`,
    });
  }
  const c = await epochSequence(ctx, 6, 2);
  if (sameSequence(a.seq, c.seq)) {
    return fail(ctx, {
      en: `seeds 5 and 6 (epoch 2) gave the same order: the seed is ignored. Start the generator from the seed and the epoch.`,
      ru: `зёрна 5 и 6 (эпоха 2) дали один и тот же порядок: seed не используется. Запускайте генератор от seed и epoch.`,
    });
  }
  // Seeds 1 and 2, not 0 and 1: generators that cannot start from 0 (xorshift) often map 0 to 1.
  const d = await epochSequence(ctx, 1, 0);
  const e = await epochSequence(ctx, 2, 0);
  if (sameSequence(d.seq, e.seq)) {
    return fail(ctx, {
      en: `seeds 1 and 2 gave the same order at epoch 0 (seeds 5 and 6 differ at epoch 2): at epoch 0 the seed does not reach the generator, e.g. seed · epoch is 0 whatever the seed, or the seed is rounded away. Make the generator's start depend on both, e.g. seed · 1000003 + epoch.`,
      ru: `зёрна 1 и 2 дали один и тот же порядок в эпохе 0 (зёрна 5 и 6 в эпохе 2 различаются): в эпохе 0 seed не доходит до генератора, например seed · epoch равно 0 при любом seed или seed теряется при округлении. Пусть начало генератора зависит от обоих, например seed · 1000003 + epoch.`,
    });
  }
  return pass(ctx, {
    en: 'the same (seed, epoch) gives the same order, and another seed another order.',
    ru: 'одна и та же пара (seed, epoch) даёт один и тот же порядок, другое зерно — другой порядок.',
  });
}

/** Epochs 0, 1, 2 with one seed: three different orders. */
async function differsBetweenEpochs(ctx: TestContext): Promise<TestVerdict> {
  const runs = [await epochSequence(ctx, 5, 0), await epochSequence(ctx, 5, 1), await epochSequence(ctx, 5, 2)];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      if (sameSequence(runs[i].seq, runs[j].seq)) {
        return fail(ctx, {
          en: `epochs ${i} and ${j} (seed 5) gave the same order: the lecture's DataLoader(shuffle=True) reshuffles at every epoch. Start the generator from the seed AND the epoch.`,
          ru: `эпохи ${i} и ${j} (seed 5) дали один и тот же порядок: DataLoader(shuffle=True) из лекции перемешивает заново в каждой эпохе. Запускайте генератор от seed И epoch.`,
        });
      }
    }
  }
  return pass(ctx, {
    en: 'epochs 0, 1 and 2 come in three different orders.',
    ru: 'эпохи 0, 1 и 2 идут в трёх разных порядках.',
  });
}

/** A missing seed means 0: the same orders as seed: 0, at epoch 0 and 1. */
async function seedDefault(ctx: TestContext): Promise<TestVerdict> {
  const ds = SEEDED_DS();
  const run = async (options: LoaderOptions, epoch: number) => {
    const call = describeOptions(ds, options, epoch);
    const summary = await summarize(ctx, ds, options, epoch);
    return { call, summary, seq: order(ctx, summary, call) };
  };
  const none: LoaderOptions = { batchSize: 8, shuffle: true };
  const zero: LoaderOptions = { batchSize: 8, shuffle: true, seed: 0 };
  const property: Text = { en: 'The default seed', ru: 'Значение seed по умолчанию' };
  for (const epoch of [0, 1]) {
    const z1 = await run(zero, epoch);
    const wrong = uncreditedEpoch(ctx, property, ds, zero, z1.summary, z1.call);
    if (wrong !== undefined) return wrong;
    const z2 = await run(zero, epoch);
    if (!sameSequence(z1.seq, z2.seq)) {
      return fail(ctx, {
        en: `${z1.call}, called twice, gave two different orders: seed 0 was treated as missing and replaced by something unseeded (\`seed || Date.now()\`: 0 is falsy). A missing seed means 0; use \`seed ?? 0\` or a default parameter.`,
        ru: `${z1.call}, вызванная дважды, дала два разных порядка: seed 0 принят за отсутствующий и заменён чем-то без зерна (\`seed || Date.now()\`: 0 ложно). Отсутствующий seed означает 0; используйте \`seed ?? 0\` или значение по умолчанию.`,
      });
    }
    const n1 = await run(none, epoch);
    if (sameSequence(n1.seq, z1.seq)) continue;
    const n2 = await run(none, epoch);
    const at = firstDifference(n1.seq, z1.seq);
    if (!sameSequence(n1.seq, n2.seq)) {
      return fail(ctx, {
        en: `${n1.call} (no seed), called twice, gave two different orders, and neither is the order of seed: 0 (they differ from sample ${at} on): without a seed the loader is unseeded (\`seed ?? Date.now()\` or Math.random()). The statement fixes a missing seed to 0: \`const { seed = 0 } = options\`.`,
        ru: `${n1.call} (без seed), вызванная дважды, дала два разных порядка, и ни один не совпадает с порядком seed: 0 (различие с примера ${at}): без seed загрузчик работает без зерна (\`seed ?? Date.now()\` или Math.random()). По условию отсутствующий seed равен 0: \`const { seed = 0 } = options\`.`,
      });
    }
    return fail(ctx, {
      en: `${n1.call} (no seed) gave another order than seed: 0 (they differ from sample ${at} on): a missing seed must mean 0, not another default.`,
      ru: `${n1.call} (без seed) дала не тот порядок, что seed: 0 (различие с примера ${at}): отсутствующий seed должен означать 0, а не другое значение по умолчанию.`,
    });
  }
  return pass(ctx, {
    en: 'without a seed the order is that of seed: 0, at epochs 0 and 1.',
    ru: 'без seed порядок такой же, как при seed: 0, в эпохах 0 и 1.',
  });
}

// ---------------------------------------------------------------------------------------------
// Uniformity: many shuffled epochs of a small data set, the position of every sample counted.

/** 12 samples in 3 batches of 4; 3,000 epochs with fixed seeds. */
export const UNIFORM = { count: 12, batchSize: 4, runs: 3000 } as const;

/**
 * χ² of the position table (sample i at position j) against a uniform shuffle has
 * (n − 1)² = 121 degrees of freedom: mean 121, sd 15.6. The bound is 8 sd above the mean: a
 * uniform shuffle (any PRNG, any correct Fisher–Yates, sort by random keys) exceeds it with a
 * probability below 1e-9, while swapping with any index (n = 12, 3,000 epochs) gives about 550
 * and a random comparator in sort far more (tests/assignments/mnist-loader.test.ts).
 */
export function chiSquareBound(n: number): number {
  const df = (n - 1) * (n - 1);
  return df + 8 * Math.sqrt(2 * df);
}

/** P[e][p]: the probability that sample e lands at position p when every i swaps with any index. */
export function naiveSwapTable(n: number): number[][] {
  let table: number[][] = Array.from({ length: n }, (_, e) => Array.from({ length: n }, (_, p) => (e === p ? 1 : 0)));
  for (let i = 0; i < n; i++) {
    const next = table.map((row) => row.map(() => 0));
    for (let e = 0; e < n; e++) {
      for (let p = 0; p < n; p++) {
        const pr = table[e][p];
        if (pr === 0) continue;
        for (let j = 0; j < n; j++) next[e][p === i ? j : p === j ? i : p] += pr / n;
      }
    }
    table = next;
  }
  return table;
}

function chiSquare(counts: number[][], expected: (e: number, p: number) => number): number {
  let chi = 0;
  counts.forEach((row, e) =>
    row.forEach((c, p) => {
      const want = expected(e, p);
      chi += want > 0 ? (c - want) ** 2 / want : c > 0 ? Infinity : 0;
    }),
  );
  return chi;
}

/** A run whose batches are blocks of consecutive file samples (batch b holds block k of batchSize). */
function blocks(seq: readonly number[], size: number): { blocky: boolean; inPlace: boolean; sortedInside: boolean } {
  let inPlace = true;
  let sortedInside = true;
  for (let start = 0; start < seq.length; start += size) {
    const batch = seq.slice(start, start + size);
    const block = Math.floor(Math.min(...batch) / size);
    const members = new Set(batch);
    for (let k = 0; k < size; k++) if (!members.has(block * size + k)) return { blocky: false, inPlace: false, sortedInside: false };
    if (block * size !== start) inPlace = false;
    if (batch.some((v, k) => v !== block * size + k)) sortedInside = false;
  }
  return { blocky: true, inPlace, sortedInside };
}

const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));

/** seq[k + 1] − seq[k] is the same step (mod n) all along: a rotation (step 1) or a stride. */
function stride(seq: readonly number[], n: number): number | undefined {
  if (seq.length < 3) return undefined;
  const step = (((seq[1] - seq[0]) % n) + n) % n;
  for (let k = 1; k + 1 < seq.length; k++) if ((((seq[k + 1] - seq[k]) % n) + n) % n !== step) return undefined;
  return step;
}

async function uniform(ctx: TestContext): Promise<TestVerdict> {
  const { count: n, batchSize, runs: m } = UNIFORM;
  const ds = indexedDataset(n, ROWS, COLS, 18);
  // Fixed by the test's seeded generator: distinct seeds and epochs, so that a loader that
  // ignores one of them still shuffles anew at every run (those bugs have their own tests).
  const runs: Array<[number, number]> = Array.from({ length: m }, (_, k) => [Math.floor(ctx.rng.uniform(0, 2 ** 30)), k]);
  const raw = OrdersSchema.safeParse(await ctx.probe(ORDERS, ds, { batchSize, shuffle: true }, runs));
  if (!raw.success) throw unreadable(ctx, raw.error.issues[0]?.message ?? 'malformed orders');
  if ('notIterable' in raw.data) throw notIterable(ctx, raw.data.notIterable);
  const { orders, lengths } = raw.data;
  const call = `batches(<${n} samples>, {batchSize: ${batchSize}, shuffle: true, seed: s}, e)`;
  const seqs: number[][] = [];
  let at = 0;
  for (const length of lengths) {
    seqs.push(Array.from(orders.subarray(at, at + length)));
    at += length;
  }
  const notPermutation = seqs.findIndex((q) => q.length !== n || new Set(q).size !== n || q.some((i) => i < 0 || i >= n));
  if (notPermutation >= 0) {
    const [seed, epoch] = runs[notPermutation];
    return fail(ctx, {
      en: `${call} with seed ${seed}, epoch ${epoch} gave the samples ${list(seqs[notPermutation])}: not every sample exactly once, so the order cannot be a permutation (see the test 'shuffle: every sample exactly once per epoch').`,
      ru: `${call} при seed ${seed}, эпохе ${epoch} выдала примеры ${list(seqs[notPermutation])}: не каждый пример ровно один раз, так что порядок не может быть перестановкой (см. тест «shuffle: every sample exactly once per epoch»).`,
    });
  }
  const shown = (q: readonly number[]) => q.join(' ');
  const examples = (pick: (q: number[]) => boolean) =>
    seqs
      .filter(pick)
      .slice(0, 3)
      .map((q) => `  ${shown(q)}`)
      .join('\n');
  const share = (k: number) => k / m;
  const identity = seqs.filter((q) => isIdentity(q)).length;
  if (share(identity) > 0.5) {
    return fail(ctx, {
      en: `${call}: ${identity} of ${m} epochs came in the file order: shuffle: true must shuffle.`,
      ru: `${call}: ${identity} из ${m} эпох пришли в порядке файла: при shuffle: true нужно перемешивать.`,
    });
  }
  const kinds = seqs.map((q) => blocks(q, batchSize));
  const blocky = kinds.filter((k) => k.blocky);
  const strided = seqs.map((q) => stride(q, n));
  const rotations = strided.filter((st) => st !== undefined).length;
  // Some rotations are whole blocks (offsets that are multiples of batchSize) and some block
  // orders are rotations: the pattern that explains more epochs is the one named.
  if (share(blocky.length) > 0.1 && blocky.length >= rotations) {
    const inPlace = blocky.filter((k) => k.inPlace).length;
    const sorted = blocky.filter((k) => k.sortedInside).length;
    const what: Text =
      sorted >= 0.9 * blocky.length
        ? {
            en: 'the batches were cut from the file order first and then only their order was shuffled: the samples inside a batch are always the same consecutive ones, in file order',
            ru: 'батчи сначала нарезаны в порядке файла, а потом перемешан только их порядок: внутри батча всегда одни и те же соседние примеры в порядке файла',
          }
        : inPlace >= 0.9 * blocky.length
          ? {
              en: 'each batch was shuffled on its own: batch k always holds samples k·batchSize … (k + 1)·batchSize − 1, only their order inside the batch changes',
              ru: 'перемешан каждый батч по отдельности: в батче k всегда примеры k·batchSize … (k + 1)·batchSize − 1, меняется только порядок внутри батча',
            }
          : {
              en: 'the samples never leave their block of batchSize consecutive samples: blocks were shuffled, and samples within them, but never mixed',
              ru: 'примеры никогда не покидают свой блок из batchSize соседних примеров: перемешаны блоки и примеры внутри них, но не между блоками',
            };
    return fail(ctx, {
      en: `${call}: in ${blocky.length} of ${m} epochs every batch of ${batchSize} is a block of consecutive samples of the file (a uniform shuffle does that about once in 6,000 epochs): ${what.en}. Shuffle the indices of ALL samples (Fisher–Yates over 0..count−1), then cut the batches from the shuffled order. For example:\n${examples((q) => blocks(q, batchSize).blocky)}`,
      ru: `${call}: в ${blocky.length} из ${m} эпох каждый батч из ${batchSize} — это блок соседних примеров файла (равномерное перемешивание даёт такое примерно раз на 6000 эпох): ${what.ru}. Перемешайте индексы ВСЕХ примеров (Фишер — Йейтс по 0..count−1), затем нарежьте батчи из перемешанного порядка. Например:\n${examples((q) => blocks(q, batchSize).blocky)}`,
    });
  }
  if (share(rotations) > 0.1) {
    const ones = strided.filter((st) => st === 1).length;
    const what: Text =
      ones >= 0.9 * rotations
        ? {
            en: 'the file order rotated by a random offset (a cyclic shift): every sample is always followed by the next one of the file',
            ru: 'порядок файла, сдвинутый по кругу на случайное смещение: за каждым примером всегда идёт следующий из файла',
          }
        : {
            en: 'the file order walked with a fixed stride from a random start (i·a + b mod count): neighbours keep fixed distances',
            ru: 'порядок файла, пройденный с постоянным шагом от случайного начала (i·a + b mod count): соседи стоят на постоянных расстояниях',
          };
    return fail(ctx, {
      en: `${call}: ${rotations} of ${m} epochs are ${what.en}. Only ${n} (or ${n * (n - 1)}) such orders exist among the ${n}! = ${factorial(n).toLocaleString('en-US')} permutations; shuffle with Fisher–Yates instead. For example:\n${examples((q) => stride(q, n) !== undefined)}`,
      ru: `${call}: ${rotations} из ${m} эпох — это ${what.ru}. Таких порядков всего ${n} (или ${n * (n - 1)}) среди ${n}! = ${factorial(n).toLocaleString('en-US').replace(/,/g, ' ')} перестановок; перемешивайте алгоритмом Фишера — Йейтса. Например:\n${examples((q) => stride(q, n) !== undefined)}`,
    });
  }
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const q of seqs) q.forEach((e, p) => counts[e][p]++);
  const even = m / n;
  const chi = chiSquare(counts, () => even);
  const bound = chiSquareBound(n);
  if (chi <= bound) {
    return pass(ctx, {
      en: `${call}, ${m} epochs with fixed seeds: every sample lands at every position about equally often (χ² = ${formatNumber(chi, 3)}, a uniform shuffle stays below ${formatNumber(bound, 3)}); no blocks, no rotations.`,
      ru: `${call}, ${m} эпох с фиксированными зёрнами: каждый пример попадает на каждую позицию примерно одинаково часто (χ² = ${formatNumber(chi, 3)}, у равномерного перемешивания меньше ${formatNumber(bound, 3)}); ни блоков, ни сдвигов.`,
    });
  }
  // The most uneven cell, in numbers.
  let worst = { e: 0, p: 0, c: counts[0][0] };
  counts.forEach((row, e) => row.forEach((c, p) => (Math.abs(c - even) > Math.abs(worst.c - even) ? (worst = { e, p, c }) : undefined)));
  const numbers: Text = {
    en: `over ${m} epochs with fixed seeds, sample #${worst.e} landed at position ${worst.p} ${count('en', worst.c, NOUNS.time)}, where a uniform shuffle gives ${formatNumber(even, 3)} ± ${formatNumber(Math.sqrt(even), 2)}; χ² of the whole position table is ${formatNumber(chi, 4)}, a uniform shuffle stays below ${formatNumber(bound, 3)}`,
    ru: `за ${m} эпох с фиксированными зёрнами пример №${worst.e} попал на позицию ${worst.p} ${count('ru', worst.c, NOUNS.time)}, а у равномерного перемешивания ${formatNumber(even, 3)} ± ${formatNumber(Math.sqrt(even), 2)}; χ² всей таблицы позиций равен ${formatNumber(chi, 4)}, у равномерного перемешивания меньше ${formatNumber(bound, 3)}`,
  };
  const diagonal = counts.reduce((sum, row, i) => sum + row[i], 0);
  let named: Text | undefined;
  if (diagonal === 0) {
    named = {
      en: 'No sample ever stayed at its own position: j was drawn from 0..i−1 instead of 0..i (Sattolo\'s algorithm, which makes one big cycle). In Fisher–Yates, j = floor(random() · (i + 1)).',
      ru: 'Ни один пример ни разу не остался на своём месте: j выбирался из 0..i−1, а не из 0..i (алгоритм Саттоло, дающий один большой цикл). В алгоритме Фишера — Йейтса j = floor(random() · (i + 1)).',
    };
  } else {
    const table = naiveSwapTable(n);
    if (chiSquare(counts, (e, p) => m * table[e][p]) <= bound) {
      named = {
        en: 'The positions match the known bias of swapping every slot with ANY index (for i from 0: j = floor(random() · count)): that makes count^count equally likely outcomes, which cannot spread evenly over count! permutations. In Fisher–Yates, j is drawn from 0..i only (for i from count − 1 down to 1: j = floor(random() · (i + 1))).',
        ru: 'Позиции совпадают с известным перекосом обмена каждого места с ЛЮБЫМ индексом (для i от 0: j = floor(random() · count)): так получается count^count равновероятных исходов, которые не делятся поровну между count! перестановками. В алгоритме Фишера — Йейтса j выбирается только из 0..i (для i от count − 1 до 1: j = floor(random() · (i + 1))).',
      };
    }
  }
  const usual: Text = {
    en: 'Usual causes: sorting with a random comparator (arr.sort(() => random() − 0.5), whose result depends on the sort algorithm and is far from uniform), a Fisher–Yates that swaps with any index instead of 0..i, or an off-by-one in j. Sorting by random keys drawn once per sample, or a correct Fisher–Yates, is uniform.',
    ru: 'Частые причины: сортировка со случайным компаратором (arr.sort(() => random() − 0.5): результат зависит от алгоритма сортировки и далёк от равномерного), Фишер — Йейтс с обменом на любой индекс вместо 0..i или ошибка на единицу в j. Сортировка по случайным ключам, выбранным по одному на пример, или правильный Фишер — Йейтс дают равномерный порядок.',
  };
  const head: Text = { en: `${call}: the shuffle is not uniform: ${numbers.en}.`, ru: `${call}: перемешивание неравномерное: ${numbers.ru}.` };
  return fail(
    ctx,
    {
      en: [head.en, named?.en ?? usual.en].join('\n'),
      ru: [head.ru, named?.ru ?? usual.ru].join('\n'),
    },
    { positions: counts },
  );
}

/** Batches' worth of its own tensors an iteration may hold between batches (a prefetch or two, and slack). */
const HELD_BATCHES_LIMIT = 3;

const LAZY_COUNT = 60_000;
const LAZY_BATCH = 100;
/** Tensor memory allowed above the baseline while iterating: a batch is 0.3 MB. */
const LAZY_LIMIT_BYTES = 16 * 1024 * 1024;

async function lazy(ctx: TestContext): Promise<TestVerdict> {
  const raw = await ctx.probe(LAZY, LAZY_COUNT, 28, 28, LAZY_BATCH);
  const parsed = LazySchema.safeParse(raw);
  if (!parsed.success) throw unreadable(ctx, parsed.error.issues[0]?.message ?? 'malformed report');
  const r = parsed.data;
  if ('notIterable' in r) throw notIterable(ctx, r.notIterable);
  const mb = (bytes: number) => `${formatNumber(bytes / 1e6, 3)} MB`;
  const batchBytes = LAZY_BATCH * 28 * 28 * 4;
  const extra = r.peakBytes - r.baseBytes;
  const details = { peakBytes: extra, batchBytes, samples: r.samples, batches: r.batches };
  if (extra > LAZY_LIMIT_BYTES) {
    return fail(
      ctx,
      {
        en: `While one epoch of 60,000 images of 28x28 was iterated, tensors held up to ${mb(extra)} at once, where one batch of ${LAZY_BATCH} is ${mb(batchBytes)} (the whole data set as float32 tensors is ${mb(LAZY_COUNT * 784 * 4)}). The data set was turned into tensors up front, or all batches were built before they were asked for. Make each batch's tensors inside the generator's loop, when the batch is asked for.`,
        ru: `Пока перебиралась одна эпоха из 60 000 изображений 28x28, тензоры занимали до ${mb(extra)} одновременно, а один батч из ${LAZY_BATCH} — это ${mb(batchBytes)} (весь набор в тензорах float32 — ${mb(LAZY_COUNT * 784 * 4)}). Набор данных был целиком превращён в тензоры заранее или все батчи построены до того, как их запросили. Создавайте тензоры батча внутри цикла генератора, когда батч запрошен.`,
      },
      details,
    );
  }
  if (r.samples !== LAZY_COUNT) {
    return fail(
      ctx,
      {
        en: `One epoch of 60,000 samples (batchSize ${LAZY_BATCH}, shuffle: true) yielded ${count('en', r.samples, NOUNS.sample)} in ${count('en', r.batches, NOUNS.batch)}, expected 60,000.`,
        ru: `Одна эпоха из 60 000 примеров (batchSize ${LAZY_BATCH}, shuffle: true) выдала ${count('ru', r.samples, NOUNS.sample)} в ${count('ru', r.batches, BATCHES_PREP)}, ожидалось 60 000.`,
      },
      details,
    );
  }
  return {
    passed: true,
    output: say(ctx.lang, {
      en: `one epoch of 60,000 images: tensors never held more than ${mb(extra)} at once (a batch is ${mb(batchBytes)}).`,
      ru: `одна эпоха из 60 000 изображений: тензоры ни разу не занимали больше ${mb(extra)} (батч — ${mb(batchBytes)}).`,
    }),
    details,
  };
}

async function leaks(ctx: TestContext): Promise<TestVerdict> {
  const ds = indexedDataset(50, ROWS, COLS, 17);
  const options: LoaderOptions = { batchSize: 8, shuffle: true, seed: 1 };
  const raw = await ctx.probe(LEAKS, ds, options);
  const parsed = LeaksSchema.safeParse(raw);
  if (!parsed.success) throw unreadable(ctx, parsed.error.issues[0]?.message ?? 'malformed report');
  const r = parsed.data;
  if ('notIterable' in r) throw notIterable(ctx, r.notIterable);
  const problems: Text[] = [];
  if (r.whole === 0 && r.early === 0) {
    const wrong = uncreditedEpoch(ctx, { en: 'Leaving no tensor behind', ru: 'То, что не осталось лишних тензоров' }, ds, options, r.summary, describeOptions(ds, options, 0));
    if (wrong !== undefined) return wrong;
  }
  if (r.whole !== 0) {
    problems.push({
      en: `after one epoch (${count('en', r.batches, NOUNS.batch)}, each of them disposed by the caller) ${r.whole} more ${r.whole === 1 ? 'tensor exists' : 'tensors exist'} than before: the generator leaves intermediate tensors behind. A usual cause: tf.tensor(bytes).div(255) keeps the first tensor alive; build the batch in a Float32Array and make one tensor of it, or wrap the arithmetic in tf.tidy.`,
      ru: `после одной эпохи (${count('ru', r.batches, NOUNS.batch)}, каждый освобождён вызывающим кодом) тензоров на ${r.whole} больше, чем было: генератор оставляет промежуточные тензоры. Частая причина: tf.tensor(bytes).div(255) оставляет жить первый тензор; соберите батч в Float32Array и сделайте из него один тензор или оберните вычисления в tf.tidy.`,
    });
  }
  if (r.early !== 0) {
    problems.push({
      en: `stopping after two batches (a for…of with break) left ${count('en', r.early, NOUNS.tensor)} behind: free what the generator holds in a finally block.`,
      ru: `остановка после двух батчей (for…of с break) оставила ${count('ru', r.early, NOUNS.tensor)}: освобождайте то, что держит генератор, в блоке finally.`,
    });
  }
  if (problems.length > 0) {
    return fail(ctx, { en: problems.map((p) => p.en).join('\n'), ru: problems.map((p) => p.ru).join('\n') });
  }
  return pass(ctx, {
    en: 'no tensor outlives the iteration, whether the epoch is finished or stopped early; only the yielded batches are made.',
    ru: 'ни один тензор не переживает перебор — ни после целой эпохи, ни после досрочной остановки; создаются только выданные батчи.',
  });
}

export const spec = defineAssignment({
  id: 'mnist-loader',
  title: 'MNIST data loader: batches, shuffling, epochs',
  entry: 'solution.ts',
  contract: 'contract.ts',
  probes: 'probes.ts',
  limits: { totalMs: 300_000, testMs: 20_000, heapMb: 1024 },
  tolerance: { rtol: 1e-6, atol: 1e-6 },
  dataset: async () => 'synthetic: seeded images that carry their sample index',
  requirements: [
    {
      id: 'batch-shapes',
      text: {
        en: 'Every batch is {x, y}: x a float32 tensor [b, rows, cols, 1] (ds.rows, ds.cols, channels last), y an int32 tensor [b] of class indices.',
        ru: 'Каждый батч — {x, y}: x — тензор float32 [b, rows, cols, 1] (ds.rows, ds.cols, каналы в конце), y — тензор int32 [b] номеров классов.',
      },
    },
    {
      id: 'pixel-scaling',
      text: {
        en: 'x = byte / 255, in [0, 1], exactly as ToTensor() (no mean/std normalisation).',
        ru: 'x = байт / 255, в [0, 1], в точности как ToTensor() (без нормировки средним и отклонением).',
      },
    },
    {
      id: 'file-order',
      text: {
        en: 'With shuffle: false the samples come in the order of ds (IDX order), each label with its image.',
        ru: 'При shuffle: false примеры идут в порядке ds (порядок IDX), каждая метка при своём изображении.',
      },
    },
    {
      id: 'shuffle-permutation',
      text: {
        en: 'With shuffle: true an epoch visits every sample exactly once (a permutation, not draws with replacement), labels moving with their images.',
        ru: 'При shuffle: true эпоха проходит каждый пример ровно один раз (перестановка, а не выбор с возвращением), метки переставляются вместе с изображениями.',
      },
    },
    {
      id: 'shuffle-uniform',
      text: {
        en: 'With shuffle: true the order is a uniformly random permutation of all samples: any sample can land at any position (not a shuffle within batches or of whole batches, not a rotation, not a biased shuffle).',
        ru: 'При shuffle: true порядок — равномерно случайная перестановка всех примеров: любой пример может оказаться на любой позиции (не перемешивание внутри батчей или целых батчей, не циклический сдвиг, не перекошенное перемешивание).',
      },
    },
    {
      id: 'order-fixed-by-seed',
      text: {
        en: 'The order is fixed by (seed, epoch): the same seed and epoch give the same order, another seed another order.',
        ru: 'Порядок определяется парой (seed, epoch): те же seed и epoch дают тот же порядок, другой seed — другой порядок.',
      },
    },
    {
      id: 'order-differs-between-epochs',
      text: {
        en: 'With shuffle: true, another epoch (same seed) gives another order.',
        ru: 'При shuffle: true другая эпоха (с тем же seed) даёт другой порядок.',
      },
    },
    {
      id: 'seed-default-zero',
      text: {
        en: 'A missing seed means 0.',
        ru: 'Отсутствующий seed означает 0.',
      },
    },
    {
      id: 'partial-last-batch',
      text: {
        en: 'Every batch holds batchSize samples except the last, which holds what is left (dropLast defaults to false); never an empty batch.',
        ru: 'В каждом батче batchSize примеров, кроме последнего, в котором остаток (по умолчанию dropLast = false); пустых батчей не бывает.',
      },
    },
    {
      id: 'drop-last',
      text: {
        en: 'With dropLast: true a partial last batch is dropped; full batches never are.',
        ru: 'При dropLast: true неполный последний батч отбрасывается; полные — никогда.',
      },
    },
    {
      id: 'lazy',
      text: {
        en: "Each batch's tensors are made when the batch is asked for, never the whole data set at once.",
        ru: 'Тензоры батча создаются, когда батч запрошен, а не весь набор данных сразу.',
      },
    },
    {
      id: 'no-leaks',
      text: {
        en: 'No tensor outlives the iteration besides the yielded batches, after a whole epoch and after a break.',
        ru: 'Кроме выданных батчей, ни один тензор не переживает перебор — ни после целой эпохи, ни после break.',
      },
    },
  ],
  tests: [
    {
      name: 'a batch is x [b, rows, cols, 1] float32 and y [b] int32',
      points: 1,
      requirements: ['batch-shapes'],
      visibility: 'visible',
      run: (ctx) => guarded(ctx, () => shapesAndDtypes(ctx)),
    },
    {
      name: 'pixels are scaled to [0, 1] like ToTensor',
      points: 1,
      requirements: ['pixel-scaling'],
      visibility: 'visible',
      run: (ctx) => guarded(ctx, () => scaling(ctx)),
    },
    {
      name: 'shuffle: false keeps the file order, labels with their images',
      points: 1,
      requirements: ['file-order'],
      visibility: 'visible',
      run: (ctx) => guarded(ctx, () => fileOrder(ctx)),
    },
    {
      name: 'the last batch is partial when the data do not divide',
      points: 1,
      requirements: ['partial-last-batch'],
      visibility: 'visible',
      run: (ctx) =>
        guarded(ctx, () =>
          batchSizes(
            ctx,
            [
              { count: 10, options: { batchSize: 4, shuffle: false }, expected: [4, 4, 2] },
              { count: 12, options: { batchSize: 4, shuffle: false }, expected: [4, 4, 4] },
              { count: 3, options: { batchSize: 4, shuffle: false }, expected: [3] },
              { count: 10, options: { batchSize: 4, shuffle: true, seed: 3 }, expected: [4, 4, 2] },
            ],
            false,
          ),
        ),
    },
    {
      name: 'dropLast drops only a partial last batch',
      points: 1,
      requirements: ['drop-last'],
      visibility: 'visible',
      run: (ctx) =>
        guarded(ctx, () =>
          batchSizes(
            ctx,
            [
              { count: 10, options: { batchSize: 4, shuffle: false, dropLast: true }, expected: [4, 4] },
              { count: 12, options: { batchSize: 4, shuffle: false, dropLast: true }, expected: [4, 4, 4] },
              { count: 3, options: { batchSize: 4, shuffle: false, dropLast: true }, expected: [] },
              { count: 10, options: { batchSize: 4, shuffle: true, seed: 3, dropLast: true }, expected: [4, 4] },
            ],
            true,
          ),
        ),
    },
    {
      name: 'shuffle: every sample exactly once per epoch',
      points: 1,
      requirements: ['shuffle-permutation', 'shuffle-uniform'],
      visibility: 'visible',
      run: (ctx) => guarded(ctx, () => exactlyOnce(ctx)),
    },
    {
      name: 'the order differs between epochs',
      points: 1,
      requirements: ['order-differs-between-epochs'],
      visibility: 'visible',
      run: (ctx) => guarded(ctx, () => differsBetweenEpochs(ctx)),
    },
    {
      name: 'shuffle: a uniform permutation, not blocks or a rotation',
      points: 1,
      requirements: ['shuffle-uniform', 'shuffle-permutation'],
      visibility: 'visible',
      timeoutMs: 60_000,
      run: (ctx) => guarded(ctx, () => uniform(ctx)),
    },
    {
      name: 'the order is fixed by (seed, epoch)',
      points: 0.5,
      requirements: ['order-fixed-by-seed'],
      visibility: 'hidden',
      run: (ctx) => guarded(ctx, () => fixedBySeed(ctx)),
    },
    {
      name: 'a missing seed means seed 0',
      points: 0.5,
      requirements: ['seed-default-zero'],
      visibility: 'hidden',
      run: (ctx) => guarded(ctx, () => seedDefault(ctx)),
    },
    {
      name: 'lazy: 60,000 samples never become tensors at once',
      points: 0.5,
      requirements: ['lazy'],
      visibility: 'hidden',
      // 60,000 images: a slow but correct loader (or an eager one, which must be told so) on a loaded machine needs time.
      timeoutMs: 120_000,
      // Every call, whichever test made it (a submission can tell its tests apart).
      audit: (log, lang) => lazinessAudit(log, 'batches', lang, HELD_BATCHES_LIMIT),
      run: (ctx) => guarded(ctx, () => lazy(ctx)),
    },
    {
      name: 'no tensors leak beyond the yielded batches',
      points: 0.5,
      requirements: ['no-leaks'],
      visibility: 'hidden',
      // Every call, whichever test made it (a submission can tell its tests apart).
      audit: (log, lang) => iteratorLeakAudit(log, 'batches', lang),
      run: (ctx) => guarded(ctx, () => leaks(ctx)),
    },
  ],
});
