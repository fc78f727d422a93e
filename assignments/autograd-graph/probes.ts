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

/**
 * Remembers x and y; later says how a call changed them. Values are read with the runner's
 * trusted reader (the backend's memory), not the tensors' own dataSync/isDisposed, which a
 * submission could patch to hide a change.
 */
function watchInputs(read: Read, call: InputChange['call'], inputs: Record<'x' | 'y', Tensor>): () => InputChange[] {
  const values = { x: read(inputs.x) ?? [], y: read(inputs.y) ?? [] };
  return () =>
    (['x', 'y'] as const).flatMap((input): InputChange[] => {
      const now = read(inputs[input]);
      if (now === null) return [{ call, input, how: 'disposed' }];
      return now.length !== values[input].length || now.some((v, i) => !Object.is(v, values[input][i])) ? [{ call, input, how: 'changed' }] : [];
    });
}

type Read = (t: unknown) => number[] | null;

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

/** Whether `v` is c·r for some c ≠ 0 (autograd's answer, rescaled as a gradient of the mean would be). */
function scaledCopy(v: ArrayLike<number>, r: Float32Array): boolean {
  if (v.length !== r.length || r.length === 0) return false;
  let vr = 0;
  let rr = 0;
  for (let i = 0; i < r.length; i++) {
    vr += v[i] * r[i];
    rr += r[i] * r[i];
  }
  const c = vr / rr;
  if (!Number.isFinite(c) || Math.abs(c) < 1e-6) return false;
  for (let i = 0; i < r.length; i++) if (!(Math.abs(v[i] - c * r[i]) <= 1e-4 * Math.abs(c * r[i]) + 1e-6)) return false;
  return true;
}

export const probes = defineProbes({
  /**
   * Calls gradF(x, y) while the runner watches autograd (trusted-tf.ts: a hook locked onto the
   * engine before the submission loaded, which a submission can neither replace nor bypass):
   * it counts the calls of the engine's gradients() and overwrites, in place, every gradient
   * autograd returns with random values. `dependsOnAutograd`: dx and dy are those values (or
   * a rescaled copy of them). Gradients written by hand beside a discarded tf.grads call, or
   * formulas that check themselves against autograd, return something else.
   */
  countAutogradCalls: (ctx, x, y, seed) => {
    const gradF = studentFunction(ctx, 'gradF');
    const watch = ctx.trusted.watchAutograd(true, typeof seed === 'number' ? seed : 1);
    let result: unknown;
    try {
      result = gradF(x, y);
    } finally {
      watch.stop();
    }
    try {
      if (watch.calls === 0) return { calls: 0, dependsOnAutograd: false };
      // Read as own data properties and from the backend's memory (the trusted reader): a
      // getter or a dataSync of the submission's own never answers for the tensors.
      const own = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null ? Object.getOwnPropertyDescriptor(o, key)?.value : undefined);
      const returned = [own(result, 'dx'), own(result, 'dy')].map((t) => ctx.trusted.values(t));
      const dependsOnAutograd = returned.every((v) => v !== null && watch.replaced.some((rep) => scaledCopy(v, rep.values)));
      return { calls: watch.calls, dependsOnAutograd };
    } finally {
      disposeResult(ctx, result, [x as Tensor, y as Tensor]);
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
      const check = watchInputs(ctx.trusted.values, call, inputs);
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
