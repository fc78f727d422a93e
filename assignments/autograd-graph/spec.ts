/**
 * autograd-graph (lecture 1a): the graph of f(x, y) = x² + x·y + (x + y)² and its gradients
 * by autograd.
 *
 * Expected values come from the reference. When a result differs, it is also compared with
 * what the typical mistakes would give (a node of the graph dropped, a gradient derived by
 * hand with a slip, dx and dy swapped…) so that the message can name the mistake.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { compareStructure, fromTf, plainTensor, toTf, type Expected, type PlainTensor } from '../../grader/compare';
import { MAX_MISMATCH_FIGURES, structureFigures, type TensorMismatchFigure } from '../../grader/compare/mismatch-figure';
import { defineAssignment, type TestContext, type TestVerdict, say } from '../../grader/spec/assignment-spec';
import { uncredited } from '../../grader/spec/credit';
import type * as Reference from '../../reference/autograd-graph';
import { broadcastPair, sumTo, tensorOf } from './broadcast';
import { MISTAKES, type Mistake, type Text } from './mistakes';
// Type-only: never loaded here, but it puts probes.ts in the build, which the runner loads.
import type { probes } from './probes';
import { MalformedReportError } from '../../grader/runner/runner-errors';
import { autogradAudit, inputsAudit } from '../../grader/spec/audit-findings';

type ProbeName = keyof typeof probes;
const COUNT_AUTOGRAD_CALLS: ProbeName = 'countAutogradCalls';
const INPUTS_UNCHANGED: ProbeName = 'inputsUnchanged';

function reference(ctx: TestContext): typeof Reference {
  const { f, gradF } = ctx.reference;
  if (typeof f !== 'function' || typeof gradF !== 'function') {
    throw new Error('reference/autograd-graph.ts must export f and gradF');
  }
  return ctx.reference as unknown as typeof Reference;
}

/** The typical mistakes whose gradients a result could be, each as the values it gives. */
interface GradCandidate {
  mistake: Mistake;
  dx: PlainTensor;
  dy: PlainTensor;
}

/**
 * The values of a mistake on (x, y), broadcasting like tf.add: what autograd gives (each
 * gradient summed down to its input's shape) and, for a formula written by hand, the
 * broadcast-shaped values as well.
 */
function gradCandidates(m: Mistake, x: PlainTensor, y: PlainTensor): GradCandidate[] {
  const pair = broadcastPair(x, y);
  if (pair === undefined) return [];
  const n = pair.xs.length;
  if (m.needsSeveral === true && n === 1) return [];
  const fullDx = pair.xs.map((a, i) => m.dx(a, pair.ys[i], n));
  const fullDy = pair.xs.map((a, i) => m.dy(a, pair.ys[i], n));
  // A swapped result holds y's gradient in dx: its shape is y's.
  const [dxShape, dyShape] = m.swapped === true ? [y.shape, x.shape] : [x.shape, y.shape];
  const broadcast = dxShape.join() !== pair.shape.join() || dyShape.join() !== pair.shape.join();
  const out: GradCandidate[] = [];
  if (m.unreducedOnly !== true) {
    out.push({ mistake: m, dx: tensorOf(sumTo(fullDx, pair.shape, dxShape), dxShape), dy: tensorOf(sumTo(fullDy, pair.shape, dyShape), dyShape) });
  }
  if ((m.byHand === true || m.unreducedOnly === true) && broadcast) {
    out.push({ mistake: m, dx: tensorOf(fullDx, pair.shape), dy: tensorOf(fullDy, pair.shape) });
  }
  return out;
}

/** f as a mistake computes it on (x, y), broadcasting like tf.add. */
function fOfMistake(m: Mistake, x: PlainTensor, y: PlainTensor): PlainTensor | undefined {
  const pair = broadcastPair(x, y);
  const f = m.f;
  if (pair === undefined || f === undefined) return undefined;
  return tensorOf(pair.xs.map((a, i) => f(a, pair.ys[i])), pair.shape);
}

