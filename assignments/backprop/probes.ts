/**
 * Probes for backprop (run inside the runner, next to the student's code): what forward and
 * backward do to the layers, x and y they are given, which belong to the caller.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { snapshot } from '../../grader/spec/credit';
import { defineProbes, studentFunction, type ProbeContext } from '../../grader/spec/probe';

/** One thing a call did to what it was given. */
export interface InputChange {
  call: 'forward' | 'backward';
  /** 'layers', 'layers[1].W', 'x', 'y'… */
  input: string;
  how: 'disposed' | 'changed' | 'replaced' | 'reordered' | 'resized';
}

interface LayerLike {
  W: Tensor;
  b: Tensor;
}

/** Remembers the layers array, its objects, their tensors, x and y; later says what changed. */
function watch(read: (t: unknown) => number[] | null, call: InputChange['call'], layers: LayerLike[], x: Tensor, y: Tensor): () => InputChange[] {
  // Values read with the runner's trusted reader (the backend's memory), not the tensors' own
  // dataSync/isDisposed, which a submission could patch to hide a change.
  const valuesOf = (t: Tensor): number[] => read(t) ?? [];
  const entries = [...layers];
  const tensors: Array<{ input: string; tensor: Tensor; values: number[] }> = [
    ...entries.flatMap((l, k) => [
      { input: `layers[${k}].W`, tensor: l.W, values: valuesOf(l.W) },
      { input: `layers[${k}].b`, tensor: l.b, values: valuesOf(l.b) },
    ]),
    { input: 'x', tensor: x, values: valuesOf(x) },
    { input: 'y', tensor: y, values: valuesOf(y) },
  ];
  const owners = entries.map((l) => ({ W: l.W, b: l.b }));
  return () => {
    const changes: InputChange[] = [];
    if (layers.length !== entries.length) changes.push({ call, input: 'layers', how: 'resized' });
    else if (entries.some((l, k) => layers[k] !== l)) {
      const sameSet = entries.every((l) => layers.includes(l));
      changes.push({ call, input: 'layers', how: sameSet ? 'reordered' : 'replaced' });
    }
    entries.forEach((l, k) => {
      if (l.W !== owners[k].W) changes.push({ call, input: `layers[${k}].W`, how: 'replaced' });
      if (l.b !== owners[k].b) changes.push({ call, input: `layers[${k}].b`, how: 'replaced' });
    });
    for (const { input, tensor, values } of tensors) {
      const now = read(tensor);
      if (now === null) changes.push({ call, input, how: 'disposed' });
      else {
        if (now.length !== values.length || now.some((v, i) => !Object.is(v, values[i]))) changes.push({ call, input, how: 'changed' });
      }
    }
    return changes;
  };
}

/** Disposes what a call returned, except the caller's own tensors. */
function disposeResult(ctx: ProbeContext, result: unknown, keep: Tensor[]): void {
  const found: Tensor[] = [];
  const visit = (v: unknown, depth: number) => {
    if (v instanceof ctx.tf.Tensor) found.push(v);
    else if (depth < 4 && typeof v === 'object' && v !== null) for (const inner of Object.values(v)) visit(inner, depth + 1);
  };
  visit(result, 0);
  ctx.tf.dispose(found.filter((t) => !keep.includes(t) && !t.isDisposed));
}

export const probes = defineProbes({
  /**
   * Calls forward(layers, x), then backward(layers, x, y), and reports what each did to its
   * inputs. A call that throws ends the check; when the first one throws, so does the probe
   * (nothing was checked). `checked` lists the calls that ran.
   */
  inputsUnchanged: (ctx, layers, x, y) => {
    const list = layers as LayerLike[];
    const [tx, ty] = [x as Tensor, y as Tensor];
    const keep = [...list.flatMap((l) => [l.W, l.b]), tx, ty];
    const changes: InputChange[] = [];
    const checked: string[] = [];
    // Plain copies of what each call returned: the property is credited only when they are right.
    const results: Record<string, unknown> = {};
    const calls = [
      { call: 'forward' as const, run: () => studentFunction(ctx, 'forward')(list, tx) },
      { call: 'backward' as const, run: () => studentFunction(ctx, 'backward')(list, tx, ty) },
    ];
    for (const { call, run } of calls) {
      const check = watch(ctx.trusted.values, call, list, tx, ty);
      let result: unknown;
      try {
        result = run();
      } catch (err) {
        if (checked.length === 0) throw err;
        break;
      }
      checked.push(call);
      changes.push(...check());
      results[call] = snapshot(result, (v) => v instanceof ctx.tf.Tensor);
      disposeResult(ctx, result, keep);
      if (changes.length > 0) break;
    }
    return { changes: changes.slice(0, 10), checked, results };
  },
});
