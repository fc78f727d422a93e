/**
 * Probes for momentum-sgd (run inside the runner, next to the student's code): the loss closures
 * minimize needs, loops of momentumStep, and the checks that only the runner can make (inputs
 * left unchanged, tensors leaked).
 *
 * The loss builders live here too and the spec imports them, so that both sides minimise
 * exactly the same function. This file must stay self-contained: the sandbox lets the runner
 * read this one compiled file and dist/grader, nothing else next to it.
 */
import type * as tfType from '@tensorflow/tfjs';
import { snapshot } from '../../grader/spec/credit';
import { defineProbes, studentFunction, tensorMeter, type ProbeContext } from '../../grader/spec/probe';

type Tf = typeof tfType;

/** ½‖A·w − b‖² + ½·k·(c − c0)² over params [w ([n]), c (a scalar)]. */
export interface QuadraticProblem {
  kind: 'quadratic';
  A: number[][];
  b: number[];
  k: number;
  c0: number;
}

/** Rosenbrock's (a − x)² + b·(y − x²)² over params [x, y] (two scalars). */
export interface RosenbrockProblem {
  kind: 'rosenbrock';
  a: number;
  b: number;
}

export type Problem = QuadraticProblem | RosenbrockProblem;

export interface BuiltLoss {
  loss: (params: tfType.Tensor[]) => tfType.Scalar;
  /** Frees the constant tensors the loss holds. */
  dispose(): void;
}

export function buildLoss(tf: Tf, problem: Problem): BuiltLoss {
  if (problem.kind === 'quadratic') {
    const A = tf.tensor2d(problem.A);
    const b = tf.tensor1d(problem.b);
    const { k, c0 } = problem;
    return {
      // tidy: a caller who evaluates the loss outside any tidy must not leak its intermediates.
      loss: (params) =>
        tf.tidy(() => {
          const [w, c] = params;
          const residual = tf.matMul(A, w.reshape([-1, 1])).reshape([-1]).sub(b);
          return residual.square().sum().mul(0.5).add(c.sub(c0).square().mul(0.5 * k)) as tfType.Scalar;
        }),
      dispose: () => tf.dispose([A, b]),
    };
  }
  const { a, b } = problem;
  return {
    loss: (params) =>
      tf.tidy(() => {
        const [x, y] = params;
        // sum(): a scalar loss even if a caller reshaped the params to [1].
        return tf.scalar(a).sub(x).square().add(y.sub(x.square()).square().mul(b)).sum() as tfType.Scalar;
      }),
    dispose: () => undefined,
  };
}

type Tensor = tfType.Tensor;

/** A point of an optimiser's path over a 2-D loss: the two numbers the params hold. */
export type PathPoint = [number, number];

/** Points of one path that are recorded at most (one per loss evaluation). */
export const MAX_PATH_POINTS = 1000;

/** The params as a point when they hold exactly two numbers in all (two scalars, one 2-vector). */
function pointOf(tf: Tf, params: unknown): PathPoint | undefined {
  if (!Array.isArray(params)) return undefined;
  // A 2-vector first (the quadratic's w; its scalar c is left out of the picture).
  const first: unknown = params[0];
  if (first instanceof tf.Tensor && !first.isDisposed && first.size === 2 && first.rank === 1) {
    const [x, y] = Array.from(first.dataSync() as ArrayLike<number>, Number);
    return [x, y];
  }
  const values: number[] = [];
  for (const t of params) {
    if (!(t instanceof tf.Tensor) || t.isDisposed || t.size + values.length > 2) return undefined;
    values.push(...Array.from(t.dataSync() as ArrayLike<number>, Number));
  }
  return values.length === 2 ? [values[0], values[1]] : undefined;
}

/**
 * The loss, recording the params it is evaluated at (minimize evaluates it once per step, at
 * the params before the step). The recording never changes what the loss computes or throws.
 */