/** The hints of the graph variants whose f the student's f is on this case. */
function namedFMistakes(c: Case, actual: unknown, ctx: TestContext): string[] {
  const tol = { rtol: ctx.tolerance.rtol, atol: ctx.tolerance.atol };
  return MISTAKES.filter((m) => {
    const values = fOfMistake(m, c.x, c.y);
    return values !== undefined && compareStructure(values, actual, tol).ok;
  }).map((m) => say(ctx.lang, m.hint));
}

/**
 * The hints of the mistakes whose gradients `actual` has, agreeing with all the evidence: a
 * variant of the graph is named only when the student's own f is that variant on the same
 * inputs (autograd of a right f never gives a wrong graph's gradients). A mistake that
 * explains both gradients wins; only when none does is a single gradient matched (a slip may
 * spoil just one), because one gradient alone can coincide with another mistake (3x + 2y is
 * both the correct dy and the dx of a lost power-rule factor).
 */
function namedGradMistakes(c: Case, actual: unknown, studentF: unknown, ctx: TestContext): string[] {
  const tol = { rtol: ctx.tolerance.rtol, atol: ctx.tolerance.atol };
  const matches = (expected: Expected) => compareStructure(expected, actual, tol).ok;
  const consistent = MISTAKES.filter((m) => {
    if (m.f === undefined) return true;
    const values = fOfMistake(m, c.x, c.y);
    return values !== undefined && studentF !== undefined && compareStructure(values, studentF, tol).ok;
  });
  const candidates = consistent.flatMap((m) => gradCandidates(m, c.x, c.y));
  const whole = candidates.filter((g) => matches({ dx: g.dx, dy: g.dy }));
  const found = whole.length > 0 ? whole : candidates.filter((g) => matches({ dx: g.dx }) || matches({ dy: g.dy }));
  return [...new Set(found.map((g) => g.mistake))].slice(0, 2).map((m) => say(ctx.lang, m.hint));
}

// ---------------------------------------------------------------------------------------------

interface Case {
  x: PlainTensor;
  y: PlainTensor;
}

function makeCase(ctx: TestContext, xShape: number[], yShape: number[], range = 2): Case {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return {
    x: plainTensor(ctx.rng.floats(size(xShape), -range, range), xShape),
    y: plainTensor(ctx.rng.floats(size(yShape), -range, range), yShape),
  };
}

function scalarCase(x: number, y: number): Case {
  return { x: plainTensor([x], []), y: plainTensor([y], []) };
}

/** 'x = 11, y = 3' for scalars, 'x [3, 4], y [4]' for tensors, 'x = 1.5, y [2, 2]' mixed. */
function describeCase(c: Case): string {
  const part = (name: string, t: PlainTensor) => (t.shape.length === 0 ? `${name} = ${Number(Number(t.data[0]).toPrecision(4))}` : `${name} [${t.shape.join(', ')}]`);
  return `${part('x', c.x)}, ${part('y', c.y)}`;
}

const USUAL_F: Text = {
  en: 'f must be x² + x·y + (x+y)², all three terms, elementwise (x.square(), x.mul(y), x.add(y).square()).',
  ru: 'f должна быть x² + x·y + (x+y)², все три слагаемых, поэлементно (x.square(), x.mul(y), x.add(y).square()).',
};

const USUAL_GRAD: Text = {
  en: 'df/dx = 2x + y + 2(x+y) and df/dy = x + 2(x+y); let tf.grads compute them from f.',
  ru: 'df/dx = 2x + y + 2(x+y), df/dy = x + 2(x+y); пусть их вычислит tf.grads из f.',
};

const USUAL_GRAD_SHAPE: Text = {
  en: 'each gradient has the shape of its input: when y was broadcast, its gradient is summed over the broadcast axes (tf.grads does this for you; a formula written by hand does not).',
  ru: 'градиент имеет форму своего входа: если y транслировался (broadcasting), его градиент суммируется по добавленным осям (tf.grads делает это сам, формула, выписанная вручную, — нет).',
};

/** A failed case: the message, and the pictures of the tensors that differ. */
interface CaseFailure {
  message: string;
  figures: TensorMismatchFigure[];
}

