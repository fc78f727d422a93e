/**
 * Probes for autograd-graph (run inside the runner, next to the student's code).
 */
import type { Tensor } from '@tensorflow/tfjs';
import { snapshot } from '../../grader/spec/credit';
import { defineProbes, studentFunction, type ProbeContext } from '../../grader/spec/probe';

/** One thing a call did to the tensors it was given. */
export interface InputChange {
  call: 'f' | 'gradF';
  input: 'x' | 'y';
  how: 'disposed' | 'changed';
}

/** Remembers x and y; later says how a call changed them. */
function watchInputs(call: InputChange['call'], inputs: Record<'x' | 'y', Tensor>): () => InputChange[] {
  const values = { x: Array.from(inputs.x.dataSync()), y: Array.from(inputs.y.dataSync()) };
  return () =>
    (['x', 'y'] as const).flatMap((input): InputChange[] => {
      const t = inputs[input];
      if (t.isDisposed) return [{ call, input, how: 'disposed' }];
      const now = Array.from(t.dataSync());
      return now.length !== values[input].length || now.some((v, i) => !Object.is(v, values[input][i])) ? [{ call, input, how: 'changed' }] : [];
    });
}

/** Disposes what a call returned, except the caller's own tensors. */
function disposeResult(ctx: ProbeContext, result: unknown, keep: Tensor[]): void {
  const found: Tensor[] = [];
  const visit = (v: unknown, depth: number) => {
    if (v instanceof ctx.tf.Tensor) found.push(v);
    else if (depth < 3 && typeof v === 'object' && v !== null) for (const inner of Object.values(v)) visit(inner, depth + 1);
  };
  visit(result, 0);
  ctx.tf.dispose(found.filter((t) => !keep.includes(t) && !t.isDisposed));
}

/** The one door of tfjs autograd: tf.grad(s), tf.valueAndGrad(s) and tf.variableGrads all call it. */
interface GradientsDoor {
  gradients: (...args: unknown[]) => unknown;
}

export const probes = defineProbes({
  /**
   * Calls gradF(x, y) while counting the calls of the engine's gradients(), and reports the
   * count: a gradient written by hand never reaches it. Then calls it again with autograd's
   * answers changed (every gradient + 1) and reports whether what gradF returns changed too:
   * gradients computed by hand beside a call of tf.grads whose result is not used do not.
   */
  countAutogradCalls: (ctx, x, y) => {
    const engine = ctx.tf.engine() as unknown as GradientsDoor;
    const hadOwn = Object.prototype.hasOwnProperty.call(engine, 'gradients');
    const original = engine.gradients;
    const gradF = studentFunction(ctx, 'gradF');
    const values = (result: unknown): number[][] => {
      const r = result as { dx?: unknown; dy?: unknown } | null;
      return [r?.dx, r?.dy].map((t) => (t instanceof ctx.tf.Tensor && !t.isDisposed ? Array.from(t.dataSync()) : []));
    };
    let calls = 0;
    let perturb = false;
    engine.gradients = function counted(this: unknown, ...args: unknown[]) {
      calls++;
      const out = original.apply(this, args) as { value: unknown; grads: unknown };
      if (!perturb || !Array.isArray(out.grads)) return out;
      const grads = out.grads.map((g: unknown) => {
        if (!(g instanceof ctx.tf.Tensor)) return g;
        const changed = ctx.tf.add(g, 1);
        g.dispose();
        return changed;
      });
      return { ...out, grads };
    };
    try {
      const result = gradF(x, y);
      const plain = values(result);
      ctx.tf.dispose(result as never);
      const firstCalls = calls;
      if (firstCalls === 0) return { calls: 0, dependsOnAutograd: false };
      perturb = true;
      let dependsOnAutograd = true;
      try {
        const again = gradF(x, y);
        const changed = values(again);
        ctx.tf.dispose(again as never);
        dependsOnAutograd = changed.some((v, i) => v.length !== plain[i].length || v.some((e, j) => !Object.is(e, plain[i][j])));
      } catch {
        // Changed gradients made gradF throw: what it returns does depend on them.
      }
      return { calls: firstCalls, dependsOnAutograd };
    } finally {
      if (hadOwn) engine.gradients = original;
      else delete (engine as Partial<GradientsDoor>).gradients;
    }
  },

  /**
   * Calls f(x, y), then gradF(x, y), and reports what each did to x and y (`checked`: the calls
   * that ran; `results`: plain copies of what they returned, so that the spec credits the
   * property only when the calls also did their job).
   */
  inputsUnchanged: (ctx, x, y) => {
    const inputs = { x: x as Tensor, y: y as Tensor };
    const changes: InputChange[] = [];
    const checked: string[] = [];
    const results: Record<string, unknown> = {};
    for (const call of ['f', 'gradF'] as const) {
      if (changes.length > 0) break;
      const check = watchInputs(call, inputs);
      let result: unknown;
      try {
        result = studentFunction(ctx, call)(inputs.x, inputs.y);
      } catch (err) {
        // A call that throws ends the check (other tests report it); the first one, the probe.
        if (checked.length === 0) throw err;
        break;
      }
      checked.push(call);
      changes.push(...check());
      results[call] = snapshot(result, (v) => v instanceof ctx.tf.Tensor);
      disposeResult(ctx, result, [inputs.x, inputs.y]);
    }
    return { changes, checked, results };
  },
});
