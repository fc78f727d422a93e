/**
 * momentum-sgd (lecture 2): v ← β·v + g, θ ← θ − α·v, one step at a time and as a minimize loop.
 *
 * Expected values come from the reference. When a result differs, it is also compared with
 * what the look-alike update rules give (Nesterov, dampening, α folded into v…, variants.ts),
 * so that the message names the rule the student wrote.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { compareStructure, fromTf, messagesFor, parsePlainTensor, plainTensor, toTf, type Expected, type PlainTensor } from '../../grader/compare';
import { MAX_MISMATCH_FIGURES, structureFigures } from '../../grader/compare/mismatch-figure';
import type { FigureInput } from '../../grader/report/figures';
import { defineAssignment, type Lang, type TestContext, type TestVerdict, say, type LocalizedText as Text } from '../../grader/spec/assignment-spec';
import { uncredited } from '../../grader/spec/credit';
import { formatNumber } from '../../grader/compare/format';
import { count, NOUNS } from '../../grader/util/plural';
import type * as Reference from '../../reference/momentum-sgd';
import type { MinimizeOptions, MomentumOptions } from '../../reference/momentum-sgd';
import type { SeededRandom } from '../../grader/util/rng';
import { buildLoss, MAX_PATH_POINTS, recordingLoss, type PathPoint, type Problem, type probes } from './probes';
import { QUADRATIC_OPTIONS, ROSENBROCK_OPTIONS, quadratic, rosenbrock } from './problems';
import { minimizeWith, stepWith, WRONG_RULES, type UpdateRule, type VelocityStart, type WrongRule } from './variants';
import { MalformedReportError } from '../../grader/runner/runner-errors';
import { inputsAudit, leakAudit } from '../../grader/spec/audit-findings';

type ProbeName = keyof typeof probes;
const probe = (ctx: TestContext, name: ProbeName, ...args: unknown[]) => ctx.probe(name, ...args);

function reference(ctx: TestContext): typeof Reference {
  const { momentumStep, minimize } = ctx.reference;
  if (typeof momentumStep !== 'function' || typeof minimize !== 'function') {
    throw new Error('reference/momentum-sgd.ts must export momentumStep and minimize');
  }
  return ctx.reference as unknown as typeof Reference;
}

// ---------------------------------------------------------------------------------------------
// The look-alike rules, named.

const RULE_HINTS: Record<WrongRule, Text> = {
  nesterov: {
    en: "This is Nesterov's momentum (θ ← θ − α·(g + β·v)), not the lecture's update θ ← θ − α·v.",
    ru: 'Это моментум Нестерова (θ ← θ − α·(g + β·v)), а не обновление из лекции θ ← θ − α·v.',
  },
  dampened: {
    en: "This is momentum with dampening, an exponential moving average v ← β·v + (1 − β)·g (torch's dampening = β). The lecture's velocity adds the whole gradient: v ← β·v + g.",
    ru: 'Это моментум с затуханием (dampening), экспоненциальное скользящее среднее v ← β·v + (1 − β)·g (dampening = β в torch). В лекции к скорости прибавляется весь градиент: v ← β·v + g.',
  },
  'lr-in-velocity': {
    en: 'The learning rate was folded into the velocity (v ← β·v + α·g, θ ← θ − v). That agrees with the lecture only while α never changes; keep α out of v: v ← β·v + g, θ ← θ − α·v.',
    ru: 'Скорость обучения внесена внутрь скорости (v ← β·v + α·g, θ ← θ − v). Это совпадает с лекцией, только пока α не меняется; держите α вне v: v ← β·v + g, θ ← θ − α·v.',
  },
  'old-velocity': {
    en: 'θ was moved with the old velocity. Compute v ← β·v + g first, then θ ← θ − α·v with the new v.',
    ru: 'θ сдвинут на старую скорость. Сначала v ← β·v + g, затем θ ← θ − α·v уже с новой v.',
  },
  ascent: {
    en: 'θ moved along the velocity instead of against it: θ ← θ − α·v, with a minus.',
    ru: 'θ сдвинут по направлению скорости, а не против него: θ ← θ − α·v, с минусом.',
  },
  'no-momentum': {
    en: 'The momentum β was ignored: this is plain SGD, θ ← θ − α·g.',
    ru: 'Моментум β проигнорирован: это обычный SGD, θ ← θ − α·g.',
  },
};

/**
 * Over several steps from zero velocity, ignoring β (v ← g) and never passing the new velocity
 * on (momentumStep returning the velocities it was given, or minimize keeping its first ones)
 * give the same params: plain SGD. The evidence names both.
 */
const PLAIN_SGD_FROM_ZERO: Text = {
  en: 'The params moved exactly as plain SGD (θ ← θ − α·g at every step): the velocity never built up. Either β was ignored (v ← g), or the new velocity is not the one carried to the next step (momentumStep returns the velocities it was given, or the loop keeps its first, zero velocities).',
  ru: 'Параметры двигались в точности как в обычном SGD (θ ← θ − α·g на каждом шаге): скорость не накапливалась. Либо β проигнорирован (v ← g), либо на следующий шаг переходит не новая скорость (momentumStep возвращает переданные ей скорости или цикл держит свои первые, нулевые скорости).',
};

/** The hints of the look-alikes over several steps from zero velocity (see PLAIN_SGD_FROM_ZERO). */
function multiStepHint(rule: WrongRule): Text {
  return rule === 'no-momentum' ? PLAIN_SGD_FROM_ZERO : RULE_HINTS[rule];
}

/** momentumStep handing back the velocities it was given instead of the new ones. */
const STALE_VELOCITIES: ExtraMistake = {
  hint: {
    en: 'momentumStep returned the velocities it was given, not the new ones: return v ← β·v + g (the velocity θ moved with), so that the next step builds on it.',
    ru: 'momentumStep вернула переданные ей скорости, а не новые: возвращайте v ← β·v + g (ту скорость, на которую сдвинут θ), чтобы следующий шаг опирался на неё.',
  },
  result: (c) => ({ params: oneStep(ruleStep('lecture'), c).params, velocities: c.velocities }),
};

