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
   * behind (the data's own tensors are freed by the iterable), and, when asked, the model
   * afterwards (its weights are compared with the ones sent).
   */
  evaluate: async (ctx, model, data, returnModel) => {
    const { tf } = ctx;
    const variables = () => Object.keys((tf.engine() as unknown as { state: { registeredVariables: object } }).state.registeredVariables).length;
    const meter = tensorMeter(ctx);
    const variablesBefore = variables();
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
    // In images: the elements that met the first weight, over one image's pixels.
    const imagesThroughModel = use === undefined ? 0 : use.elements / ((data as EvalData).rows * (data as EvalData).cols);
    return { result, leaked, leakedVariables, compiled, batches, imagesThroughModel, ...(returnModel === true ? { model } : {}) };
  },
});
