/**
 * Probes for mnist-test-loop (run inside the runner, next to the student's code). The data
 * iterable that evaluate() takes cannot cross the process boundary: this probe builds it from
 * plain bytes, lazily, like mnist-loader's batches (x [b, rows, cols, 1] float32 in [0, 1],
 * y [b] int32), and disposes each batch when the next one is asked for.
 */
import type * as tfType from '@tensorflow/tfjs';
import { defineProbes, studentFunction, tensorMeter } from '../../grader/spec/probe';

export interface EvalData {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  batchSize: number;
}

/** A re-iterable set of batches: each pass makes its tensors one batch at a time. */
function batchesOf(tf: typeof tfType, d: EvalData): Iterable<{ x: tfType.Tensor4D; y: tfType.Tensor1D }> {
  const pixels = d.rows * d.cols;
  return {
    *[Symbol.iterator]() {
      for (let start = 0; start < d.count; start += d.batchSize) {
        const size = Math.min(d.batchSize, d.count - start);
        const xs = new Float32Array(size * pixels);
        for (let i = 0; i < xs.length; i++) xs[i] = d.images[start * pixels + i] / 255;
        const x = tf.tensor4d(xs, [size, d.rows, d.cols, 1]);
        const y = tf.tensor1d(Int32Array.from(d.labels.subarray(start, start + size)), 'int32');
        try {
          yield { x, y };
        } finally {
          tf.dispose([x, y]);
        }
      }
    },
  };
}

export const probes = defineProbes({
  /**
   * Calls evaluate(model, data) and reports what it returned, how many tensors it left
   * behind (the data's own tensors are freed by the iterable), and how far each weight of the
   * model moved (read from the backend, with the model's own methods left out of it).
   */
  evaluate: async (ctx, model, data) => {
    const { tf } = ctx;
    const variables = () => Object.keys((tf.engine() as unknown as { state: { registeredVariables: object } }).state.registeredVariables).length;
    const meter = tensorMeter(ctx);
    const variablesBefore = variables();
    // The model's weights as the backend holds them, and where the model keeps them, read
    // before and after with the trusted reader (never the model's own save or getWeights,
    // which a submission can replace).
    const own = (o: object, key: string): unknown => Object.getOwnPropertyDescriptor(o, key)?.value;
    const layerVars = ((model as { weights?: unknown[] }).weights ?? []).slice() as object[];
    const watched = layerVars.map((lv) => {
      const val = own(lv, 'val');
      return { lv, val, name: String(own(lv, 'originalName') ?? own(lv, 'name') ?? '?'), before: typeof val === 'object' && val !== null ? ctx.trusted.values(val) : null };
    });
    const holders: Array<{ layer: object; key: string; lv: object }> = [];
    for (const layer of ((model as { layers?: unknown[] }).layers ?? []).slice() as object[]) {
      for (const key of Object.keys(layer)) {
        const v = own(layer, key);
        if (typeof v === 'object' && v !== null && layerVars.includes(v)) holders.push({ layer, key, lv: v });
      }
    }
    // What went through the model's first weight (trusted: the engine's kernel door), so that
    // a call that never ran the model earns no credit for leaving it alone.
    const first = (model as { weights?: Array<{ val?: unknown }> }).weights?.[0]?.val;
    const use = typeof first === 'object' && first !== null ? ctx.trusted.watchKernelUse(first) : undefined;
    let result: unknown;
    try {
      result = await studentFunction(ctx, 'evaluate')(model, batchesOf(tf, data as EvalData));
    } finally {
      use?.stop();
    }
    const leaked = meter.now() - meter.start;
    // What leaked, for the message: variables (an optimizer's, e.g. from model.compile) or intermediate tensors.
    const leakedVariables = variables() - variablesBefore;
    const compiled = (model as { optimizer?: unknown } | null)?.optimizer != null;
    const batches = Math.ceil((data as EvalData).count / (data as EvalData).batchSize);
    // The largest change of each weight (null: the model holds it no more, or it is gone).
    const weightChanges = watched.map(({ lv, val, name, before }) => {
      const after = own(lv, 'val') === val && val !== null && typeof val === 'object' ? ctx.trusted.values(val) : null;
      if (before === null || after === null || after.length !== before.length) return { name, worst: null };
      let worst = 0;
      for (let k = 0; k < before.length; k++) {
        if (after[k] === before[k]) continue;
        const d = Math.abs(after[k] - before[k]);
        // A weight made NaN or infinite has changed too: report it as the largest change.
        worst = Math.max(worst, Number.isFinite(d) && d > 0 ? d : Number.MAX_VALUE);
      }
      return { name, worst };
    });
    const weightsSwapped = holders.some(({ layer, key, lv }) => own(layer, key) !== lv);
    // In images: the elements that met the first weight, over one image's pixels.
    const imagesThroughModel = use === undefined ? 0 : use.elements / ((data as EvalData).rows * (data as EvalData).cols);
    return { result, leaked, leakedVariables, compiled, batches, imagesThroughModel, weightChanges, weightsSwapped };
  },
});