/** NaN or Infinity where the reference stays finite: nothing here takes a log or divides; the steps blew up. */
const DIVERGED: Text = {
  en: 'the iteration diverged: the steps grew until they overflowed, where the lecture\'s update with these options stays finite. Check that α multiplies the velocity once (θ ← θ − α·v), that α and β are the ones given in options, and that θ moves against v (a minus).',
  ru: 'итерации разошлись: шаги росли, пока не переполнились, а обновление из лекции с этими параметрами остаётся конечным. Проверьте, что α умножает скорость один раз (θ ← θ − α·v), что α и β взяты из options и что θ движется против v (с минусом).',
};

const USUAL_STEP: Text = {
  en: 'v ← β·v + g, then θ ← θ − α·v with the new v (α = lr, β = momentum).',
  ru: 'v ← β·v + g, затем θ ← θ − α·v с новой v (α = lr, β = momentum).',
};

// ---------------------------------------------------------------------------------------------
// Plain data <-> tensors on the trusted side.

type Plain = PlainTensor[];

function live(list: Plain): tf.Tensor[] {
  return list.map(toTf);
}

/** Runs fn in a tidy and returns plain copies of the tensors it returns; frees them all. */
function plainResult(fn: () => tf.Tensor[]): Plain {
  const out = tf.tidy(fn);
  const plain = out.map(fromTf);
  tf.dispose(out);
  return plain;
}

function randomTensors(rng: SeededRandom, shapes: number[][], std = 1): Plain {
  return shapes.map((shape) => plainTensor(rng.normals(shape.reduce((a, b) => a * b, 1), std), shape));
}

function zeros(shapes: number[][]): Plain {
  return shapes.map((shape) => plainTensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape));
}

interface StepCase {
  params: Plain;
  velocities: Plain;
  grads: Plain;
  options: MomentumOptions;
}

function stepCase(rng: SeededRandom, shapes: number[][], options: MomentumOptions): StepCase {
  return { params: randomTensors(rng, shapes), velocities: randomTensors(rng, shapes), grads: randomTensors(rng, shapes), options };
}

type Step = (params: tf.Tensor[], velocities: tf.Tensor[], grads: tf.Tensor[], options: MomentumOptions) => { params: tf.Tensor[]; velocities: tf.Tensor[] };

interface StepResult {
  params: Plain;
  velocities: Plain;
}

/** Where `step` leads from (params, velocities), one call per schedule entry. */
function trajectoryOf(step: Step, params: Plain, velocities: Plain, gradsPerStep: Plain[], schedule: MomentumOptions[]): StepResult {
  const out = tf.tidy(() => {
    let state = { params: live(params), velocities: live(velocities) };
    for (const [i, options] of schedule.entries()) state = step(state.params, state.velocities, live(gradsPerStep[i]), options);
    return state;
  });
  const plain = { params: out.params.map(fromTf), velocities: out.velocities.map(fromTf) };
  tf.dispose(out);
  return plain;
}

const ruleStep = (rule: UpdateRule): Step => (p, v, g, o) => stepWith(rule, p, v, g, o);

function oneStep(step: Step, c: StepCase): StepResult {
  return trajectoryOf(step, c.params, c.velocities, [c.grads], [c.options]);
}

// ---------------------------------------------------------------------------------------------
// Comparisons.

type Key = 'params' | 'velocities';

function tolerance(ctx: TestContext) {
  return { rtol: ctx.tolerance.rtol, atol: ctx.tolerance.atol };
}

/** Every number of an expected structure is finite. */
function allFinite(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(allFinite);
  if (typeof value !== 'object' || value === null) return typeof value !== 'number' || Number.isFinite(value);
  const data = (value as { data?: unknown }).data;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    return Array.from(data as unknown as ArrayLike<number>).every((v) => typeof v !== 'number' || Number.isFinite(v));
  }
  return Object.values(value).every(allFinite);
}

/** The first look-alike whose values `actual` has, as a sentence. */
function nameRule(
  ctx: TestContext,
  actual: unknown,
  candidates: Array<{ hint: Text; expected: Expected }>,
): string | undefined {
  // A look-alike that diverges (NaN, Infinity) names nothing: every diverging rule would "match" a diverging result.
  const found = candidates.find((c) => allFinite(c.expected) && compareStructure(c.expected, actual, tolerance(ctx)).ok);
  return found === undefined ? undefined : say(ctx.lang, found.hint);
}

interface Judgement {
  passed: boolean;
  output: string;
  figures: FigureInput[];
}

/** A catalogue sentence with one parameter as a pattern matching any value of it (captured). */
function sentencePattern(sentence: (value: string) => string): RegExp {
  const MARK = '\u0000';
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(` ?${sentence(MARK).split(MARK).map(escape).join('([^\\n]*?)')}`, 'g');
}

/**
 * The compare module's generic diagnoses speak of batches and sums ("such as 1/N (the batch
 * size)"); nothing here is averaged over a batch. When a look-alike rule explains the mismatch
 * they are dropped; otherwise a uniform factor is restated in this update's terms, with α and β.
 */
function momentumDiagnoses(message: string, lang: Lang, named: boolean, options?: MomentumOptions): string {
  const m = messagesFor(lang);
  const scale = [sentencePattern((factor) => m.diagScale({ factor })), sentencePattern((factor) => m.diagScaleOne({ factor }))];
  const offset = sentencePattern((value) => m.diagOffset({ offset: value }));
  let out = message.replace(offset, named ? '' : '$&');
  for (const pattern of scale) {
    out = out.replace(pattern, (_all, factor: string) => {
      if (named) return '';
      const rates = options === undefined ? '' : ` (α = ${options.lr}, β = ${options.momentum})`;
      return say(lang, {
        en: ` Every entry is ≈ ${factor} × the expected one: a factor of the update is missing or extra${rates}. Check where α multiplies (θ ← θ − α·v only) and that the whole gradient enters v (v ← β·v + g).`,
        ru: ` Каждый элемент ≈ ${factor} × ожидаемое значение: в обновлении лишний или недостающий множитель${rates}. Проверьте, где умножается α (только θ ← θ − α·v), и что в v входит весь градиент (v ← β·v + g).`,
      });
    });
  }
  return out;
}

