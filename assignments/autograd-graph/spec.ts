/**
 * autograd-graph (lecture 1a): the graph of f(x, y) = x² + x·y + (x + y)² and its gradients
 * by autograd.
 *
 * Expected values come from the reference. When a result differs, it is also compared with
 * what the typical mistakes would give (a node of the graph dropped, a gradient derived by
 * hand with a slip, dx and dy swapped…) so that the message can name the mistake.
 */
import * as tf from '@tensorflow/tfjs';
import { compareStructure, fromTf, plainTensor, toTf, type Expected, type PlainTensor } from '../../grader/compare';
import { MAX_MISMATCH_FIGURES, structureFigures, type TensorMismatchFigure } from '../../grader/compare/mismatch-figure';
import { defineAssignment, type Lang, type TestContext, type TestVerdict, say } from '../../grader/spec/assignment-spec';
import type * as Reference from '../../reference/autograd-graph';
import { MISTAKES, type Text } from './mistakes';
// Type-only: never loaded here, but it puts probes.ts in the build, which the runner loads.
import type { probes } from './probes';

type ProbeName = keyof typeof probes;
const COUNT_AUTOGRAD_CALLS: ProbeName = 'countAutogradCalls';

function reference(ctx: TestContext): typeof Reference {
  const { f, gradF } = ctx.reference;
  if (typeof f !== 'function' || typeof gradF !== 'function') {
    throw new Error('reference/autograd-graph.ts must export f and gradF');
  }
  return ctx.reference as unknown as typeof Reference;
}

function elementwise(x: PlainTensor, y: PlainTensor, fn: (a: number, b: number) => number): PlainTensor {
  const xs = x.data as Float32Array;
  const ys = y.data as Float32Array;
  return { kind: 'tensor', shape: [...x.shape], dtype: 'float32', data: Float32Array.from(xs, (a, i) => fn(a, ys[i])) };
}

/**
 * The hints of the mistakes whose values `actual` has. A mistake that explains every returned
 * value wins; only when none does is a single gradient matched (a slip may spoil just one),
 * because one gradient alone can coincide with another mistake (3x + 2y is both the correct
 * dy and the dx of a lost power-rule factor).
 */
function namedMistakes(x: PlainTensor, y: PlainTensor, actual: unknown, ctx: TestContext, what: 'f' | 'gradF'): string[] {
  // The mistakes are elementwise formulas: they only describe inputs of one shape.
  if (x.shape.join() !== y.shape.join()) return [];
  const n = x.data.length;
  const tol = { rtol: ctx.tolerance.rtol, atol: ctx.tolerance.atol };
  const matches = (expected: Expected) => compareStructure(expected, actual, tol).ok;
  const applicable = MISTAKES.filter((m) => !(m.needsSeveral === true && n === 1));
  if (what === 'f') {
    return applicable.filter((m) => m.f !== undefined && matches(elementwise(x, y, m.f))).map((m) => say(ctx.lang, m.hint));
  }
  const grads = applicable.map((m) => ({
    mistake: m,
    dx: elementwise(x, y, (a, b) => m.dx(a, b, n)),
    dy: elementwise(x, y, (a, b) => m.dy(a, b, n)),
  }));
  const whole = grads.filter((g) => matches({ dx: g.dx, dy: g.dy }));
  const found = whole.length > 0 ? whole : grads.filter((g) => matches({ dx: g.dx }) || matches({ dy: g.dy }));
  return found.slice(0, 2).map((g) => say(ctx.lang, g.mistake.hint));
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

/** 'x = 11, y = 3' for scalars, 'x [3, 4], y [4]' for tensors. */
function describeCase(c: Case): string {
  if (c.x.shape.length === 0 && c.y.shape.length === 0) return `x = ${c.x.data[0]}, y = ${c.y.data[0]}`;
  return `x [${c.x.shape.join(', ')}], y [${c.y.shape.join(', ')}]`;
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
  const cmp = compareStructure(expected, actual, {
    ...ctx.tolerance,
    lang: ctx.lang,
    label: `f(${describeCase(c)})`,
    usualCause: say(ctx.lang, USUAL_F),
  });
  if (cmp.ok) return undefined;
  return { message: [...namedMistakes(c.x, c.y, actual, ctx, 'f'), cmp.message].join('\n'), figures: structureFigures(cmp) };
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
  const cmp = compareStructure(expected, actual, {
    ...ctx.tolerance,
    lang: ctx.lang,
    label: `gradF(${describeCase(c)})`,
    usualCause: { values: say(ctx.lang, USUAL_GRAD), shape: say(ctx.lang, USUAL_GRAD_SHAPE) },
  });
  if (cmp.ok) return undefined;
  return { message: [...namedMistakes(c.x, c.y, actual, ctx, 'gradF'), cmp.message].join('\n'), figures: structureFigures(cmp) };
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
  tests: [
    {
      name: "f at the lecture's point x = 11",
      points: 1,
      visibility: 'visible',
      run: (ctx) =>
        allCases(ctx, [scalarCase(11, 3)], checkF, { en: 'f(11, 3) = 350, as expected.', ru: 'f(11, 3) = 350, как и должно быть.' }),
    },
    {
      name: 'f on tensors of several shapes',
      points: 2,
      visibility: 'visible',
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
      run: async (ctx) => {
        const c = makeCase(ctx, [3], [3]);
        const report = await ctx.probe(COUNT_AUTOGRAD_CALLS, c.x, c.y);
        const calls = typeof report === 'object' && report !== null ? (report as { calls?: unknown }).calls : undefined;
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
      name: 'gradF with broadcasting: x [3, 4], y [4]',
      points: 1,
      visibility: 'visible',
      run: (ctx) =>
        allCases(ctx, [makeCase(ctx, [3, 4], [4])], checkGrad, {
          en: 'gradF matches with broadcasting: dx is [3, 4] and dy is [4].',
          ru: 'gradF совпадает при трансляции форм: dx формы [3, 4], dy формы [4].',
        }),
    },
    {
      name: 'f and gradF on more shapes and larger values',
      points: 1,
      visibility: 'hidden',
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
      name: 'gradF with a scalar y',
      points: 1,
      visibility: 'hidden',
      run: (ctx) =>
        allCases(ctx, [makeCase(ctx, [6], [])], checkGrad, {
          en: 'gradF matches with a scalar y: dy is a scalar.',
          ru: 'gradF совпадает при скалярном y: dy — скаляр.',
        }),
    },
  ],
});
