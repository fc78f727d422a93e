/**
 * backprop (lecture 1b–1c): the forward pass of a sigmoid network and the four backprop
 * equations, by hand: autograd is switched off in the runner.
 *
 * Expected values come from the reference (float32 tf); the hidden finite-difference test
 * compares with central differences in float64 instead, an independent check that shares no
 * formula with either. When values differ, they are also compared with the values of the
 * typical mistakes (float64, float64.ts) so that the message names the mistake.
 */
import { z } from 'zod';
import { compareStructure, compareTensors, type PlainTensor, type StructureOptions } from '../../grader/compare';
import {
  hasMismatchPicture,
  MAX_MISMATCH_FIGURES,
  mismatchFigure,
  mismatchFigures,
  structureFigures,
  type TensorMismatchFigure,
} from '../../grader/compare/mismatch-figure';
import { defineAssignment, type Lang, type TestContext, type TestVerdict, say, type LocalizedText as Text } from '../../grader/spec/assignment-spec';
import { uncredited } from '../../grader/spec/credit';
import type * as Reference from '../../reference/backprop';
import { backward64, LECTURE_FORM, type BackpropForm } from './float64';
import { finiteDifferenceGradients } from './finite-difference';
import {
  describeNetwork,
  makeNetwork,
  plainGradients,
  referenceBackward,
  referenceForward,
  type Network,
  type PlainGradients,
} from './network';
import { MalformedReportError } from '../../grader/runner/runner-errors';
import { inputsAudit } from '../../grader/spec/audit-findings';

function reference(ctx: TestContext): typeof Reference {
  const { forward, backward } = ctx.reference;
  if (typeof forward !== 'function' || typeof backward !== 'function') {
    throw new Error('reference/backprop.ts must export forward and backward');
  }
  return ctx.reference as unknown as typeof Reference;
}

/** The wire form of a network: what forward and backward receive. */
function wireArgs(net: Network, withTargets: boolean): unknown[] {
  const layers = net.layers.map((l) => ({ W: l.W, b: l.b }));
  return withTargets ? [layers, net.x, net.y] : [layers, net.x];
}

// ---------------------------------------------------------------------------------------------
// What each part of the result is, said when it differs.

type Part = 'deltas' | 'dW' | 'db';

const CAUSES: Record<Part, { values: Text; shape: Text }> = {
  deltas: {
    values: {
      en: "deltas[k] = ∂L/∂zs[k]: the output delta is (a^L − y)/N ⊙ σ'(z^L), a hidden one is (deltas[k+1] · W_{k+1}) ⊙ σ'(zs[k]), with σ'(z) = σ(z)(1 − σ(z)).",
      ru: "deltas[k] = ∂L/∂zs[k]: выходная дельта равна (a^L − y)/N ⊙ σ'(z^L), скрытая — (deltas[k+1] · W_{k+1}) ⊙ σ'(zs[k]), где σ'(z) = σ(z)(1 − σ(z)).",
    },
    shape: {
      en: 'deltas[k] has the shape of zs[k]: [batch, out].',
      ru: 'deltas[k] имеет форму zs[k]: [batch, out].',
    },
  },
  dW: {
    values: {
      en: 'dW[k] = deltas[k]ᵀ · activations[k] (equation 4, summed over the batch).',
      ru: 'dW[k] = deltas[k]ᵀ · activations[k] (уравнение 4, просуммированное по батчу).',
    },
    shape: {
      en: 'dW[k] has the shape of W: [out, in]. [in, out] means it is transposed: compute deltas[k]ᵀ · activations[k], not activations[k]ᵀ · deltas[k].',
      ru: 'dW[k] имеет форму W: [out, in]. Форма [in, out] значит, что матрица транспонирована: считайте deltas[k]ᵀ · activations[k], а не activations[k]ᵀ · deltas[k].',
    },
  },
  db: {
    values: {
      en: 'db[k] is deltas[k] summed over the batch (axis 0), not averaged: the 1/N is already inside the deltas.',
      ru: 'db[k] — это deltas[k], просуммированные по батчу (ось 0), а не усреднённые: 1/N уже есть в дельтах.',
    },
    shape: {
      en: 'db[k] has the shape of b: [out]. Sum deltas[k] over the batch axis: tf.sum(delta, 0), without keepDims.',
      ru: 'db[k] имеет форму b: [out]. Просуммируйте deltas[k] по оси батча: tf.sum(delta, 0), без keepDims.',
    },
  },
};