/** `figures`: pictures the verdict carries whatever it is (a trajectory); a failure adds those of the tensors that differ. */
function judge(
  ctx: TestContext,
  expected: Expected,
  actual: unknown,
  label: string,
  passed: Text,
  candidates: () => Array<{ hint: Text; expected: Expected }>,
  figures: FigureInput[] = [],
  options?: MomentumOptions,
): Judgement {
  const cmp = compareStructure(expected, actual, {
    ...tolerance(ctx),
    lang: ctx.lang,
    label,
    usualCause: { values: say(ctx.lang, USUAL_STEP), nonfinite: say(ctx.lang, DIVERGED) },
  });
  const all = [...figures, ...structureFigures(cmp)];
  if (cmp.ok) return { passed: true, output: say(ctx.lang, passed), figures: all };
  const named = nameRule(ctx, actual, candidates());
  const numbers = momentumDiagnoses(cmp.message, ctx.lang, named !== undefined, options);
  return { passed: false, output: named === undefined ? numbers : `${named}\n${numbers}`, figures: all };
}

function toVerdict({ passed, output, figures }: Judgement): TestVerdict {
  return { passed, output, ...(figures.length > 0 ? { details: { figures } } : {}) };
}

function verdictOf(...args: Parameters<typeof judge>): TestVerdict {
  return toVerdict(judge(...args));
}

/** A mistake the spec of one test adds to the look-alike rules. */
interface ExtraMistake {
  hint: Text;
  result: (c: StepCase) => StepResult;
}

/** One momentumStep call, checking the `keys` of its result. */
async function checkStep(ctx: TestContext, c: StepCase, keys: Key[], passed: Text, extra: ExtraMistake[] = []): Promise<TestVerdict> {
  const expected = oneStep(reference(ctx).momentumStep, c);
  const actual = await ctx.call('momentumStep', c.params, c.velocities, c.grads, c.options);
  const only = (r: StepResult): Expected => Object.fromEntries(keys.map((k) => [k, r[k]]));
  const label = `momentumStep(…, {lr: ${c.options.lr}, momentum: ${c.options.momentum}})`;
  return verdictOf(
    ctx,
    only(expected),
    actual,
    label,
    passed,
    () => [
      ...[...extra, STALE_VELOCITIES].map((e) => ({ hint: e.hint, expected: only(e.result(c)) })),
      ...WRONG_RULES.map((rule) => ({ hint: RULE_HINTS[rule], expected: only(oneStep(ruleStep(rule), c)) })),
    ],
    [],
    c.options,
  );
}

// ---------------------------------------------------------------------------------------------
// minimize.

type Minimize = (loss: (params: tf.Tensor[]) => tf.Scalar, init: tf.Tensor[], options: MinimizeOptions) => tf.Tensor[];

/** The params `minimize` ends at on the problem, as plain tensors. */
function minimizeResult(minimize: Minimize, problem: Problem, init: Plain, options: MinimizeOptions): Plain {
  const built = buildLoss(tf, problem);
  try {
    return plainResult(() => minimize(built.loss, live(init), options));
  } finally {
    built.dispose();
  }
}

/** minimize with another update rule, or the lecture's with `extraSteps` more (or fewer) steps. */
const ruleMinimize =
  (rule: UpdateRule, extraSteps = 0, start: VelocityStart = 'zeros'): Minimize =>
  (loss, init, options) =>
    minimizeWith(rule, loss, init, options, extraSteps, start);

const VELOCITY_FROM_PARAMS: Text = {
  en: 'The velocity did not start at zero: this is where the loop ends when v starts as a copy of the params (init.map(t => t.clone())). Start it with tf.zerosLike for every parameter.',
  ru: 'Скорость начинается не с нуля: сюда приходит цикл, если v начинается с копии параметров (init.map(t => t.clone())). Начинайте её с tf.zerosLike для каждого параметра.',
};

const OFF_BY_ONE: Record<'extra' | 'missing', Text> = {
  extra: {
    en: 'This is one step too many: the loop must run exactly `steps` times (for (let i = 0; i < steps; i++)).',
    ru: 'Сделан лишний шаг: цикл должен выполниться ровно `steps` раз (for (let i = 0; i < steps; i++)).',
  },
  missing: {
    en: 'This is one step too few: the loop must run exactly `steps` times (for (let i = 0; i < steps; i++)).',
    ru: 'Не хватает одного шага: цикл должен выполниться ровно `steps` раз (for (let i = 0; i < steps; i++)).',
  },
};

function minimizeCandidates(problem: Problem, init: Plain, options: MinimizeOptions): Array<{ hint: Text; expected: Expected }> {
  return [
    ...WRONG_RULES.map((rule) => ({ hint: multiStepHint(rule), expected: minimizeResult(ruleMinimize(rule), problem, init, options) })),
    ...(options.steps > 0 ? [{ hint: VELOCITY_FROM_PARAMS, expected: minimizeResult(ruleMinimize('lecture', 0, 'params'), problem, init, options) }] : []),
    { hint: OFF_BY_ONE.extra, expected: minimizeResult(ruleMinimize('lecture', 1), problem, init, options) },
    ...(options.steps > 0 ? [{ hint: OFF_BY_ONE.missing, expected: minimizeResult(ruleMinimize('lecture', -1), problem, init, options) }] : []),
  ];
}

async function checkMinimize(ctx: TestContext, problem: Problem, init: Plain, options: MinimizeOptions, what: string, passed: Text): Promise<TestVerdict> {
  const view = planeOf(problem, init);
  const expected = minimizeTraced(reference(ctx).minimize, problem, init, options, view !== undefined);
  const raw = MinimizeReportSchema.safeParse(await probe(ctx, 'minimizeOn', problem, init, options, view !== undefined));
  if (!raw.success) throw new MalformedReportError('minimizeOn', raw.error.message);
  const actual = raw.data.result;
  const label = `minimize(${what}, {lr: ${options.lr}, momentum: ${options.momentum}, steps: ${options.steps}})`;
  const figures =
    view === undefined ? [] : [trajectoryFigure(view, expected.path, [...studentPath(raw.data.path), ...finalPoint(actual)])];
  return verdictOf(ctx, expected.result, actual, label, passed, () => minimizeCandidates(problem, init, options), figures, options);
}

