/**
 * Einsum for wasm: two-operand contractions as one XNNPACK matrix product.
 *
 * Upstream wasm has no Einsum; the cpu fallback (cpu-fallback.ts) runs cpu's kernel, which
 * multiplies with broadcasting and then sums: a [32,100]x[100,784] contraction takes as long as
 * seventeen matMuls of the same size, too slow for a student who trains with tf.einsum. Here a
 * float32 two-operand einsum without repeated indices inside an operand (everything tf.einsum
 * accepts with two operands) is rewritten the classical way: sum away indices only one operand
 * has, transpose each operand to [batch, free, contracted] / [batch, contracted, free], one
 * BatchMatMul, reshape and transpose to the output order. Anything else (one operand, int32,
 * an equation tfjs refuses) goes to the cpu fallback, which also throws cpu's own errors.
 */
import * as tf from '@tensorflow/tfjs';
import { runOnCpu } from './cpu-fallback';
import { asWasmBackend, withKernelScope } from './kernel-utils';

const KERNEL = 'Einsum';

export interface EinsumPlan {
  batch: string[];
  freeA: string[];
  freeB: string[];
  contracted: string[];
  onlyA: string[];
  onlyB: string[];
  out: string;
  dims: Map<string, number>;
}

/** The matrix-product plan for `equation` over two operands of these shapes, or undefined. */
export function planEinsum(equation: string, shapes: number[][]): EinsumPlan | undefined {
  const eq = equation.replace(/\s/g, '');
  const arrow = eq.split('->');
  if (arrow.length !== 2 || shapes.length !== 2) return undefined;
  const [lhs, out] = arrow;
  const subs = lhs.split(',');
  if (subs.length !== 2) return undefined;
  const [a, b] = subs;
  const valid = (s: string): boolean => /^[a-zA-Z]*$/.test(s) && new Set(s).size === s.length;
  if (!valid(a) || !valid(b) || !valid(out)) return undefined;
  if (a.length !== shapes[0].length || b.length !== shapes[1].length) return undefined;
  const dims = new Map<string, number>();
  for (const [s, shape] of [[a, shapes[0]], [b, shapes[1]]] as const) {
    for (let i = 0; i < s.length; i++) {
      const seen = dims.get(s[i]);
      if (seen !== undefined && seen !== shape[i]) return undefined;
      dims.set(s[i], shape[i]);
    }
  }
  if ([...out].some((c) => !dims.has(c))) return undefined;
  const inA = (c: string): boolean => a.includes(c);
  const inB = (c: string): boolean => b.includes(c);
  const inOut = (c: string): boolean => out.includes(c);
  return {
    batch: [...a].filter((c) => inB(c) && inOut(c)),
    freeA: [...a].filter((c) => !inB(c) && inOut(c)),
    freeB: [...b].filter((c) => !inA(c) && inOut(c)),
    contracted: [...a].filter((c) => inB(c) && !inOut(c)),
    onlyA: [...a].filter((c) => !inB(c) && !inOut(c)),
    onlyB: [...b].filter((c) => !inA(c) && !inOut(c)),
    out,
    dims,
  };
}

function einsum(args: { inputs: tf.TensorInfo[] | tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo | tf.TensorInfo[] {
  const backend = asWasmBackend(KERNEL, args.backend);
  const operands = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as tf.TensorInfo[];
  const equation = String(args.attrs?.['equation'] ?? '');
  const plan = operands.every((t) => t?.dtype === 'float32') ? planEinsum(equation, operands.map((t) => t.shape)) : undefined;
  if (plan === undefined) return runOnCpu(KERNEL, args);
  const [lhs] = equation.replace(/\s/g, '').split('->');
  const [subsA, subsB] = lhs.split(',');
  const size = (cs: string[]): number => cs.reduce((n, c) => n * (plan.dims.get(c) ?? 1), 1);
  return withKernelScope(backend, operands, (scope) => {
    // Sum away the indices only one operand has, then order axes for the matrix product.
    const prepare = (x: tf.TensorInfo, subs: string, only: string[], order: string[], shape: number[]): tf.TensorInfo => {
      let t = x;
      let left = subs;
      if (only.length > 0) {
        t = scope.run('Sum', { x: t }, { axis: only.map((c) => subs.indexOf(c)), keepDims: false });
        left = [...subs].filter((c) => !only.includes(c)).join('');
      }
      t = scope.transpose(t, order.map((c) => left.indexOf(c)));
      return scope.reshape(t, shape);
    };
    const bt = size(plan.batch);
    const m = size(plan.freeA);
    const k = size(plan.contracted);
    const n = size(plan.freeB);
    const a3 = prepare(operands[0], subsA, plan.onlyA, [...plan.batch, ...plan.freeA, ...plan.contracted], [bt, m, k]);
    const b3 = prepare(operands[1], subsB, plan.onlyB, [...plan.batch, ...plan.contracted, ...plan.freeB], [bt, k, n]);
    const product = scope.run('BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false });
    const order = [...plan.batch, ...plan.freeA, ...plan.freeB];
    if (order.length === 0) return scope.reshape(product, []);
    const unflat = scope.reshape(product, order.map((c) => plan.dims.get(c) ?? 1));
    return scope.transpose(unflat, [...plan.out].map((c) => order.indexOf(c)));
  });
}

export const einsumConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: einsum as unknown as tf.KernelFunc,
};