const ONE_PER_LAYER: Text = {
  en: 'one entry per layer, the first layer first.',
  ru: 'по одному элементу на слой, начиная с первого слоя.',
};

function structureOptions(ctx: TestContext, label: string): StructureOptions {
  const overrides: StructureOptions['overrides'] = {};
  for (const part of ['deltas', 'dW', 'db'] as const) {
    overrides[`${part}[*]`] = { usualCause: { values: say(ctx.lang, CAUSES[part].values), shape: say(ctx.lang, CAUSES[part].shape) } };
    // The array itself: a wrong length.
    overrides[part] = { usualCause: { shape: say(ctx.lang, ONE_PER_LAYER) } };
  }
  return { ...ctx.tolerance, lang: ctx.lang, label, overrides, maxFailures: 8 };
}

// ---------------------------------------------------------------------------------------------
// The typical mistakes: every combination of the slide's output delta, a wrong σ' and a wrong
// scale. Those with fewer slips come first, so the simplest explanation is the one named.

type Slip = 'slide' | 'sigma' | 'z-one-minus-z' | 'relu' | 'one' | 'hidden-no-derivative' | 'sum' | 'mean-times-2';

const SLIPS: Record<Slip, Text> = {
  slide: {
    en: "the output delta lacks the factor σ'(z^L). The lecture's slide writes δ^L = ∂Loss/∂a^L, but the deltas are derivatives with respect to z: δ^L = ∂L/∂a^L ⊙ σ'(z^L).",
    ru: "в выходной дельте нет множителя σ'(z^L). На слайде лекции δ^L = ∂Loss/∂a^L, но дельты — производные по z: δ^L = ∂L/∂a^L ⊙ σ'(z^L).",
  },
  sigma: {
    en: "σ(z) was used where σ'(z) = σ(z)(1 − σ(z)) belongs.",
    ru: "вместо σ'(z) = σ(z)(1 − σ(z)) использована сама σ(z).",
  },
  'z-one-minus-z': {
    en: "σ'(z) was computed as z(1 − z); it is σ(z)(1 − σ(z)) = a(1 − a), from the activation, not from z.",
    ru: "σ'(z) посчитана как z(1 − z); на самом деле это σ(z)(1 − σ(z)) = a(1 − a) — от активации, а не от z.",
  },
  relu: {
    en: "the derivative used is ReLU's (1 where z > 0, 0 elsewhere), not the sigmoid's: this network's nonlinearity is σ, so the factor is σ'(z) = σ(z)(1 − σ(z)) = a(1 − a).",
    ru: "использована производная ReLU (1 при z > 0, иначе 0), а не сигмоиды: нелинейность этой сети — σ, поэтому множитель равен σ'(z) = σ(z)(1 − σ(z)) = a(1 − a).",
  },
  one: {
    en: "no delta is multiplied by σ'(z): the factor is missing at every layer (a ReLU-style derivative taken on the activations, a > 0, gives the same, since a sigmoid's output is always positive). Each delta needs ⊙ σ'(z) = a(1 − a).",
    ru: "ни одна дельта не умножена на σ'(z): множителя нет ни в одном слое (то же даёт производная в стиле ReLU от активаций, a > 0, ведь выход сигмоиды всегда положителен). Каждой дельте нужен множитель ⊙ σ'(z) = a(1 − a).",
  },
  'hidden-no-derivative': {
    en: "the hidden deltas lack the factor σ'(zs[k]): deltas[k] = (deltas[k+1] · W_{k+1}) ⊙ σ'(zs[k]).",
    ru: "в дельтах скрытых слоёв нет множителя σ'(zs[k]): deltas[k] = (deltas[k+1] · W_{k+1}) ⊙ σ'(zs[k]).",
  },
  sum: {
    en: 'the 1/N of the loss is missing: L = 1/(2N)·Σ‖a − y‖² gives δ^L = (a^L − y)/N ⊙ σ\'(z^L).',
    ru: 'потерян множитель 1/N из функции потерь: L = 1/(2N)·Σ‖a − y‖² даёт δ^L = (a^L − y)/N ⊙ σ\'(z^L).',
  },
  'mean-times-2': {
    en: "the ½ of the loss cancels the 2 of the square: δ^L = (a^L − y)/N ⊙ σ'(z^L), not 2(a^L − y)/N ⊙ σ'(z^L).",
    ru: "½ в функции потерь сокращает двойку от квадрата: δ^L = (a^L − y)/N ⊙ σ'(z^L), а не 2(a^L − y)/N ⊙ σ'(z^L).",
  },
};