/** The settings of the options test: another momentum than the other tests' 0.9 (0 among them), another rate. */
export const OPTION_RUNS: MinimizeOptions[] = [
  { lr: 0.01, momentum: 0, steps: 30 },
  // Not (1 − β)·lr = 0.01: dampening at (0.02, 0.5) is the lecture's rule at lr 0.01, and a
  // message could name the wrong one.
  { lr: 0.02, momentum: 0.6, steps: 30 },
];

/** minimize with momenta other than 0.9 (0 and 0.5) and another rate: the options are used as given. */
async function minimizeOptions(ctx: TestContext): Promise<TestVerdict> {
  const { problem, init } = quadratic(ctx.rng);
  const ref = reference(ctx);
  const judgements: Judgement[] = [];
  const atDefault: boolean[] = [];
  let lrIgnored: { lr: number; used: number } | undefined;
  for (const options of OPTION_RUNS) {
    const raw = MinimizeReportSchema.safeParse(await probe(ctx, 'minimizeOn', problem, init, options, false));
    if (!raw.success) throw new MalformedReportError('minimizeOn', raw.error.message);
    const actual = raw.data.result;
    const expected = minimizeResult(ref.minimize, problem, init, options);
    const label = `minimize(quadratic, {lr: ${options.lr}, momentum: ${options.momentum}, steps: ${options.steps}})`;
    const judgement = judge(ctx, expected, actual, label, { en: '', ru: '' }, () => minimizeCandidates(problem, init, options), [], options);
    judgements.push(judgement);
    atDefault.push(!judgement.passed && compareStructure(minimizeResult(ref.minimize, problem, init, { ...options, momentum: 0.9 }), actual, tolerance(ctx)).ok);
    const fixedLr = QUADRATIC_OPTIONS.lr;
    if (!judgement.passed && options.lr !== fixedLr && compareStructure(minimizeResult(ref.minimize, problem, init, { ...options, lr: fixedLr }), actual, tolerance(ctx)).ok) {
      lrIgnored = { lr: options.lr, used: fixedLr };
    }
  }
  const failed = judgements.filter((j) => !j.passed);
  if (failed.length === 0) {
    return {
      passed: true,
      output: say(ctx.lang, {
        en: `minimize follows the reference with momentum ${OPTION_RUNS.map((o) => o.momentum).join(' and ')} (lr ${OPTION_RUNS.map((o) => o.lr).join(' and ')}): it uses the options it is given.`,
        ru: `minimize идёт по эталонной траектории при momentum ${OPTION_RUNS.map((o) => o.momentum).join(' и ')} (lr ${OPTION_RUNS.map((o) => o.lr).join(' и ')}): параметры берутся из options.`,
      }),
    };
  }
  let lead: Text | undefined;
  if (atDefault.every(Boolean)) {
    lead = {
      en: `minimize ran with momentum 0.9 whatever options.momentum said (${OPTION_RUNS.map((o) => o.momentum).join(' and ')} here): take β from options.momentum, in minimize and in every step it takes.`,
      ru: `minimize работала с momentum 0.9, что бы ни было в options.momentum (здесь ${OPTION_RUNS.map((o) => o.momentum).join(' и ')}): берите β из options.momentum — и в minimize, и в каждом её шаге.`,
    };
  } else if (atDefault[0] && !atDefault[1] && judgements[1].passed) {
    lead = {
      en: `momentum 0 was treated as missing and replaced by 0.9 (\`options.momentum || 0.9\`: 0 is falsy; use ?? or no default at all); momentum ${OPTION_RUNS[1].momentum} was used as given.`,
      ru: `momentum 0 принят за отсутствующий и заменён на 0.9 (\`options.momentum || 0.9\`: 0 ложно; используйте ?? или обойдитесь без умолчания); momentum ${OPTION_RUNS[1].momentum} использован как задан.`,
    };
  }
  if (lead === undefined && lrIgnored !== undefined) {
    lead = {
      en: `With lr ${lrIgnored.lr}, minimize ended where lr ${lrIgnored.used} leads (the rate of the other quadratic test): options.lr was not used. Take α from options.lr.`,
      ru: `При lr ${lrIgnored.lr} minimize пришла туда, куда ведёт lr ${lrIgnored.used} (скорость другого теста на квадратичной функции): options.lr не использован. Берите α из options.lr.`,
    };
  }
  const body = failed.map((j) => j.output).join('\n\n');
  return toVerdict({
    passed: false,
    output: lead === undefined ? body : `${say(ctx.lang, lead)}\n${body}`,
    figures: failed.flatMap((j) => j.figures).slice(0, MAX_MISMATCH_FIGURES),
  });
}

// ---------------------------------------------------------------------------------------------
// The trajectory figure: the paths of minimize over the contour lines of a 2-D loss.

/** A 2-D problem: its loss at a point, and its minimum when known. */
interface Plane {
  loss: (x: number, y: number) => number;
  optimum?: PathPoint;
}

/**
 * The problem as a plane: the params are two scalars, or a 2-vector first (the quadratic's w,
 * drawn with its scalar c at its optimum c0, where the loss separates), and the loss is known here.
 */
export function planeOf(problem: Problem, init: Plain): Plane | undefined {
  const shapes = init.map((t) => t.shape.join(','));
  const twoScalars = shapes.length === 2 && shapes.every((s) => s === '');
  const vectorFirst = shapes[0] === '2';
  if (problem.kind === 'rosenbrock' && (twoScalars || (vectorFirst && shapes.length === 1))) {
    const { a, b } = problem;
    return { loss: (x, y) => (a - x) ** 2 + b * (y - x * x) ** 2, optimum: [a, a * a] };
  }
  if (problem.kind === 'quadratic' && vectorFirst && shapes.length === 2 && shapes[1] === '') {
    const [[a00, a01], [a10, a11]] = problem.A;
    const [b0, b1] = problem.b;
    const det = a00 * a11 - a01 * a10;
    const optimum: PathPoint | undefined = Math.abs(det) > 1e-12 ? [(b0 * a11 - a01 * b1) / det, (a00 * b1 - b0 * a10) / det] : undefined;
    return {
      loss: (x, y) => 0.5 * ((a00 * x + a01 * y - b0) ** 2 + (a10 * x + a11 * y - b1) ** 2),
      ...(optimum !== undefined ? { optimum } : {}),
    };
  }
  return undefined;
}

