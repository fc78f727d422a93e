/**
 * Probes for autograd-graph (run inside the runner, next to the student's code).
 */
import { defineProbes, studentFunction } from '../../grader/spec/probe';

/** The one door of tfjs autograd: tf.grad(s), tf.valueAndGrad(s) and tf.variableGrads all call it. */
interface GradientsDoor {
  gradients: (...args: unknown[]) => unknown;
}

export const probes = defineProbes({
  /**
   * Calls gradF(x, y) while counting the calls of the engine's gradients(), and reports the
   * count: a gradient written by hand never reaches it.
   */
  countAutogradCalls: (ctx, x, y) => {
    const engine = ctx.tf.engine() as unknown as GradientsDoor;
    const hadOwn = Object.prototype.hasOwnProperty.call(engine, 'gradients');
    const original = engine.gradients;
    let calls = 0;
    engine.gradients = function counted(this: unknown, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    };
    try {
      const result = studentFunction(ctx, 'gradF')(x, y);
      ctx.tf.dispose(result as never);
      return { calls };
    } finally {
      if (hadOwn) engine.gradients = original;
      else delete (engine as Partial<GradientsDoor>).gradients;
    }
  },
});