export function recordingLoss(tf: Tf, loss: BuiltLoss['loss'], maxPoints = MAX_PATH_POINTS): { loss: BuiltLoss['loss']; points: PathPoint[] } {
  const points: PathPoint[] = [];
  return {
    points,
    loss: (params) => {
      if (points.length < maxPoints) {
        try {
          const point = pointOf(tf, params);
          if (point !== undefined) points.push(point);
        } catch {
          // Unreadable params: the loss itself will say so.
        }
      }
      return loss(params);
    },
  };
}

/** One thing a call did to what it was given. */
export interface InputChange {
  call: 'momentumStep' | 'minimize';
  /** 'params', 'velocities', 'grads', 'init' or 'options'. */
  input: string;
  index?: number;
  how: 'resized' | 'replaced' | 'disposed' | 'changed';
}

function tensorList(ctx: ProbeContext, value: unknown): Tensor[] {
  return Array.isArray(value) ? value.filter((t): t is Tensor => t instanceof ctx.tf.Tensor) : [];
}

/**
 * Remembers an array of tensors; later says how it was changed. Values are read with the
 * runner's trusted reader (the backend's memory), not the tensors' own dataSync/isDisposed,
 * which a submission could patch to hide a change.
 */
function watchTensors(read: (t: unknown) => number[] | null, call: InputChange['call'], input: string, list: Tensor[]): () => InputChange[] {
  const items = [...list];
  const values = items.map((t) => read(t) ?? []);
  return () => {
    const changes: InputChange[] = [];
    if (list.length !== items.length) changes.push({ call, input, how: 'resized' });
    items.forEach((t, index) => {
      if (list[index] !== t && index < list.length) changes.push({ call, input, index, how: 'replaced' });
      const now = read(t);
      if (now === null) changes.push({ call, input, index, how: 'disposed' });
      else if (now.length !== values[index].length || now.some((v, j) => !Object.is(v, values[index][j]))) {
        changes.push({ call, input, index, how: 'changed' });
      }
    });
    return changes;
  };
}

/**
 * The options object's own properties, compared one by one (keys, data values, accessors):
 * never through JSON.stringify, which a submission steers with a toJSON or getters of its own.
 */
function watchOptions(call: InputChange['call'], options: Record<string, unknown>): () => InputChange[] {
  const describe = (o: object) => {
    const out = new Map<string | symbol, unknown>();
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      out.set(key, d === undefined ? undefined : 'value' in d ? d.value : d.get);
    }
    return out;
  };
  const before = describe(options);
  return () => {
    const after = describe(options);
    const same = after.size === before.size && [...before].every(([key, value]) => after.has(key) && Object.is(after.get(key), value));
    return same ? [] : [{ call, input: 'options', how: 'changed' }];
  };
}