/** What minimizeOn sends back (untrusted: parsed, never cast); the path is checked on its own. */
const MinimizeReportSchema = z.object({ result: z.unknown(), path: z.unknown() });
const PathSchema = z.array(z.tuple([z.number().or(z.nan()), z.number().or(z.nan())])).max(MAX_PATH_POINTS);

type MaybePoint = [number | null, number | null];

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The student's path; an unreadable one is drawn as no path at all. */
function studentPath(raw: unknown): MaybePoint[] {
  const parsed = PathSchema.safeParse(raw);
  return parsed.success ? parsed.data.map(([x, y]) => [finiteOrNull(x), finiteOrNull(y)]) : [];
}

/** Where minimize ended, read as the probe reads params (a 2-vector first, or two numbers in all). */
function finalPoint(result: unknown): MaybePoint[] {
  if (!Array.isArray(result)) return [];
  const first = result.length > 0 ? parsePlainTensor(result[0]) : undefined;
  if (first !== undefined && !('error' in first) && first.dtype !== 'string' && first.shape.length === 1 && first.data.length === 2) {
    const [x, y] = Array.from(first.data as ArrayLike<number>, Number);
    return [[finiteOrNull(x), finiteOrNull(y)]];
  }
  const values: number[] = [];
  for (const item of result) {
    const parsed = parsePlainTensor(item);
    if ('error' in parsed || parsed.dtype === 'string' || parsed.data.length + values.length > 2) return [];
    values.push(...Array.from(parsed.data as ArrayLike<number>, Number));
  }
  return values.length === 2 ? [[finiteOrNull(values[0]), finiteOrNull(values[1])]] : [];
}

/** The reference's run, with (when `record`) the params at each loss evaluation, as in the probe, and its end point. */
function minimizeTraced(minimize: Minimize, problem: Problem, init: Plain, options: MinimizeOptions, record: boolean): { result: Plain; path: MaybePoint[] } {
  const built = buildLoss(tf, problem);
  const recorded = recordingLoss(tf, built.loss, record ? MAX_PATH_POINTS : 0);
  try {
    const result = plainResult(() => minimize(recorded.loss, live(init), options));
    return { result, path: [...recorded.points.map(([x, y]): MaybePoint => [finiteOrNull(x), finiteOrNull(y)]), ...finalPoint(result)] };
  } finally {
    built.dispose();
  }
}

const GRID = 40;

/** 6 significant digits for points, 4 for the contour: a picture, kept small in the result JSON. */
const digits = (v: number | null, n: number): number | null => (v === null ? null : Number(v.toPrecision(n)));

/**
 * The box around the reference's path and the optimum, widened by the student's path up to
 * one more span each way (a diverging path must not shrink the valley to a dot; the renderer
 * clips what lies outside), with a margin.
 */
function contourBox(reference: MaybePoint[], student: MaybePoint[], optimum: PathPoint | undefined): { x: [number, number]; y: [number, number] } {
  const finite = (ps: MaybePoint[]) => ps.filter((p): p is PathPoint => p[0] !== null && p[1] !== null);
  const core = [...finite(reference), ...(optimum !== undefined ? [optimum] : [])];
  const base = core.length > 0 ? core : finite(student);
  if (base.length === 0) return { x: [-1, 1], y: [-1, 1] };
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of base) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  const sx = Math.max(x1 - x0, 1e-3);
  const sy = Math.max(y1 - y0, 1e-3);
  const [lx0, lx1, ly0, ly1] = [x0 - sx, x1 + sx, y0 - sy, y1 + sy];
  for (const [x, y] of finite(student)) {
    x0 = Math.min(x0, Math.max(x, lx0));
    x1 = Math.max(x1, Math.min(x, lx1));
    y0 = Math.min(y0, Math.max(y, ly0));
    y1 = Math.max(y1, Math.min(y, ly1));
  }
  const mx = 0.1 * Math.max(x1 - x0, 1e-3);
  const my = 0.1 * Math.max(y1 - y0, 1e-3);
  return { x: [x0 - mx, x1 + mx], y: [y0 - my, y1 + my] };
}