async function checkF(ctx: TestContext, c: Case): Promise<CaseFailure | undefined> {
  const ref = reference(ctx);
  const value = tf.tidy(() => ref.f(toTf(c.x), toTf(c.y)));
  const expected = fromTf(value);
  value.dispose();
  const actual = await ctx.call('f', c.x, c.y);
  const options = { ...ctx.tolerance, lang: ctx.lang, label: `f(${describeCase(c)})` };
  if (compareStructure(expected, actual, options).ok) return undefined;
  const named = namedFMistakes(c, actual, ctx);
  // A named mistake replaces the usual cause: the message says what happened, once.
  const cmp = compareStructure(expected, actual, named.length > 0 ? options : { ...options, usualCause: say(ctx.lang, USUAL_F) });
  return { message: [...named, cmp.message].join('\n'), figures: structureFigures(cmp) };
}

/** The student's f on the case, as evidence for naming a mistake; undefined when it throws. */
async function studentF(ctx: TestContext, c: Case): Promise<unknown> {
  try {
    return await ctx.call('f', c.x, c.y);
  } catch {
    return undefined;
  }
}

async function checkGrad(ctx: TestContext, c: Case): Promise<CaseFailure | undefined> {
  const ref = reference(ctx);
  const [dx, dy] = tf.tidy(() => {
    const grads = ref.gradF(toTf(c.x), toTf(c.y));
    return [grads.dx, grads.dy];
  });
  const expected = { dx: fromTf(dx), dy: fromTf(dy) };
  tf.dispose([dx, dy]);
  const actual = await ctx.call('gradF', c.x, c.y);
  const options = { ...ctx.tolerance, lang: ctx.lang, label: `gradF(${describeCase(c)})` };
  if (compareStructure(expected, actual, options).ok) return undefined;
  const named = namedGradMistakes(c, actual, await studentF(ctx, c), ctx);
  const cmp = compareStructure(
    expected,
    actual,
    named.length > 0 ? options : { ...options, usualCause: { values: say(ctx.lang, USUAL_GRAD), shape: say(ctx.lang, USUAL_GRAD_SHAPE) } },
  );
  return { message: [...named, cmp.message].join('\n'), figures: structureFigures(cmp) };
}

/** The verdict of failed cases: every message, and the first pictures of the tensors that differ. */
function failedVerdict(failures: CaseFailure[]): TestVerdict {
  const figures = failures.flatMap((f) => f.figures).slice(0, MAX_MISMATCH_FIGURES);
  return {
    passed: false,
    output: failures.map((f) => f.message).join('\n\n'),
    ...(figures.length > 0 ? { details: { figures } } : {}),
  };
}

/** Runs every case; passes when all pass, and reports every failing case. */
async function allCases(
  ctx: TestContext,
  cases: Case[],
  check: (ctx: TestContext, c: Case) => Promise<CaseFailure | undefined>,
  passed: Text,
): Promise<TestVerdict> {
  const failures = await failingCases(ctx, cases, check);
  return failures.length === 0 ? { passed: true, output: say(ctx.lang, passed) } : failedVerdict(failures);
}

async function failingCases(ctx: TestContext, cases: Case[], check: (ctx: TestContext, c: Case) => Promise<CaseFailure | undefined>): Promise<CaseFailure[]> {
  const failures: CaseFailure[] = [];
  for (const c of cases) {
    const failure = await check(ctx, c);
    if (failure !== undefined) failures.push(failure);
  }
  return failures;
}

const InputChangesSchema = z.object({
  changes: z.array(z.object({ call: z.enum(['f', 'gradF']), input: z.enum(['x', 'y']), how: z.enum(['disposed', 'changed']) })).max(10),
  checked: z.array(z.enum(['f', 'gradF'])),
  results: z.object({ f: z.unknown().optional(), gradF: z.unknown().optional() }),
});

const INPUTS_PROPERTY: Text = { en: 'Leaving x and y alone', ru: 'То, что x и y не тронуты' };

