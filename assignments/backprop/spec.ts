/**
 * backprop (lecture 1b–1c): the forward pass of a sigmoid network and the four backprop
 * equations, by hand: autograd is switched off in the runner.
 *
 * Expected values come from the reference (float32 tf); the hidden finite-difference test
 * compares with central differences in float64 instead, an independent check that shares no
 * formula with either. When values differ, they are also compared with the values of the
 * typical mistakes (float64, float64.ts) so that the message names the mistake.
 */
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

type Slip = 'slide' | 'sigma' | 'z-one-minus-z' | 'sum' | 'mean-times-2';

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
    for (const derivative of ['sigma-prime', 'sigma', 'z-one-minus-z'] as const) {
      for (const scale of ['mean', 'sum', 'mean-times-2'] as const) {
        const slips: Slip[] = [
          ...(outputSigmaPrime ? [] : (['slide'] as const)),
          ...(derivative === 'sigma-prime' ? [] : [derivative]),
          ...(scale === 'mean' ? [] : [scale]),
        ];
        if (slips.length > 0) all.push({ form: { outputSigmaPrime, derivative, scale }, slips });
      }
    }
  }
  return all.sort((a, b) => a.slips.length - b.slips.length);
})();

/** A sentence naming the mistake whose values `actual` has on the selected parts, if any. */
function namedMistake(ctx: TestContext, net: Network, actual: unknown, selection: Selection[]): string | undefined {
  const tol = { rtol: ctx.tolerance.rtol, atol: ctx.tolerance.atol };
  for (const mistake of MISTAKES) {
    const values = plainGradients(backward64(net.layers64, net.x64, net.y64, mistake.form));
    if (compareSelected(values, actual, selection, { ...tol, label: '' }).ok) {
      const lead = say(ctx.lang, { en: 'These are the values you get when', ru: 'Такие значения получаются, когда' });
      return `${lead} ${mistake.slips.map((s) => say(ctx.lang, SLIPS[s])).join(' ')}`;
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

export const spec = defineAssignment({
  id: 'backprop',
  title: 'Backpropagation by hand',
  entry: 'solution.ts',
  contract: 'contract.ts',
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
      run: (ctx) => checkShapes(ctx, makeNetwork(ctx.rng, [3, 5, 4, 2], 6)),
    },
    {
      name: "backward: the output delta includes σ'(z^L)",
      points: 1,
      visibility: 'visible',
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
      points: 2,
      visibility: 'visible',
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
      name: 'forward on deeper networks',
      points: 1,
      visibility: 'hidden',
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