export const probes = defineProbes({
  /** momentumStep applied once per entry of `schedule`, each step fed the previous result. */
  trajectory: (ctx, params, velocities, gradsPerStep, schedule) => {
    const step = studentFunction(ctx, 'momentumStep');
    let state: { params: unknown; velocities: unknown } = { params, velocities };
    (schedule as Array<{ lr: number; momentum: number }>).forEach((options, i) => {
      state = step(state.params, state.velocities, (gradsPerStep as unknown[])[i], options) as typeof state;
    });
    return state;
  },

  /**
   * Calls momentumStep and minimize and reports every change made to what they were given,
   * with plain copies of what they returned (`results`: the property is credited only when
   * they are right). Then minimize with steps 0 on copies of init: `zeroSteps` says whether it
   * returned the caller's own array or tensors ('array', 'tensor') instead of new ones.
   */
  inputsUnchanged: (ctx, params, velocities, grads, options, problem, init, minimizeOptions) => {
    const isTensor = (v: unknown) => v instanceof ctx.tf.Tensor;
    const changes: InputChange[] = [];
    const stepChecks = [
      watchTensors(ctx.trusted.values, 'momentumStep', 'params', params as Tensor[]),
      watchTensors(ctx.trusted.values, 'momentumStep', 'velocities', velocities as Tensor[]),
      watchTensors(ctx.trusted.values, 'momentumStep', 'grads', grads as Tensor[]),
      watchOptions('momentumStep', options as Record<string, unknown>),
    ];
    const step = studentFunction(ctx, 'momentumStep')(params, velocities, grads, options);
    const results: { momentumStep: unknown; minimize?: unknown; minimizeZero?: unknown } = { momentumStep: snapshot(step, isTensor) };
    for (const check of stepChecks) changes.push(...check());

    let zeroSteps: 'new' | 'array' | 'tensor' = 'new';
    const built = buildLoss(ctx.tf, problem as Problem);
    try {
      const minimizeChecks = [
        watchTensors(ctx.trusted.values, 'minimize', 'init', init as Tensor[]),
        watchOptions('minimize', minimizeOptions as Record<string, unknown>),
      ];
      results.minimize = snapshot(studentFunction(ctx, 'minimize')(built.loss, init, minimizeOptions), isTensor);
      for (const check of minimizeChecks) changes.push(...check());

      const init0 = (init as Tensor[]).map((t) => (t.isDisposed ? t : t.clone()));
      const zeroOptions = { ...(minimizeOptions as object), steps: 0 };
      const zeroChecks = [watchTensors(ctx.trusted.values, 'minimize', 'init', init0), watchOptions('minimize', zeroOptions)];
      const zero = studentFunction(ctx, 'minimize')(built.loss, init0, zeroOptions);
      results.minimizeZero = snapshot(zero, isTensor);
      if (zero === init0) zeroSteps = 'array';
      else if (Array.isArray(zero) && zero.some((t) => init0.includes(t as Tensor))) zeroSteps = 'tensor';
      for (const check of zeroChecks) changes.push(...check());
    } finally {
      built.dispose();
    }
    return { changes, results, zeroSteps };
  },

  /**
   * minimize on a problem built from plain data: `{result, path}`, the path being the params
   * at each loss evaluation while `recordPath` is on (2-D problems), at most MAX_PATH_POINTS.
   */
  minimizeOn: (ctx, problem, init, options, recordPath) => {
    const built = buildLoss(ctx.tf, problem as Problem);
    const recorded = recordingLoss(ctx.tf, built.loss, recordPath === true ? MAX_PATH_POINTS : 0);
    try {
      return { result: studentFunction(ctx, 'minimize')(recorded.loss, init, options), path: recorded.points };
    } finally {
      built.dispose();
    }
  },

  /** minimize once per step count, each run from its own copy of `init`. */
  minimizeEachSteps: (ctx, problem, init, options, stepCounts) => {
    const built = buildLoss(ctx.tf, problem as Problem);
    try {
      return (stepCounts as number[]).map((steps) =>
        studentFunction(ctx, 'minimize')(
          built.loss,
          (init as Tensor[]).map((t) => t.clone()),
          { ...(options as object), steps },
        ),
      );
    } finally {
      built.dispose();
    }
  },

  /**
   * The live-tensor count around one minimize call, after disposing what it returned. Init
   * tensors that minimize disposed are added back, so that they cannot hide a leak. Counted
   * by the runner's trusted meter (a patched tf.memory() changes nothing).
   */
  leakCheck: (ctx, problem, init, options) => {
    const { tf } = ctx;
    const built = buildLoss(tf, problem as Problem);
    const initList = [...(init as Tensor[])];
    try {
      const meter = tensorMeter(ctx);
      const result = studentFunction(ctx, 'minimize')(built.loss, init, options);
      const returned = tensorList(ctx, result);
      // A plain copy of the result, taken outside the count: the property is credited only when it is right.
      const copy = snapshot(result, (v) => v instanceof tf.Tensor);
      tf.dispose(returned.filter((t) => !initList.includes(t)));
      const initDisposed = initList.filter((t) => t.isDisposed).length;
      return { leaked: meter.now() - meter.start + initDisposed, initDisposed, returned: returned.length, result: copy };
    } finally {
      built.dispose();
    }
  },
});