const HOW: Record<'disposed' | 'changed', Text> = {
  disposed: { en: 'disposed', ru: 'освободила (dispose)' },
  changed: { en: 'changed the values of', ru: 'изменила значения' },
};

/** Requirement ids, as the tests name them. */
const R = {
  fValue: 'f-value',
  broadcasting: 'broadcasting',
  gradients: 'gradients',
  byAutograd: 'by-autograd',
  inputs: 'inputs-left-alone',
} as const;

export const spec = defineAssignment({
  id: 'autograd-graph',
  title: 'Computational graphs and autograd',
  entry: 'solution.ts',
  contract: 'contract.ts',
  probes: 'probes.ts',
  limits: { totalMs: 60_000, testMs: 10_000, heapMb: 512 },
  // Values reach a few hundred; float32 rounding on any backend stays far below 1e-4 relative,
  // while every mistake above changes entries by whole units.
  tolerance: { rtol: 1e-4, atol: 1e-4 },
  requirements: [
    {
      id: R.fValue,
      text: {
        en: 'f(x, y) returns x² + x·y + (x+y)² elementwise, built from tf operations, for float32 inputs of any rank (scalars included).',
        ru: 'f(x, y) возвращает поэлементно x² + x·y + (x+y)², построенную из операций tf, для входов float32 любой размерности (включая скаляры).',
      },
    },
    {
      id: R.gradients,
      text: {
        en: 'gradF(x, y) returns an object {dx, dy}: dx = ∂sum(f)/∂x and dy = ∂sum(f)/∂y.',
        ru: 'gradF(x, y) возвращает объект {dx, dy}: dx = ∂sum(f)/∂x, dy = ∂sum(f)/∂y.',
      },
    },
    {
      id: R.broadcasting,
      text: {
        en: "x and y may have shapes that broadcast like tf.add (either may be the smaller one, or a scalar): f has the broadcast shape, dx has x's shape and dy has y's (summed over the broadcast axes).",
        ru: 'формы x и y могут транслироваться, как в tf.add (меньшим может быть любой из них, или скаляр): f имеет общую форму, dx — форму x, dy — форму y (суммирование по осям трансляции).',
      },
    },
    {
      id: R.byAutograd,
      text: {
        en: "gradF's gradients come from TensorFlow.js's autograd (tf.grads, tf.grad, tf.valueAndGrads or tf.variableGrads), not from derivatives written by hand.",
        ru: 'градиенты gradF получены автоматическим дифференцированием TensorFlow.js (tf.grads, tf.grad, tf.valueAndGrads или tf.variableGrads), а не выписанными вручную производными.',
      },
    },
    {
      id: R.inputs,
      text: {
        en: 'f and gradF leave x and y as they are: the caller owns its tensors, so neither function disposes or changes them.',
        ru: 'f и gradF оставляют x и y как есть: тензоры принадлежат вызывающему, ни одна из функций их не освобождает (dispose) и не меняет.',
      },
    },
  ],
  tests: [
    {
      name: "f at the lecture's point x = 11",
      points: 1,
      visibility: 'visible',
      requirements: [R.fValue],
      run: (ctx) =>
        allCases(ctx, [scalarCase(11, 3)], checkF, { en: 'f(11, 3) = 350, as expected.', ru: 'f(11, 3) = 350, как и должно быть.' }),
    },
    {
      name: 'f on tensors of several shapes',
      points: 1,
      visibility: 'visible',
      requirements: [R.fValue],
      run: (ctx) =>
        allCases(ctx, [makeCase(ctx, [5], [5]), makeCase(ctx, [3, 4], [3, 4]), makeCase(ctx, [2, 2, 3], [2, 2, 3])], checkF, {
          en: 'f matches on shapes [5], [3, 4] and [2, 2, 3].',
          ru: 'f совпадает на формах [5], [3, 4] и [2, 2, 3].',
        }),
    },
    {
      name: 'gradF at x = 11',
      points: 1,
      visibility: 'visible',
      requirements: [R.gradients],
      run: (ctx) =>
        allCases(ctx, [scalarCase(11, 3)], checkGrad, {
          en: 'gradF(11, 3) = {dx: 53, dy: 39}, as expected.',
          ru: 'gradF(11, 3) = {dx: 53, dy: 39}, как и должно быть.',
        }),
    },
    {
      name: 'gradF on a matrix',
      points: 2,
      visibility: 'visible',
      requirements: [R.gradients],
      run: (ctx) =>
        allCases(ctx, [makeCase(ctx, [4, 3], [4, 3])], checkGrad, {
          en: 'gradF matches on a [4, 3] matrix.',
          ru: 'gradF совпадает на матрице [4, 3].',
        }),
    },
    {
      name: 'gradF uses autograd',
      points: 1,
      visibility: 'visible',
      requirements: [R.byAutograd],
      // Every call, whichever test made it (a submission can tell its tests apart).
      audit: (log, lang) => autogradAudit(log, 'gradF', lang),
      run: async (ctx) => {
        const c = makeCase(ctx, [3], [3]);
        // The seed of the random values that replace autograd's answers in the runner.
        const report = await ctx.probe(COUNT_AUTOGRAD_CALLS, c.x, c.y, 1 + Math.floor(ctx.rng.uniform(0, 2 ** 31)));
        const { calls, dependsOnAutograd } = (typeof report === 'object' && report !== null ? report : {}) as { calls?: unknown; dependsOnAutograd?: unknown };
        if (typeof calls === 'number' && calls >= 1 && dependsOnAutograd === false) {
          return {
            passed: false,
            output: say(ctx.lang, {
              en: `gradF calls autograd (${calls} time${calls === 1 ? '' : 's'}), but what it returns does not come from it: when the grader replaced autograd's answers by other values, gradF did not return them as dx and dy. They are computed some other way (by formulas written by hand, kept when they agree with autograd?); return the gradients tf.grads gives you.`,
              ru: `gradF обращается к автоматическому дифференцированию (вызовов: ${calls}), но возвращает не его результат: когда проверяющая программа подменила ответы autograd другими значениями, gradF не вернула их как dx и dy. Они вычислены иначе (по формулам, выписанным вручную, которые оставляются, если совпадают с autograd?); возвращайте градиенты, которые даёт tf.grads.`,
            }),
          };
        }
        if (typeof calls === 'number' && calls >= 1) {
          return { passed: true, output: say(ctx.lang, { en: 'gradF computes its gradients with autograd.', ru: 'gradF вычисляет градиенты автоматическим дифференцированием.' }) };
        }
        return {
          passed: false,
          output: say(ctx.lang, {
            en: 'gradF never asked autograd for a gradient (no call of tf.grads, tf.grad, tf.valueAndGrads or tf.variableGrads). The exercise is to let autograd differentiate the graph of f, not to write the derivatives by hand.',
            ru: 'gradF ни разу не обратилась к автоматическому дифференцированию (нет вызова tf.grads, tf.grad, tf.valueAndGrads или tf.variableGrads). Задача в том, чтобы граф f продифференцировал autograd, а не выписывать производные вручную.',
          }),
        };
      },
    },
    {
      name: 'f and gradF with broadcasting: x [3, 4], y [4]',
      points: 1,
      visibility: 'visible',
      requirements: [R.broadcasting, R.fValue, R.gradients],
      run: async (ctx) => {
        const c = makeCase(ctx, [3, 4], [4]);
        const failures = [...(await failingCases(ctx, [c], checkF)), ...(await failingCases(ctx, [c], checkGrad))];
        if (failures.length === 0) {
          return {
            passed: true,
            output: say(ctx.lang, {
              en: 'f and gradF match with broadcasting: f is [3, 4], dx is [3, 4] and dy is [4].',
              ru: 'f и gradF совпадают при трансляции форм: f формы [3, 4], dx формы [3, 4], dy формы [4].',
            }),
          };
        }
        return failedVerdict(failures);
      },
    },
    {
      name: 'inputs are left alone',
      points: 1,
      visibility: 'visible',
      requirements: [R.inputs],
      // Every call, whichever test made it (a submission can tell its tests apart).
      audit: (log, lang) => inputsAudit(log, ['f', 'gradF'], lang),
      run: async (ctx) => {
        const c = makeCase(ctx, [2, 3], [2, 3]);
        const report = InputChangesSchema.safeParse(await ctx.probe(INPUTS_UNCHANGED, c.x, c.y));
        if (!report.success) throw new MalformedReportError('inputsUnchanged', report.error.message);
        const { changes } = report.data;
        if (changes.length === 0) {
          const why = uncredited(ctx.lang, INPUTS_PROPERTY, [
            { call: 'f(x, y)', actual: report.data.results.f, inputs: [c.x, c.y], what: { en: 'the tensor f(x, y)', ru: 'тензора f(x, y)' } },
            // gradF threw: the other tests report the error, and f alone is checked.
            ...(report.data.checked.includes('gradF')
              ? [{ call: 'gradF(x, y)', actual: report.data.results.gradF, inputs: [c.x, c.y], what: { en: 'the gradients {dx, dy}', ru: 'градиентов {dx, dy}' } }]
              : []),
          ]);
          if (why !== undefined) return { passed: false, output: why };
          return {
            passed: true,
            output:
              report.data.checked.length === 2
                ? say(ctx.lang, { en: 'f and gradF leave x and y as they were.', ru: 'f и gradF оставляют x и y такими, какими их получили.' })
                : say(ctx.lang, {
                    en: 'f leaves x and y as they were (gradF threw, so only f was checked; the other tests report the error).',
                    ru: 'f оставляет x и y такими, какими их получила (gradF выбросила исключение, поэтому проверена только f; ошибку показывают другие тесты).',
                  }),
          };
        }
        const lead = say(ctx.lang, {
          en: 'The caller owns x and y and may use them again after the call: do not dispose the inputs (tf.tidy never disposes them; dispose only tensors your function created).',
          ru: 'x и y принадлежат вызывающему, он может использовать их и после вызова: не освобождайте входы (tf.tidy их не освобождает; освобождайте только тензоры, созданные вашей функцией).',
        });
        const lines = changes.map((ch) => `  ${ch.call}(x, y) ${say(ctx.lang, HOW[ch.how])} ${ch.input}`);
        return { passed: false, output: [lead, ...lines].join('\n') };
      },
    },
    {
      name: 'f and gradF on more shapes and larger values',
      points: 1,
      visibility: 'hidden',
      requirements: [R.fValue, R.gradients],
      run: async (ctx) => {
        const cases = [makeCase(ctx, [1], [1], 20), makeCase(ctx, [2, 3, 4], [2, 3, 4], 5), makeCase(ctx, [7], [7], 50)];
        const fFailures = await failingCases(ctx, cases, checkF);
        const gFailures = await failingCases(ctx, cases, checkGrad);
        if (fFailures.length === 0 && gFailures.length === 0) {
          return { passed: true, output: say(ctx.lang, { en: 'f and gradF match on shapes [1], [2, 3, 4] and [7].', ru: 'f и gradF совпадают на формах [1], [2, 3, 4] и [7].' }) };
        }
        return failedVerdict([...fFailures, ...gFailures]);
      },
    },
    {
      name: 'broadcasting the other way and with a scalar',
      points: 1,
      visibility: 'hidden',
      requirements: [R.broadcasting, R.fValue, R.gradients],
      run: async (ctx) => {
        const cases = [makeCase(ctx, [4], [2, 3, 4]), makeCase(ctx, [6], []), makeCase(ctx, [], [2, 2])];
        const failures = [...(await failingCases(ctx, cases, checkF)), ...(await failingCases(ctx, cases, checkGrad))];
        if (failures.length === 0) {
          return {
            passed: true,
            output: say(ctx.lang, {
              en: 'f and gradF match on x [4] with y [2, 3, 4], x [6] with a scalar y, and a scalar x with y [2, 2].',
              ru: 'f и gradF совпадают на x [4] с y [2, 3, 4], x [6] со скалярным y и скалярном x с y [2, 2].',
            }),
          };
        }
        return failedVerdict(failures);
      },
    },
  ],
});