interface Mistake {
  form: BackpropForm;
  slips: Slip[];
}

const MISTAKES: Mistake[] = (() => {
  const all: Mistake[] = [];
  for (const outputSigmaPrime of [true, false]) {
    for (const derivative of ['sigma-prime', 'sigma', 'z-one-minus-z', 'relu', 'one'] as const) {
      for (const hiddenDerivative of [true, false]) {
        // Without any derivative, the output delta and the hidden ones have none already.
        if (derivative === 'one' && (!outputSigmaPrime || !hiddenDerivative)) continue;
        for (const scale of ['mean', 'sum', 'mean-times-2'] as const) {
          const slips: Slip[] = [
            ...(outputSigmaPrime ? [] : (['slide'] as const)),
            ...(derivative === 'sigma-prime' ? [] : [derivative]),
            ...(hiddenDerivative ? [] : (['hidden-no-derivative'] as const)),
            ...(scale === 'mean' ? [] : [scale]),
          ];
          if (slips.length > 0) all.push({ form: { outputSigmaPrime, derivative, hiddenDerivative, scale }, slips });
        }
      }
    }
  }
  return all.sort((a, b) => a.slips.length - b.slips.length);
})();

const EVERYTHING: Selection[] = [
  { part: 'deltas', indices: 'all' },
  { part: 'dW', indices: 'all' },
  { part: 'db', indices: 'all' },
];

/**
 * A sentence naming the mistake whose values `actual` has, if any. The mistake must agree with
 * all the evidence first: every delta, dW and db the call returned (the output delta of a
 * ReLU derivative can equal the slide's when every z^L > 0; the hidden deltas tell them apart).
 * Only when no mistake explains everything is the test's own selection matched, so that a
 * second, unrelated slip elsewhere does not hide the one this test is about.
 */