function trajectoryFigure(plane: Plane, reference: MaybePoint[], student: MaybePoint[]): FigureInput {
  const box = contourBox(reference, student, plane.optimum);
  const values: number[] = [];
  for (let r = 0; r < GRID; r++) {
    const y = box.y[0] + ((box.y[1] - box.y[0]) * r) / (GRID - 1);
    for (let c = 0; c < GRID; c++) {
      const v = plane.loss(box.x[0] + ((box.x[1] - box.x[0]) * c) / (GRID - 1), y);
      values.push(Number.isFinite(v) ? Number(v.toPrecision(4)) : Number.MAX_VALUE);
    }
  }
  const points = (ps: MaybePoint[]) => ps.map(([x, y]): MaybePoint => [digits(x, 6), digits(y, 6)]);
  return {
    kind: 'trajectory',
    contour: { x: box.x, y: box.y, rows: GRID, cols: GRID, values },
    paths: [
      { role: 'student', points: points(student) },
      { role: 'reference', points: points(reference) },
    ],
    ...(plane.optimum !== undefined ? { optimum: plane.optimum } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// What the probes report (untrusted: parsed, never cast).

const InputChangesSchema = z.object({
  changes: z.array(
    z.object({
      call: z.enum(['momentumStep', 'minimize']),
      input: z.string().max(20),
      index: z.number().int().optional(),
      how: z.enum(['resized', 'replaced', 'disposed', 'changed']),
    }),
  ),
  results: z.object({ momentumStep: z.unknown(), minimize: z.unknown().optional(), minimizeZero: z.unknown().optional() }),
  zeroSteps: z.enum(['new', 'array', 'tensor']),
});

const LeakReportSchema = z.object({ leaked: z.number().int(), initDisposed: z.number().int(), returned: z.number().int(), result: z.unknown() });

const HOW: Record<z.infer<typeof InputChangesSchema>['changes'][number]['how'], Text> = {
  resized: { en: 'the array changed its length', ru: 'у массива изменилась длина' },
  replaced: { en: 'the entry was replaced by another tensor', ru: 'элемент заменён другим тензором' },
  disposed: { en: 'the tensor was disposed', ru: 'тензор освобождён (dispose)' },
  changed: { en: 'the values changed', ru: 'значения изменились' },
};

function describeChange(lang: Lang, c: z.infer<typeof InputChangesSchema>['changes'][number]): string {
  const where = `${c.call}: ${c.input}${c.index !== undefined ? `[${c.index}]` : ''}`;
  return `${where} — ${say(lang, HOW[c.how])}`;
}

const STEPS_LEAK = 1000;

/**
 * The rates of the one-step tests. lr must not equal 1 − momentum: then dampening
 * (v ← βv + (1 − β)g) and α folded into v (v ← βv + αg) give the same velocity, and a message
 * could name the wrong one.
 */
export const STEP_OPTIONS: MomentumOptions = { lr: 0.05, momentum: 0.9 };

export const spec = defineAssignment({
  id: 'momentum-sgd',
  title: 'Gradient descent with momentum',
  entry: 'solution.ts',
  contract: 'contract.ts',
  probes: 'probes.ts',
  limits: { totalMs: 60_000, testMs: 10_000, heapMb: 512 },
  // Values are of order 1. One step differs from the reference by float32 rounding only, and
  // the trajectories here are stable: after 300 Rosenbrock steps the float32 reference is
  // within 1e-7 of torch in float64 (tests/oracle). One step more or less moves the end point
  // by 1e-3 or more, every look-alike rule by far more.
  tolerance: { rtol: 1e-4, atol: 1e-5 },
  requirements: [
    {
      id: 'velocity-update',
      text: {
        en: 'momentumStep computes and returns the new velocities v ← β·v + g: the whole gradient enters v (no dampening 1 − β, no α inside v).',
        ru: 'momentumStep вычисляет и возвращает новые скорости v ← β·v + g: в v входит весь градиент (без затухания 1 − β, без α внутри v).',
      },
    },
    {
      id: 'param-update',
      text: {
        en: 'momentumStep returns the new params θ ← θ − α·v, moved against the new velocity (not Nesterov, not the old v).',
        ru: 'momentumStep возвращает новые параметры θ ← θ − α·v, сдвинутые против новой скорости (не Нестеров, не старая v).',
      },
    },
    {
      id: 'momentum-zero',
      text: {
        en: 'momentum may be 0: then a step is plain SGD (θ − α·g, v = g), in momentumStep and in minimize.',
        ru: 'momentum может быть 0: тогда шаг — обычный SGD (θ − α·g, v = g), и в momentumStep, и в minimize.',
      },
    },
    {
      id: 'minimize-options',
      text: {
        en: 'minimize uses options.lr and options.momentum as given, at every step.',
        ru: 'minimize использует options.lr и options.momentum такими, как они заданы, на каждом шаге.',
      },
    },
    {
      id: 'minimize-zero-velocity',
      text: {
        en: 'minimize starts from init with zero velocity and takes its gradients of loss by autograd (or through tf.train.momentum).',
        ru: 'minimize начинает с init и нулевой скорости и берёт градиенты loss автоматическим дифференцированием (или через tf.train.momentum).',
      },
    },
    {
      id: 'minimize-steps',
      text: {
        en: 'minimize takes exactly `steps` steps (0 returns the initial values) and returns the final params, one tensor per entry of init.',
        ru: 'minimize делает ровно `steps` шагов (при 0 возвращает начальные значения) и возвращает итоговые параметры, по тензору на каждый элемент init.',
      },
    },
    {
      id: 'inputs-unchanged',
      text: {
        en: 'momentumStep and minimize leave their inputs alone: no writes into the given arrays, no dispose of given tensors, no change to options; minimize returns a new array of new tensors, even with steps 0 (never init or its tensors).',
        ru: 'momentumStep и minimize не трогают входы: не пишут в переданные массивы, не освобождают переданные тензоры, не меняют options; minimize возвращает новый массив новых тензоров, даже при steps 0 (никогда не init и не его тензоры).',
      },
    },
    {
      id: 'no-leaks',
      text: {
        en: 'After minimize returns, only the returned params remain of the tensors it created.',
        ru: 'После возврата из minimize из созданных ею тензоров остаются только возвращённые параметры.',
      },
    },
  ],
  tests: [
    {
      name: "one step matches the lecture's update",
      points: 1,
      requirements: ['velocity-update', 'param-update'],
      visibility: 'visible',
      run: (ctx) =>
        checkStep(ctx, stepCase(ctx.rng, [[3], [2, 2]], STEP_OPTIONS), ['params'], {
          en: 'The new params are θ − α·(β·v + g).',
          ru: 'Новые параметры равны θ − α·(β·v + g).',
        }),
    },
    {
      name: 'one step returns the new velocities',
      points: 1,
      requirements: ['velocity-update'],
      visibility: 'visible',
      run: (ctx) =>
        checkStep(ctx, stepCase(ctx.rng, [[3], [2, 2]], STEP_OPTIONS), ['velocities'], {
          en: 'The new velocities are β·v + g.',
          ru: 'Новые скорости равны β·v + g.',
        }),
    },
    {
      name: 'momentum 0 is plain SGD',
      points: 1,
      requirements: ['momentum-zero', 'velocity-update', 'param-update'],
      visibility: 'visible',
      run: (ctx) =>
        checkStep(
          ctx,
          stepCase(ctx.rng, [[4], [3, 2]], { lr: 0.05, momentum: 0 }),
          ['params', 'velocities'],
          { en: 'With β = 0 the step is θ − α·g and v = g.', ru: 'При β = 0 шаг равен θ − α·g, а v = g.' },
          [
            {
              hint: {
                en: 'momentum 0 was treated as missing and replaced by a default (`options.momentum || 0.9`: 0 is falsy; use ?? or no default at all).',
                ru: 'momentum 0 принят за отсутствующий и заменён значением по умолчанию (`options.momentum || 0.9`: 0 ложно; используйте ?? или обойдитесь без умолчания).',
              },
              result: (c) => oneStep(ruleStep('lecture'), { ...c, options: { ...c.options, momentum: 0.9 } }),
            },
          ],
        ),
    },
    {
      name: 'several steps with a changing learning rate',
      points: 1,
      requirements: ['velocity-update', 'param-update'],
      visibility: 'visible',
      run: async (ctx) => {
        // From zero velocity, as in training: with a constant rate, folding α into v would pass.
        const shapes = [[3], [2, 2]];
        const params = randomTensors(ctx.rng, shapes);
        const velocities = zeros(shapes);
        const schedule = [0.1, 0.05, 0.2, 0.02, 0.1].map((lr) => ({ lr, momentum: 0.9 }));
        const gradsPerStep = schedule.map(() => randomTensors(ctx.rng, shapes));
        const expected = { params: trajectoryOf(reference(ctx).momentumStep, params, velocities, gradsPerStep, schedule).params };
        const actual = await probe(ctx, 'trajectory', params, velocities, gradsPerStep, schedule);
        return verdictOf(
          ctx,
          expected,
          actual,
          'momentumStep × 5 (lr 0.1, 0.05, 0.2, 0.02, 0.1)',
          { en: 'Five steps with a changing learning rate end where they should.', ru: 'Пять шагов с меняющейся скоростью обучения приходят туда, куда нужно.' },
          () =>
            WRONG_RULES.map((rule) => ({
              hint: multiStepHint(rule),
              expected: { params: trajectoryOf(ruleStep(rule), params, velocities, gradsPerStep, schedule).params },
            })),
        );
      },
    },
    {
      name: 'inputs are left unchanged',
      points: 1,
      requirements: ['inputs-unchanged'],
      visibility: 'visible',
      // Every call, whichever test made it (a submission can tell its tests apart).
      audit: (log, lang) => inputsAudit(log, ['momentumStep', 'minimize'], lang),
      run: async (ctx) => {
        const c = stepCase(ctx.rng, [[3], [2, 2]], { lr: 0.1, momentum: 0.9 });
        const { problem, init } = quadratic(ctx.rng);
        const minimizeOptions = { lr: 0.01, momentum: 0.9, steps: 3 };
        const report = InputChangesSchema.safeParse(await probe(ctx, 'inputsUnchanged', c.params, c.velocities, c.grads, c.options, problem, init, minimizeOptions));
        if (!report.success) throw new MalformedReportError('inputsUnchanged', report.error.message);
        const { changes, results, zeroSteps } = report.data;
        if (changes.length === 0) {
          const OWN: Text = {
            en: "the caller's own init array",
            ru: 'собственный массив init вызывающего',
          };
          const OWN_TENSORS: Text = {
            en: "an array holding the caller's own init tensors",
            ru: 'массив с собственными тензорами init вызывающего',
          };
          const why = uncredited(ctx.lang, { en: 'Leaving the inputs unchanged', ru: 'То, что входы не изменены' }, [
            {
              call: `momentumStep(…, {lr: ${c.options.lr}, momentum: ${c.options.momentum}})`,
              actual: results.momentumStep,
              inputs: [...c.params, ...c.velocities, ...c.grads],
              what: { en: 'the new {params, velocities}', ru: 'новых {params, velocities}' },
            },
            {
              call: 'minimize(quadratic, {steps: 3})',
              actual: results.minimize,
              inputs: init,
              what: { en: 'the params after 3 steps', ru: 'параметров после 3 шагов' },
            },
            {
              call: 'minimize(quadratic, {steps: 0})',
              // Its values are init's: only nothing at all, or the caller's own array or tensors, is wrong here.
              actual: results.minimizeZero,
              inputs: [],
              what: { en: 'new tensors with the values of init', ru: 'новых тензоров со значениями init' },
              ...(zeroSteps === 'new' ? {} : { instead: zeroSteps === 'array' ? OWN : OWN_TENSORS }),
            },
          ]);
          if (why !== undefined) {
            const own =
              zeroSteps === 'new'
                ? ''
                : `\n${say(ctx.lang, {
                    en: 'The caller still owns init and may dispose it after the call: with steps 0, return new tensors (init.map((t) => t.clone())), not init or its tensors.',
                    ru: 'init по-прежнему принадлежит вызывающему, и он может освободить его после вызова: при steps 0 возвращайте новые тензоры (init.map((t) => t.clone())), а не init или его тензоры.',
                  })}`;
            return { passed: false, output: `${why}${own}` };
          }
          return { passed: true, output: say(ctx.lang, { en: 'momentumStep and minimize leave the arrays, tensors and options they are given unchanged.', ru: 'momentumStep и minimize не меняют переданные им массивы, тензоры и параметры.' }) };
        }
        const lead = say(ctx.lang, {
          en: 'The caller still owns what it passes in: return new arrays of new tensors and leave the inputs as they were (no params[i] = …, no dispose of an input, no changes to options). Changed:',
          ru: 'Переданное по-прежнему принадлежит вызывающему: возвращайте новые массивы новых тензоров и оставляйте входы как были (без params[i] = …, без dispose входов, без изменения options). Изменено:',
        });
        return { passed: false, output: [lead, ...changes.slice(0, 8).map((ch) => `  ${describeChange(ctx.lang, ch)}`)].join('\n') };
      },
    },
    {
      name: 'minimize on an ill-conditioned quadratic',
      points: 1,
      requirements: ['velocity-update', 'param-update', 'minimize-options', 'minimize-zero-velocity', 'minimize-steps'],
      visibility: 'visible',
      run: (ctx) => {
        const { problem, init } = quadratic(ctx.rng);
        return checkMinimize(ctx, problem, init, QUADRATIC_OPTIONS, '½‖A·w − b‖² + 2·(c − c0)², cond(AᵀA) = 100', {
          en: 'minimize follows the reference trajectory on the ill-conditioned quadratic (100 steps).',
          ru: 'minimize идёт по эталонной траектории на плохо обусловленной квадратичной функции (100 шагов).',
        });
      },
    },
    {
      name: 'minimize uses the momentum and learning rate it is given',
      points: 1,
      requirements: ['minimize-options', 'momentum-zero', 'velocity-update', 'param-update', 'minimize-zero-velocity', 'minimize-steps'],
      visibility: 'visible',
      run: (ctx) => minimizeOptions(ctx),
    },
    {
      name: 'no tensor leaked over 1,000 steps',
      points: 1,
      requirements: ['no-leaks'],
      visibility: 'visible',
      timeoutMs: 30_000,
      // Every call, whichever test made it (a submission can tell its tests apart).
      audit: (log, lang) => leakAudit(log, 'minimize', lang),
      run: async (ctx) => {
        const { problem, init } = quadratic(ctx.rng);
        const report = LeakReportSchema.safeParse(await probe(ctx, 'leakCheck', problem, init, { lr: 0.01, momentum: 0.9, steps: STEPS_LEAK }));
        if (!report.success) throw new MalformedReportError('leakCheck', report.error.message);
        const { leaked } = report.data;
        if (leaked <= 0) {
          const options = { lr: 0.01, momentum: 0.9, steps: STEPS_LEAK };
          const why = uncredited(ctx.lang, { en: 'Leaving no tensor behind', ru: 'То, что не осталось лишних тензоров' }, [
            {
              call: `minimize(quadratic, {steps: ${STEPS_LEAK}})`,
              actual: report.data.result,
              inputs: init,
              what: { en: `the params after ${STEPS_LEAK} steps`, ru: `параметров после ${STEPS_LEAK} шагов` },
            },
          ]);
          if (why !== undefined) return { passed: false, output: why };
          return { passed: true, output: say(ctx.lang, { en: `No tensor is left behind after ${STEPS_LEAK} steps.`, ru: `После ${STEPS_LEAK} шагов не осталось лишних тензоров.` }) };
        }
        const perStep = leaked >= STEPS_LEAK ? (leaked / STEPS_LEAK).toFixed(1) : undefined;
        return {
          passed: false,
          output: say(ctx.lang, {
            en: `${count('en', leaked, NOUNS.tensor)} ${leaked === 1 ? 'was' : 'were'} still alive after minimize returned (${STEPS_LEAK} steps${perStep !== undefined ? `, about ${perStep} per step` : ''}), besides the returned params. Wrap each step in tf.tidy, dispose the previous params and velocities once the new ones exist, and dispose any tf.variable you created.`,
            ru: `После возврата из minimize ${leaked % 10 === 1 && leaked % 100 !== 11 ? 'остался' : 'осталось'} ${count('ru', leaked, NOUNS.tensor)} (${STEPS_LEAK} шагов${perStep !== undefined ? `, примерно ${perStep} на шаг` : ''}), не считая возвращённых параметров. Оборачивайте шаг в tf.tidy, освобождайте прежние параметры и скорости, когда новые уже посчитаны, и освобождайте созданные tf.variable.`,
          }),
        };
      },
    },
    {
      name: 'one step on more shapes and rates',
      points: 0.5,
      requirements: ['velocity-update', 'param-update'],
      visibility: 'hidden',
      run: (ctx) =>
        checkStep(ctx, stepCase(ctx.rng, [[], [2, 3, 4], [1]], { lr: 0.3, momentum: 0.5 }), ['params', 'velocities'], {
          en: 'momentumStep matches on a scalar, a [2, 3, 4] and a [1] tensor with lr 0.3, momentum 0.5.',
          ru: 'momentumStep совпадает на скаляре, тензорах [2, 3, 4] и [1] при lr 0.3, momentum 0.5.',
        }),
    },
    {
      name: 'minimize on the Rosenbrock function',
      points: 0.5,
      requirements: ['velocity-update', 'param-update', 'minimize-options', 'minimize-zero-velocity', 'minimize-steps'],
      visibility: 'hidden',
      run: (ctx) => {
        // The start is drawn with the test's generator: per commit once hidden inputs are keyed.
        const { problem, init } = rosenbrock(ctx.rng);
        const start = init.map((t) => formatNumber(Number(t.data[0])).replace('-', '−')).join(', ');
        return checkMinimize(ctx, problem, init, ROSENBROCK_OPTIONS, `(1 − x)² + 100·(y − x²)² from (${start})`, {
          en: 'minimize follows the reference trajectory on Rosenbrock (300 steps).',
          ru: 'minimize идёт по эталонной траектории на функции Розенброка (300 шагов).',
        });
      },
    },
    {
      name: 'minimize takes exactly `steps` steps from zero velocity',
      points: 1,
      requirements: ['velocity-update', 'param-update', 'minimize-options', 'minimize-zero-velocity', 'minimize-steps'],
      visibility: 'hidden',
      run: async (ctx) => {
        const { problem, init } = quadratic(ctx.rng);
        const base = { lr: 0.01, momentum: 0.9 };
        const counts = [0, 1, 3];
        const ref = reference(ctx);
        const actual = await probe(ctx, 'minimizeEachSteps', problem, init, base, counts);
        // The probe returns one result per count; it is plain data from the runner.
        const results: unknown[] = Array.isArray(actual) ? actual : [];
        const failures: Judgement[] = [];
        for (const [i, steps] of counts.entries()) {
          const options = { ...base, steps };
          const expected = minimizeResult(ref.minimize, problem, init, options);
          const judgement = judge(ctx, expected, results[i], `minimize(quadratic, {steps: ${steps}})`, { en: '', ru: '' }, () =>
            minimizeCandidates(problem, init, options),
          );
          if (!judgement.passed) failures.push(judgement);
        }
        if (failures.length > 0) {
          return toVerdict({
            passed: false,
            output: failures.map((f) => f.output).join('\n\n'),
            figures: failures.flatMap((f) => f.figures).slice(0, MAX_MISMATCH_FIGURES),
          });
        }
        return {
          passed: true,
          output: say(ctx.lang, {
            en: 'minimize takes exactly `steps` steps (0, 1 and 3), starting from zero velocity.',
            ru: 'minimize делает ровно `steps` шагов (0, 1 и 3), начиная с нулевой скорости.',
          }),
        };
      },
    },
  ],
});