function namedMistake(ctx: TestContext, net: Network, actual: unknown, selection: Selection[]): string | undefined {
  const tol = { rtol: ctx.tolerance.rtol, atol: ctx.tolerance.atol };
  const values = MISTAKES.map((mistake) => ({ mistake, values: plainGradients(backward64(net.layers64, net.x64, net.y64, mistake.form)) }));
  for (const chosen of [EVERYTHING, selection]) {
    const found = values.find((v) => compareSelected(v.values, actual, chosen, { ...tol, label: '' }).ok);
    if (found !== undefined) {
      const lead = say(ctx.lang, { en: 'These are the values you get when', ru: 'Такие значения получаются, когда' });
      return `${lead} ${found.mistake.slips.map((s) => say(ctx.lang, SLIPS[s])).join(' ')}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

interface Selection {
  part: Part;
  /** Indices into the part's array; 'all' for every entry. */
  indices: number[] | 'all';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Compares some entries of the result's arrays (the output delta alone, say). When an array is
 * missing or has the wrong length, the whole part is compared so that the message says so.
 */
function compareSelected(
  expected: PlainGradients,
  actual: unknown,
  selection: Selection[],
  opts: StructureOptions,
): { ok: boolean; message: string; figures: TensorMismatchFigure[] } {
  const messages: string[] = [];
  const figures: TensorMismatchFigure[] = [];
  for (const { part, indices } of selection) {
    const want = expected[part];
    // The actual value is plain data decoded from the runner's message: no getters can run.
    const got = isRecord(actual) && Object.prototype.hasOwnProperty.call(actual, part) ? actual[part] : undefined;
    const chosen = indices === 'all' ? want.map((_, i) => i) : indices;
    if (!Array.isArray(got) || got.length !== want.length) {
      const cmp = compareStructure({ [part]: want }, actual, opts);
      if (!cmp.ok) messages.push(cmp.message);
      figures.push(...structureFigures(cmp));
      continue;
    }
    for (const i of chosen) {
      const path = `${part}[${i}]`;
      const own = opts.overrides?.[`${part}[*]`] ?? {};
      const label = opts.label === undefined || opts.label === '' ? path : `${opts.label}.${path}`;
      const cmp = compareTensors(want[i], got[i], { ...opts, ...own, label });
      if (!cmp.ok) {
        messages.push(cmp.message);
        if (hasMismatchPicture(cmp)) figures.push(mismatchFigure(label, cmp));
      }
    }
  }
  return { ok: messages.length === 0, message: messages.join('\n'), figures };
}

/** A failed verdict with the first pictures of the tensors that differ. */
function failed(messages: string[], figures: TensorMismatchFigure[]): TestVerdict {
  const shown = figures.slice(0, MAX_MISMATCH_FIGURES);
  return { passed: false, output: messages.join('\n\n'), ...(shown.length > 0 ? { details: { figures: shown } } : {}) };
}

async function checkBackward(
  ctx: TestContext,
  nets: Network[],
  selection: (net: Network) => Selection[],
  passed: Text,
  expectedOf: (net: Network) => PlainGradients = (net) => referenceBackward(reference(ctx), net),
): Promise<TestVerdict> {
  const failures: string[] = [];
  const figures: TensorMismatchFigure[] = [];
  for (const net of nets) {
    const expected = expectedOf(net);
    const actual = await ctx.call('backward', ...wireArgs(net, true));
    const chosen = selection(net);
    const cmp = compareSelected(expected, actual, chosen, structureOptions(ctx, `backward(${describeNetwork(net, ctx.lang)})`));
    if (cmp.ok) continue;
    const named = namedMistake(ctx, net, actual, chosen);
    failures.push(named === undefined ? cmp.message : `${named}\n${cmp.message}`);
    figures.push(...cmp.figures);
  }
  return failures.length === 0 ? { passed: true, output: say(ctx.lang, passed) } : failed(failures, figures);
}

async function checkForward(ctx: TestContext, nets: Network[], passed: Text): Promise<TestVerdict> {
  const failures: string[] = [];
  const figures: TensorMismatchFigure[] = [];
  for (const net of nets) {
    const expected = referenceForward(reference(ctx), net);
    const actual = await ctx.call('forward', ...wireArgs(net, false));
    const cmp = compareStructure({ zs: expected.zs, activations: expected.activations }, actual, {
      ...ctx.tolerance,
      lang: ctx.lang,
      label: `forward(${describeNetwork(net, ctx.lang)})`,
      overrides: {
        'zs[*]': {
          usualCause: say(ctx.lang, {
            en: 'zs[k] = activations[k] · W_kᵀ + b_k: tf.matMul(a, W, false, true).add(b).',
            ru: 'zs[k] = activations[k] · W_kᵀ + b_k: tf.matMul(a, W, false, true).add(b).',
          }),
        },
        activations: {
          usualCause: {
            shape: say(ctx.lang, {
              en: 'K layers give K + 1 activations: activations[0] is x itself.',
              ru: 'K слоёв дают K + 1 активацию: activations[0] — это сам x.',
            }),
          },
        },
        zs: { usualCause: { shape: say(ctx.lang, ONE_PER_LAYER) } },
        'activations[*]': {
          usualCause: say(ctx.lang, {
            en: 'activations[0] is x itself and activations[k+1] = σ(zs[k]) (tf.sigmoid).',
            ru: 'activations[0] — это сам x, а activations[k+1] = σ(zs[k]) (tf.sigmoid).',
          }),
        },
      },
    });
    if (!cmp.ok) failures.push(cmp.message);
    figures.push(...structureFigures(cmp));
  }
  return failures.length === 0 ? { passed: true, output: say(ctx.lang, passed) } : failed(failures, figures);
}

/** Only shapes (and that tensors came back): a wrong value is the other tests' business. */
async function checkShapes(ctx: TestContext, net: Network): Promise<TestVerdict> {
  const expected = referenceBackward(reference(ctx), net);
  const actual = await ctx.call('backward', ...wireArgs(net, true));
  const cmp = compareStructure(
    { deltas: expected.deltas, dW: expected.dW, db: expected.db },
    actual,
    { ...structureOptions(ctx, `backward(${describeNetwork(net, ctx.lang)})`), maxFailures: 100 },
  );
  const wrong = cmp.failures.filter((f) => f.comparison.reason !== 'values' && f.comparison.reason !== 'nonfinite');
  if (wrong.length === 0) {
    const shapes = (ts: PlainTensor[]) => ts.map((t) => `[${t.shape.join(', ')}]`).join(', ');
    return {
      passed: true,
      output: say(ctx.lang, {
        en: `All shapes are right: deltas ${shapes(expected.deltas)}; dW ${shapes(expected.dW)}; db ${shapes(expected.db)}.`,
        ru: `Все формы верны: deltas ${shapes(expected.deltas)}; dW ${shapes(expected.dW)}; db ${shapes(expected.db)}.`,
      }),
    };
  }
  const figures = mismatchFigures(wrong);
  return { passed: false, output: wrong.map((f) => f.comparison.message).join('\n'), ...(figures.length > 0 ? { details: { figures } } : {}) };
}

const last = (net: Network) => net.sizes.length - 2;

/** Requirement ids, as the tests name them. */
const R = {
  forward: 'forward-pass',
  shapes: 'gradient-shapes',
  lossScale: 'loss-scale',
  outputDelta: 'output-delta',
  hiddenDeltas: 'hidden-deltas',
  sigmaPrime: 'sigma-prime',
  weightGradients: 'weight-gradients',
  anySize: 'any-size',
  noAutograd: 'no-autograd',
  inputs: 'inputs-left-alone',
} as const;

const InputReportSchema = z.object({
  results: z.object({ forward: z.unknown().optional(), backward: z.unknown().optional() }),
  changes: z
    .array(
      z.object({
        call: z.enum(['forward', 'backward']),
        input: z.string().max(40),
        how: z.enum(['disposed', 'changed', 'replaced', 'reordered', 'resized']),
      }),
    )
    .max(10),
  checked: z.array(z.enum(['forward', 'backward'])),
});

const HOW: Record<z.infer<typeof InputReportSchema>['changes'][number]['how'], Text> = {
  disposed: { en: 'disposed', ru: 'освобождён (dispose)' },
  changed: { en: 'its values changed', ru: 'изменились значения' },
  replaced: { en: 'replaced by another object', ru: 'заменён другим объектом' },
  reordered: { en: 'reordered (e.g. layers.reverse(), which reverses the array in place)', ru: 'переставлен (например, layers.reverse() переворачивает сам массив)' },
  resized: { en: 'its length changed', ru: 'изменилась длина' },
};

/** forward, then backward, on fresh inputs: are layers, x and y as they were afterwards? */
async function checkInputs(ctx: TestContext, net: Network): Promise<TestVerdict> {
  const [layers, x, y] = wireArgs(net, true);
  const report = InputReportSchema.safeParse(await ctx.probe('inputsUnchanged', layers, x, y));
  if (!report.success) throw new MalformedReportError('inputsUnchanged', report.error.message);
  const { changes, checked } = report.data;
  if (changes.length === 0) {
    const given = [...(layers as Array<{ W: PlainTensor; b: PlainTensor }>).flatMap((l) => [l.W, l.b]), x as PlainTensor, y as PlainTensor];
    const why = uncredited(ctx.lang, { en: 'Leaving layers, x and y alone', ru: 'То, что layers, x и y не тронуты' }, [
      {
        call: 'forward(layers, x)',
        actual: report.data.results.forward,
        inputs: given,
        what: { en: '{zs, activations}', ru: '{zs, activations}' },
      },
      // backward threw: the other tests report the error, and forward alone is checked.
      ...(checked.includes('backward')
        ? [{ call: 'backward(layers, x, y)', actual: report.data.results.backward, inputs: given, what: { en: '{deltas, dW, db}', ru: '{deltas, dW, db}' } }]
        : []),
    ]);
    if (why !== undefined) return { passed: false, output: why };
    return {
      passed: true,
      output:
        checked.length === 2
          ? say(ctx.lang, { en: 'forward and backward leave layers, x and y as they were.', ru: 'forward и backward оставляют layers, x и y такими, какими их получили.' })
          : say(ctx.lang, {
              en: 'forward leaves layers and x as they were (backward threw, so only forward was checked; the other tests report the error).',
              ru: 'forward оставляет layers и x такими, какими их получила (backward выбросила исключение, поэтому проверена только forward; ошибку показывают другие тесты).',
            }),
    };
  }
  const lead = say(ctx.lang, {
    en: 'The caller owns layers, x and y and uses them again after the call (the next training step needs the same weights): leave the layers array, every W and b, x and y as they are; dispose only tensors your function created. Changed:',
    ru: 'layers, x и y принадлежат вызывающему, он использует их и после вызова (следующему шагу обучения нужны те же веса): оставляйте массив layers, все W и b, x и y как есть; освобождайте только тензоры, созданные вашей функцией. Изменено:',
  });
  const lines = changes.map((c) => `  ${c.call}: ${c.input} — ${say(ctx.lang, HOW[c.how])}`);
  if (changes.some((c) => c.input === 'x' && c.how === 'disposed')) {
    lines.push(
      say(ctx.lang, {
        en: 'activations[0] is x itself: disposing the activations disposes x (dispose activations.slice(1), or let tf.tidy do it).',
        ru: 'activations[0] — это сам x: освобождая активации, вы освобождаете x (освобождайте activations.slice(1) или доверьте это tf.tidy).',
      }),
    );
  }
  return { passed: false, output: [lead, ...lines].join('\n') };
}

export const spec = defineAssignment({
  id: 'backprop',
  title: 'Backpropagation by hand',
  entry: 'solution.ts',
  contract: 'contract.ts',
  probes: 'probes.ts',
  requirements: [
    {
      id: R.forward,
      text: {
        en: 'forward(layers, x) returns {zs, activations}: activations[0] is x, zs[k] = activations[k] · W_kᵀ + b_k with W_k stored [out, in], activations[k+1] = σ(zs[k]); K layers give K zs and K + 1 activations.',
        ru: 'forward(layers, x) возвращает {zs, activations}: activations[0] — это x, zs[k] = activations[k] · W_kᵀ + b_k, где W_k хранится как [out, in], activations[k+1] = σ(zs[k]); K слоёв дают K zs и K + 1 активацию.',
      },
    },
    {
      id: R.shapes,
      text: {
        en: "backward returns one entry per layer, first layer first: deltas[k] [batch, out_k], dW[k] with W_k's shape [out_k, in_k], db[k] with b_k's shape [out_k].",
        ru: 'backward возвращает по элементу на слой, начиная с первого: deltas[k] формы [batch, out_k], dW[k] формы W_k [out_k, in_k], db[k] формы b_k [out_k].',
      },
    },
    {
      id: R.lossScale,
      text: {
        en: 'The gradients are those of L = 1/(2N)·Σ_n ‖a^L_n − y_n‖²: ∂L/∂a^L = (a^L − y)/N (the 1/N kept, the ½ cancelling the square’s 2).',
        ru: 'Градиенты берутся от L = 1/(2N)·Σ_n ‖a^L_n − y_n‖²: ∂L/∂a^L = (a^L − y)/N (1/N сохраняется, ½ сокращает двойку от квадрата).',
      },
    },
    {
      id: R.outputDelta,
      text: {
        en: "The output delta is ∂L/∂z^L = (a^L − y)/N ⊙ σ'(z^L), with the factor σ'(z^L) the lecture's slide leaves out.",
        ru: "Выходная дельта равна ∂L/∂z^L = (a^L − y)/N ⊙ σ'(z^L), с множителем σ'(z^L), которого нет на слайде лекции.",
      },
    },
    {
      id: R.hiddenDeltas,
      text: {
        en: "Each hidden delta is deltas[k] = (deltas[k+1] · W_{k+1}) ⊙ σ'(zs[k]).",
        ru: "Каждая скрытая дельта равна deltas[k] = (deltas[k+1] · W_{k+1}) ⊙ σ'(zs[k]).",
      },
    },
    {
      id: R.sigmaPrime,
      text: {
        en: "σ'(z) is the sigmoid's derivative σ(z)(1 − σ(z)) = a(1 − a) (not σ(z), not z(1 − z), not ReLU's).",
        ru: "σ'(z) — производная сигмоиды σ(z)(1 − σ(z)) = a(1 − a) (не σ(z), не z(1 − z), не производная ReLU).",
      },
    },
    {
      id: R.weightGradients,
      text: {
        en: 'dW[k] = ∂L/∂W_k = deltas[k]ᵀ · activations[k] and db[k] = ∂L/∂b_k = deltas[k] summed (not averaged) over the batch.',
        ru: 'dW[k] = ∂L/∂W_k = deltas[k]ᵀ · activations[k], db[k] = ∂L/∂b_k = сумма (не среднее) deltas[k] по батчу.',
      },
    },
    {
      id: R.anySize,
      text: {
        en: 'Networks have one or more layers and batches one or more samples.',
        ru: 'В сети один слой или больше, в батче один пример или больше.',
      },
    },
    {
      id: R.noAutograd,
      text: {
        en: 'backward computes the gradients by the equations: autograd (tf.grad(s), tf.valueAndGrad(s), tf.variableGrads, optimizer.minimize) is disabled and throws.',
        ru: 'backward вычисляет градиенты по уравнениям: автоматическое дифференцирование (tf.grad(s), tf.valueAndGrad(s), tf.variableGrads, optimizer.minimize) отключено и выбрасывает исключение.',
      },
    },
    {
      id: R.inputs,
      text: {
        en: 'forward and backward leave layers, x and y as they are: the caller owns them, so no input tensor is disposed or changed and the layers array is not reordered.',
        ru: 'forward и backward оставляют layers, x и y как есть: они принадлежат вызывающему, поэтому ни один входной тензор не освобождается (dispose) и не меняется, а массив layers не переставляется.',
      },
    },
  ],
  limits: { totalMs: 60_000, testMs: 10_000, heapMb: 512 },
  // Gradients here are 1e-4…1e-1; float32 rounding stays below 1e-6 relative on every backend,
  // every mistake changes entries by a factor (σ' ≤ 1/4, N, 2) or more.
  tolerance: { rtol: 1e-4, atol: 1e-6 },
  runner: {
    disableAutograd: {
      en: 'autograd is disabled in this assignment: use the four backprop equations',
      ru: 'автоматическое дифференцирование в этом задании отключено: используйте четыре уравнения обратного распространения',
    },
  },
  tests: [
    {
      name: 'forward: zs and activations of a 3-4-2 network',
      points: 1,
      visibility: 'visible',
      requirements: [R.forward],
      run: (ctx) =>
        checkForward(ctx, [makeNetwork(ctx.rng, [3, 4, 2], 5)], {
          en: 'forward matches on a 3-4-2 network, batch 5.',
          ru: 'forward совпадает на сети 3-4-2, батч 5.',
        }),
    },
    {
      name: 'backward: shapes of deltas, dW and db',
      points: 1,
      visibility: 'visible',
      requirements: [R.shapes, R.noAutograd],
      run: (ctx) => checkShapes(ctx, makeNetwork(ctx.rng, [3, 5, 4, 2], 6)),
    },
    {
      name: "backward: the output delta includes σ'(z^L)",
      points: 1,
      visibility: 'visible',
      requirements: [R.outputDelta, R.sigmaPrime, R.lossScale, R.noAutograd],
      run: (ctx) =>
        checkBackward(ctx, [makeNetwork(ctx.rng, [3, 5, 4, 2], 6)], (net) => [{ part: 'deltas', indices: [last(net)] }], {
          en: "The output delta (a^L − y)/N ⊙ σ'(z^L) matches.",
          ru: "Выходная дельта (a^L − y)/N ⊙ σ'(z^L) совпадает.",
        }),
    },
    {
      name: 'backward: hidden-layer deltas',
      points: 1,
      visibility: 'visible',
      requirements: [R.hiddenDeltas, R.outputDelta, R.sigmaPrime, R.lossScale, R.noAutograd],
      run: (ctx) =>
        checkBackward(
          ctx,
          [makeNetwork(ctx.rng, [3, 5, 4, 2], 6)],
          (net) => [{ part: 'deltas', indices: Array.from({ length: last(net) }, (_, i) => i) }],
          { en: 'The hidden-layer deltas match.', ru: 'Дельты скрытых слоёв совпадают.' },
        ),
    },
    {
      name: 'backward: dW and db',
      points: 1,
      visibility: 'visible',
      requirements: [R.weightGradients, R.shapes, R.hiddenDeltas, R.outputDelta, R.sigmaPrime, R.lossScale, R.noAutograd],
      run: (ctx) =>
        checkBackward(
          ctx,
          [makeNetwork(ctx.rng, [3, 5, 4, 2], 6)],
          () => [
            { part: 'dW', indices: 'all' },
            { part: 'db', indices: 'all' },
          ],
          { en: 'dW and db match on every layer.', ru: 'dW и db совпадают на всех слоях.' },
        ),
    },
    {
      name: 'backward with batch size 1',
      points: 1,
      visibility: 'visible',
      requirements: [R.anySize, R.outputDelta, R.hiddenDeltas, R.sigmaPrime, R.lossScale, R.weightGradients, R.shapes, R.noAutograd],
      run: (ctx) =>
        checkBackward(
          ctx,
          [makeNetwork(ctx.rng, [2, 3, 2], 1)],
          () => [
            { part: 'deltas', indices: 'all' },
            { part: 'dW', indices: 'all' },
            { part: 'db', indices: 'all' },
          ],
          { en: 'backward matches with a batch of one sample.', ru: 'backward совпадает на батче из одного примера.' },
        ),
    },
    {
      name: 'inputs are left alone',
      points: 1,
      visibility: 'visible',
      requirements: [R.inputs],
      // Every call, whichever test made it (a submission can tell its tests apart).
      audit: (log, lang) => inputsAudit(log, ['forward', 'backward'], lang),
      run: (ctx) => checkInputs(ctx, makeNetwork(ctx.rng, [3, 4, 2], 3)),
    },
    {
      name: 'forward on deeper networks',
      points: 1,
      visibility: 'hidden',
      requirements: [R.forward, R.anySize],
      run: (ctx) =>
        checkForward(ctx, [makeNetwork(ctx.rng, [2, 5, 3, 1], 1), makeNetwork(ctx.rng, [4, 6, 5, 3], 8)], {
          en: 'forward matches on 2-5-3-1 (batch 1) and 4-6-5-3 (batch 8) networks.',
          ru: 'forward совпадает на сетях 2-5-3-1 (батч 1) и 4-6-5-3 (батч 8).',
        }),
    },
    {
      name: 'backward agrees with a float64 finite-difference check',
      points: 1,
      visibility: 'hidden',
      requirements: [R.outputDelta, R.hiddenDeltas, R.sigmaPrime, R.lossScale, R.weightGradients, R.shapes, R.noAutograd],
      // float32 results against float64 differences: a little wider than float32 against float32.
      tolerance: { rtol: 1e-3, atol: 1e-6 },
      run: (ctx) =>
        checkBackward(
          ctx,
          [makeNetwork(ctx.rng, [4, 6, 5, 3], 7)],
          () => [
            { part: 'deltas', indices: 'all' },
            { part: 'dW', indices: 'all' },
            { part: 'db', indices: 'all' },
          ],
          {
            en: 'backward agrees with central finite differences of the loss on a 4-6-5-3 network, batch 7.',
            ru: 'backward согласуется с центральными конечными разностями функции потерь на сети 4-6-5-3, батч 7.',
          },
          (net) => finiteDifferenceExpectation(ctx, net),
        ),
    },
    {
      name: 'backward on a single-layer network',
      points: 1,
      visibility: 'hidden',
      requirements: [R.anySize, R.outputDelta, R.hiddenDeltas, R.sigmaPrime, R.lossScale, R.weightGradients, R.shapes, R.noAutograd],
      run: (ctx) =>
        checkBackward(
          ctx,
          [makeNetwork(ctx.rng, [5, 3], 4)],
          () => [
            { part: 'deltas', indices: 'all' },
            { part: 'dW', indices: 'all' },
            { part: 'db', indices: 'all' },
          ],
          {
            en: 'backward matches on a single sigmoid layer (no hidden layer), batch 4.',
            ru: 'backward совпадает на одном сигмоидном слое (без скрытых слоёв), батч 4.',
          },
        ),
    },
  ],
});

/**
 * The finite differences as the expectation, after checking that the reference agrees with
 * them: a disagreement is a grader bug and must not be blamed on the student.
 */
function finiteDifferenceExpectation(ctx: TestContext, net: Network): PlainGradients {
  const numeric = plainGradients(finiteDifferenceGradients(net.layers64, net.x64, net.y64));
  const fromReference = referenceBackward(reference(ctx), net);
  const check = compareStructure({ deltas: numeric.deltas, dW: numeric.dW, db: numeric.db }, fromReference, {
    ...ctx.tolerance,
    label: 'reference vs finite differences',
  });
  if (!check.ok) throw new Error(`grader bug: the reference disagrees with the finite differences: ${check.message}`);
  // The analytic float64 form must agree as well: it is what names the students' mistakes.
  const analytic = plainGradients(backward64(net.layers64, net.x64, net.y64, LECTURE_FORM));
  const check64 = compareStructure({ deltas: numeric.deltas, dW: numeric.dW, db: numeric.db }, analytic, {
    ...ctx.tolerance,
    label: 'float64 backprop vs finite differences',
  });
  if (!check64.ok) throw new Error(`grader bug: float64.ts disagrees with the finite differences: ${check64.message}`);
  return numeric;
}
