/**
 * Forward values and gradients of the ops students use, on wasm (the grading backend) against
 * cpu (plain TF.js in Node), on small seeded shapes; and short training runs of tf.layers
 * models on both. Everything here once differed or was checked because it could: a mismatch
 * means a correct submission could be graded differently than it runs at home.
 * Where both backends throw (a TF.js limitation, e.g. no gradient for GatherNd), the error must
 * be the same.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../grader/tensors';
import { SeededRandom } from '../../grader/util/rng';

const TOLERANCE = 1e-4;

function T(shape: number[], seed: number): tf.Tensor {
  const r = new SeededRandom(seed);
  return tf.tensor(Array.from(r.floats(shape.reduce((a, b) => a * b, 1))), shape);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type OpCase = [number[][], (...xs: any[]) => tf.Tensor];

const CASES: Record<string, OpCase> = {
  sigmoid: [[[3,4]], x => tf.sigmoid(x)],
  relu: [[[3,4]], x => tf.relu(x)],
  relu6: [[[3,4]], x => tf.relu6(x.mul(8))],
  elu: [[[3,4]], x => tf.elu(x)],
  selu: [[[3,4]], x => tf.selu(x)],
  leakyRelu: [[[3,4]], x => tf.leakyRelu(x, 0.1)],
  prelu: [[[3,4],[4]], (x,a) => tf.prelu(x, a)],
  tanh: [[[3,4]], x => tf.tanh(x)],
  softplus: [[[3,4]], x => tf.softplus(x)],
  softmax: [[[3,4]], x => tf.softmax(x)],
  logSoftmax: [[[3,4]], x => tf.logSoftmax(x)],
  softmaxCE: [[[3,4]], x => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0,3,2],'int32'),4), x)],
  softmaxCEsmooth: [[[3,4]], x => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0,3,2],'int32'),4), x, undefined, 0.1)],
  sigmoidCE: [[[3,4]], x => tf.losses.sigmoidCrossEntropy(tf.tensor2d([[1,0,1,0],[0,0,1,1],[1,1,1,0]]), x)],
  logLoss: [[[3,4]], x => tf.losses.logLoss(tf.tensor2d([[1,0,1,0],[0,0,1,1],[1,1,1,0]]), tf.sigmoid(x))],
  mse: [[[3,4],[3,4]], (a,b) => tf.losses.meanSquaredError(a,b)],
  huber: [[[3,4],[3,4]], (a,b) => tf.losses.huberLoss(a,b)],
  absDiff: [[[3,4],[3,4]], (a,b) => tf.losses.absoluteDifference(a,b)],
  log: [[[3,4]], x => tf.log(x.abs().add(0.1))],
  sqrt: [[[3,4]], x => tf.sqrt(x.abs().add(0.1))],
  rsqrt: [[[3,4]], x => tf.rsqrt(x.abs().add(0.1))],
  pow: [[[3,4]], x => tf.pow(x.abs().add(0.1), 2.5)],
  powInt: [[[3,4]], x => tf.pow(x, tf.scalar(3, 'int32'))],
  exp: [[[3,4]], x => tf.exp(x)],
  abs: [[[3,4]], x => tf.abs(x)],
  clip: [[[3,4]], x => tf.clipByValue(x, -0.3, 0.3)],
  maximum: [[[3,4],[4]], (a,b) => tf.maximum(a,b)],
  minimum: [[[3,4],[4]], (a,b) => tf.minimum(a,b)],
  sqdiff: [[[3,4],[4]], (a,b) => tf.squaredDifference(a,b)],
  divBroadcast: [[[3,4],[4]], (a,b) => tf.div(a,b.add(2))],
  floorDiv: [[[3,4]], x => tf.floorDiv(x.mul(10), tf.scalar(3))],
  mod: [[[3,4]], x => tf.mod(x.mul(10), tf.scalar(3))],
  matMul: [[[3,4],[4,5]], (a,b) => tf.matMul(a,b)],
  matMulTT: [[[4,3],[5,4]], (a,b) => tf.matMul(a,b,true,true)],
  batchMatMul: [[[2,3,4],[2,4,5]], (a,b) => tf.matMul(a,b)],
  batchMatMulBcast: [[[2,3,4],[1,4,5]], (a,b) => tf.matMul(a,b)],
  dot: [[[4],[4,5]], (a,b) => tf.dot(a,b)],
  outer: [[[4],[5]], (a,b) => tf.outerProduct(a,b)],
  conv2dSame: [[[2,6,6,3],[3,3,3,4]], (x,f) => tf.conv2d(x,f,1,'same')],
  conv2dStride: [[[2,7,7,3],[3,3,3,4]], (x,f) => tf.conv2d(x,f,2,'valid')],
  conv2dStrideSame: [[[2,7,7,3],[3,3,3,4]], (x,f) => tf.conv2d(x,f,2,'same')],
  conv2dDil: [[[1,7,7,2],[3,3,2,2]], (x,f) => tf.conv2d(x,f,1,'valid','NHWC',2)],
  conv1d: [[[2,8,3],[3,3,4]], (x,f) => tf.conv1d(x,f,1,'same')],
  maxPool: [[[2,6,6,3]], x => tf.maxPool(x, 2, 2, 'valid')],
  maxPoolSame: [[[2,7,7,3]], x => tf.maxPool(x, 3, 2, 'same')],
  maxPoolRelu: [[[2,6,6,3]], x => tf.maxPool(tf.relu(x), 2, 2, 'valid')],
  avgPool: [[[2,6,6,3]], x => tf.avgPool(x, 2, 2, 'valid')],
  avgPoolSame: [[[2,7,7,3]], x => tf.avgPool(x, 3, 2, 'same')],
  depthwise: [[[2,6,6,3],[3,3,3,2]], (x,f) => tf.depthwiseConv2d(x,f,1,'same')],
  depthwiseStride: [[[2,7,7,3],[3,3,3,1]], (x,f) => tf.depthwiseConv2d(x,f,2,'valid')],
  separable: [[[2,6,6,3],[3,3,3,2],[1,1,6,4]], (x,f,p) => tf.separableConv2d(x,f,p,1,'same')],
  conv2dT: [[[2,4,4,3],[3,3,5,3]], (x,f) => tf.conv2dTranspose(x,f,[2,8,8,5],2,'same')],
  conv2dTvalid: [[[2,4,4,3],[3,3,5,3]], (x,f) => tf.conv2dTranspose(x,f,[2,9,9,5],2,'valid')],
  resizeNN: [[[2,3,3,2]], x => tf.image.resizeNearestNeighbor(x, [6,6])],
  resizeBilinear: [[[2,3,3,2]], x => tf.image.resizeBilinear(x, [6,6])],
  resizeBilinearAC: [[[2,3,3,2]], x => tf.image.resizeBilinear(x, [5,5], true)],
  batchNorm: [[[4,3],[3],[3],[3],[3]], (x,m,v,o,s) => tf.batchNorm(x,m,v.abs().add(0.5),o,s,1e-3)],
  batchNorm4d: [[[2,3,3,2],[2],[2],[2],[2]], (x,m,v,o,s) => tf.batchNorm(x,m,v.abs().add(0.5),o,s,1e-3)],
  moments: [[[4,3]], x => { const {mean, variance} = tf.moments(x, 0); return tf.concat([mean, variance]); }],
  momentsKeep: [[[2,3,3,2]], x => { const {mean, variance} = tf.moments(x, [0,1,2], true); return x.sub(mean).div(variance.add(1e-3).sqrt()); }],
  gather: [[[5,3]], x => tf.gather(x, tf.tensor1d([0,2,2,4],'int32'))],
  gatherAxis1: [[[5,3]], x => tf.gather(x, tf.tensor1d([0,2,2],'int32'), 1)],
  gatherND: [[[5,3]], x => tf.gatherND(x, tf.tensor2d([[0,1],[2,2],[2,2]],[3,2],'int32'))],
  oneHotMul: [[[3,4]], x => x.mul(tf.oneHot(tf.tensor1d([1,0,3],'int32'), 4))],
  oneHotFloat: [[[3,4]], x => x.mul(tf.oneHot(tf.tensor1d([1,0,3],'int32'), 4, 1, 0, 'float32'))],
  oneHotDepth: [[[3,4]], x => x.mul(tf.oneHot(tf.tensor1d([1,0,3],'int32'), 4, 5, -1))],
  sum: [[[3,4]], x => tf.sum(x, 1)],
  sumKeep: [[[3,4]], x => tf.sum(x, 0, true)],
  mean: [[[3,4]], x => tf.mean(x, -1)],
  max: [[[3,4]], x => tf.max(x, 1)],
  maxTies: [[[3,4]], x => tf.max(tf.round(x), 1)],
  min: [[[3,4]], x => tf.min(x, 0)],
  prod: [[[3,4]], x => tf.prod(x, 1)],
  logSumExp: [[[3,4]], x => tf.logSumExp(x, 1)],
  norm: [[[3,4]], x => tf.norm(x)],
  norm2: [[[3,4]], x => tf.norm(x, 2, 1)],
  cumsum: [[[3,4]], x => tf.cumsum(x, 1)],
  cumsumRev: [[[3,4]], x => tf.cumsum(x, 1, true, true)],
  argMaxMask: [[[3,4]], x => x.mul(tf.oneHot(tf.argMax(x, 1), 4))],
  concat: [[[3,4],[3,2]], (a,b) => tf.concat([a,b], 1)],
  stack: [[[3,4],[3,4]], (a,b) => tf.stack([a,b], 1)],
  slice: [[[3,4]], x => tf.slice(x, [1,1], [2,2])],
  stridedSlice: [[[3,4]], x => tf.stridedSlice(x, [0,0], [3,4], [2,2])],
  split: [[[3,4]], x => tf.split(x, 2, 1)[1]],
  unstack: [[[3,4]], x => tf.unstack(x)[2]],
  pad: [[[3,4]], x => tf.pad(x, [[1,0],[0,2]])],
  mirrorPad: [[[3,4]], x => tf.mirrorPad(x, [[1,1],[1,1]], 'reflect')],
  tile: [[[3,4]], x => tf.tile(x, [2,1])],
  broadcastTo: [[[1,4]], x => tf.broadcastTo(x, [3,4])],
  transpose: [[[2,3,4]], x => tf.transpose(x, [2,0,1])],
  reverse: [[[3,4]], x => tf.reverse(x, 1)],
  where: [[[3,4],[3,4]], (a,b) => tf.where(tf.greater(a,0), a, b)],
  cast: [[[3,4]], x => tf.cast(tf.cast(x.mul(5),'int32'),'float32').add(x)],
  step: [[[3,4]], x => tf.step(x)],
  sign: [[[3,4]], x => tf.sign(x).add(x)],
  round: [[[3,4]], x => tf.round(x.mul(3))],
  floor: [[[3,4]], x => tf.floor(x.mul(3))],
  erf: [[[3,4]], x => tf.erf(x)],
  atan2: [[[3,4],[3,4]], (a,b) => tf.atan2(a,b)],
  sin: [[[3,4]], x => tf.sin(x).add(tf.cos(x))],
  reciprocal: [[[3,4]], x => tf.reciprocal(x.add(2))],
  l2norm: [[[3,4]], x => x.div(tf.norm(x, 'euclidean', 1, true))],
  einsum: [[[3,4],[4,5]], (a,b) => tf.einsum('ij,jk->ik', a, b)],
  einsumBatch: [[[2,3,4],[2,4,5]], (a,b) => tf.einsum('bij,bjk->bik', a, b)],
  segsum: [[[4,3]], x => tf.unsortedSegmentSum(x, tf.tensor1d([0,2,0,1],'int32'), 3)],
  localResponseNorm: [[[1,3,3,4]], x => tf.localResponseNormalization(x, 2)],
  avgPool3d: [[[1,4,4,4,2]], x => tf.avgPool3d(x, 2, 2, 'valid')],
  maxPool3d: [[[1,4,4,4,2]], x => tf.maxPool3d(x, 2, 2, 'valid')],
  conv3d: [[[1,4,4,4,2],[2,2,2,2,3]], (x,f) => tf.conv3d(x,f,1,'valid')],
  topk: [[[3,6]], x => tf.topk(x, 2).values],
  linspace: [[[3]], x => x.add(tf.linspace(0, 1, 3))],
  diag: [[[3,4]], x => tf.matMul(x, tf.eye(4))],
  isNaN: [[[3,4]], x => tf.where(tf.isNaN(tf.log(x)), tf.zerosLike(x), x)],
  fusedMatMul: [[[3,4],[4,5],[5]], (a,b,c) => tf.fused.matMul({a, b, bias: c, activation: 'relu'})],
  fusedMatMulT: [[[4,3],[5,4],[5]], (a,b,c) => tf.fused.matMul({a, b, bias: c, activation: 'elu', transposeA: true, transposeB: true})],
  fusedConv: [[[2,6,6,3],[3,3,3,4],[4]], (x,f,b) => tf.fused.conv2d({x, filter: f, bias: b, strides: 1, pad: 'same', activation: 'relu'})],
  fusedDepthwise: [[[2,6,6,3],[3,3,3,2],[6]], (x,f,b) => tf.fused.depthwiseConv2d({x, filter: f, bias: b, strides: 1, pad: 'same', activation: 'relu'})],
  fusedMatMulLeaky: [[[3,4],[4,5],[5]], (a,b,c) => tf.fused.matMul({a, b, bias: c, activation: 'leakyrelu', leakyreluAlpha: 0.2})],
  fusedMatMulSigmoid: [[[3,4],[4,5],[5]], (a,b,c) => tf.fused.matMul({a, b, bias: c, activation: 'sigmoid'})],
};
/* eslint-enable @typescript-eslint/no-explicit-any */

type Outcome = { error: string } | { y: number[]; yShape: number[]; grads: Array<{ shape: number[]; values: number[] }> };

async function run(backend: 'wasm' | 'cpu', [shapes, f]: OpCase): Promise<Outcome> {
  await initBackend(backend);
  try {
    return tf.tidy(() => {
      const inputs = shapes.map((s, i) => T(s, i + 3));
      const y = f(...inputs);
      const w = T(y.shape, 99);
      const grads = tf.grads((...xs: tf.Tensor[]) => f(...xs).mul(w).sum())(inputs);
      return {
        y: Array.from(y.dataSync()),
        yShape: y.shape,
        grads: grads.map((g) => ({ shape: g.shape, values: Array.from(g.dataSync()) })),
      };
    });
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function relativeError(a: number[], e: number[]): number {
  expect(a.length).toBe(e.length);
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) !== Number.isNaN(a[i])) return Infinity;
    if (!Number.isNaN(e[i])) worst = Math.max(worst, Math.abs(a[i] - e[i]));
    scale = Math.max(scale, Math.abs(e[i]));
  }
  return worst / scale;
}

describe('ops on wasm against cpu: forward and gradient', () => {
  test.each(Object.entries(CASES))('%s', async (_name, c) => {
    const cpu = await run('cpu', c);
    const wasm = await run('wasm', c);
    if ('error' in cpu || 'error' in wasm) {
      expect(wasm).toEqual(cpu);
      return;
    }
    expect(wasm.yShape).toEqual(cpu.yShape);
    expect(relativeError(wasm.y, cpu.y)).toBeLessThanOrEqual(TOLERANCE);
    expect(wasm.grads.map((g) => g.shape)).toEqual(cpu.grads.map((g) => g.shape));
    wasm.grads.forEach((g, i) => expect(relativeError(g.values, cpu.grads[i].values)).toBeLessThanOrEqual(TOLERANCE));
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any */
const I = (v: number[], s: number[]): any => tf.tensor(v, s, 'int32');
const a = (): any => I([3, -2, 7, 0, 5, -6], [2, 3]);
const b = (): any => I([2, 2, -3, 1, 4, 5], [2, 3]);

/** int32 and bool inputs: wasm kernels written for float32 once refused or corrupted these
 * (ClipByValue, StridedSlice, Cast to bool, BatchMatMul, MaxPool, Reciprocal, IsNan, ...). */
const DTYPE_CASES: Record<string, () => any> = {
  add: () => tf.add(a(), b()), sub: () => tf.sub(a(), b()), mul: () => tf.mul(a(), b()), div: () => tf.div(a(), b()), realDiv: () => (tf as any).realDiv(a(), b()),
  pow: () => tf.pow(a(), I([2,2,2,1,0,3],[2,3])), maximum: () => tf.maximum(a(), b()), minimum: () => tf.minimum(a(), b()), sqdiff: () => tf.squaredDifference(a(), b()),
  floorDiv: () => tf.floorDiv(a(), b()), mod: () => tf.mod(a(), b()),
  prod: () => tf.prod(a(), 1), sum: () => tf.sum(a(), 0), mean: () => tf.mean(a(), 1), min: () => tf.min(a(), 1), max: () => tf.max(a()), all: () => tf.all(tf.greater(a(), -10)), any: () => tf.any(tf.greater(a(), 6)),
  argMax: () => tf.argMax(a(), 1), argMin: () => tf.argMin(a(), 0),
  sign: () => tf.sign(a()), floor: () => tf.floor(a()), ceil: () => tf.ceil(a()), round: () => tf.round(a()), relu: () => tf.relu(a()), relu6: () => tf.relu6(a()), step: () => tf.step(a()),
  leakyRelu: () => tf.leakyRelu(a(), 0.5), elu: () => tf.elu(a()), sigmoid: () => tf.sigmoid(a()), sqrt: () => tf.sqrt(tf.abs(a())), log: () => tf.log(tf.abs(a())),
  clip: () => tf.clipByValue(a(), -1, 4), tile: () => tf.tile(a(), [2,1]), pad: () => tf.pad(a(), [[1,0],[0,1]], 9), slice: () => tf.slice(a(), [0,1],[2,2]), concat: () => tf.concat([a(), b()], 1),
  transpose: () => tf.transpose(a()), reverse: () => tf.reverse(a(), 1), gather: () => tf.gather(a(), I([1,0,1],[3]), 1), gatherND: () => tf.gatherND(a(), I([1,2,0,0],[2,2])),
  scatterND: () => tf.scatterND(I([0,2],[2,1]), I([5,6],[2]), [4]), sparseToDense: () => tf.sparseToDense(I([0,2],[2]), I([5,6],[2]), [4], tf.scalar(0,'int32')),
  cumprod: () => tf.cumprod(a(), 1), cumsum: () => tf.cumsum(a(), 0), equal: () => tf.equal(a(), b()), less: () => tf.less(a(), b()), notEqual: () => tf.notEqual(a(), b()),
  select: () => tf.where(tf.greater(a(), 0), a(), b()), matMulInt: () => tf.matMul(a(), b(), false, true), dotInt: () => tf.dot(I([1,2,3],[3]), I([4,5,6],[3])),
  stridedSlice: () => tf.stridedSlice(a(), [0,0],[2,3],[1,2]), expandDims: () => tf.expandDims(a(), 0), stack: () => tf.stack([a(), b()]), unstack: () => tf.unstack(a())[1],
  oneHotInt: () => tf.oneHot(I([1,0],[2]), 3, 5, -1), fill: () => tf.fill([2], 3, 'int32'), zerosLike: () => tf.zerosLike(a()), onesLike: () => tf.onesLike(a()),
  mirrorPad: () => tf.mirrorPad(a(), [[1,1],[1,1]], 'reflect'), resizeNNInt: () => tf.image.resizeNearestNeighbor(a().reshape([1,2,3,1]), [4,6]),
  batchToSpace: () => tf.batchToSpaceND(I([1,2,3,4],[4,1,1,1]), [2,2], [[0,0],[0,0]]), depthToSpace: () => tf.depthToSpace(I([1,2,3,4],[1,1,1,4]), 2),
  topkInt: () => tf.topk(I([3,1,4,1,5],[5]), 2).values, maxPoolInt: () => tf.maxPool(I([1,2,3,4],[1,2,2,1]), 2, 1, 'valid'),
  squareInt: () => tf.square(a()), reciprocal: () => tf.reciprocal(I([2,4],[2])), exp: () => tf.exp(I([1,2],[2])), isNaN: () => tf.isNaN(a()), neg: () => tf.neg(a()),
  bitwiseAnd: () => tf.bitwiseAnd(I([12, 10],[2]), I([10, 6],[2])), diag: () => tf.diag(I([1,2],[2])), linalgBand: () => tf.linalg.bandPart(a(), 0, 1),
  unsortedSeg: () => tf.unsortedSegmentSum(a(), I([1,0],[2]), 2), addN: () => tf.addN([a(), b(), a()]), broadcastTo: () => tf.broadcastTo(I([1,2,3],[3]), [2,3]),
  cast2bool: () => tf.cast(a(), 'bool'), castBoolInt: () => tf.cast(tf.greater(a(), 0), 'int32'), boolSum: () => tf.sum(tf.greater(a(), 0)), boolMean: () => tf.mean(tf.cast(tf.greater(a(), 0), 'float32')),
  boolMax: () => tf.max(tf.greater(a(), 0)), logicalNot: () => tf.logicalNot(tf.greater(a(), 0)), einsumInt: () => tf.einsum('ij,kj->ik', a(), b()),
  conv2dInt: () => { try { return tf.conv2d(I([1,2,3,4],[1,2,2,1]), I([1,1,1,1],[2,2,1,1]), 1, 'valid'); } catch (e) { throw e; } },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

describe('int32 and bool ops on wasm against cpu: same dtype, same values', () => {
  async function run(backend: 'wasm' | 'cpu', f: () => tf.Tensor): Promise<unknown> {
    await initBackend(backend);
    try {
      return tf.tidy(() => {
        const t = f();
        return { dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync()) };
      });
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  test.each(Object.entries(DTYPE_CASES))('%s', async (_name, f) => {
    const cpu = (await run('cpu', f)) as { dtype?: string; values?: number[] };
    const wasm = (await run('wasm', f)) as { dtype?: string; values?: number[] };
    if (cpu.dtype === 'float32' && wasm.dtype === 'float32' && cpu.values && wasm.values) {
      expect(relativeError(wasm.values, cpu.values)).toBeLessThanOrEqual(1e-6);
      return;
    }
    expect(wasm).toEqual(cpu);
  });
});

/** For a linear op f, d/dx sum(w·f(x)) at input i is sum(w·f(e_i)): computed from the forward. */
describe('gradients of linear ops equal the exact one (from the forward on basis vectors)', () => {
  const LINEAR: Record<string, [number[], (x: tf.Tensor) => tf.Tensor]> = {
    'resizeNearestNeighbor 3->6, batch 2': [[2, 3, 3, 2], (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 6])],
    'resizeNearestNeighbor 3->7x5, alignCorners': [[2, 3, 3, 1], (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [7, 5], true)],
    'resizeBilinear 3->6, batch 2': [[2, 3, 3, 2], (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [6, 6])],
    'upSampling2d layer, batch 2': [[2, 3, 3, 2], (x) => tf.layers.upSampling2d({ size: [2, 2] }).apply(x) as tf.Tensor],
    'conv3d input': [[1, 4, 4, 4, 2], (x) => tf.conv3d(x as tf.Tensor5D, T([2, 2, 2, 2, 3], 7) as tf.Tensor5D, 1, 'valid')],
    'conv2dTranspose input': [[1, 3, 3, 2], (x) => tf.conv2dTranspose(x as tf.Tensor4D, T([3, 3, 2, 2], 8) as tf.Tensor4D, [1, 6, 6, 2], 2, 'same')],
    'depthwiseConv2d input': [[1, 5, 5, 2], (x) => tf.depthwiseConv2d(x as tf.Tensor4D, T([3, 3, 2, 2], 9) as tf.Tensor4D, 2, 'same')],
  };
  test.each(Object.entries(LINEAR).flatMap(([name, c]) => (['wasm', 'cpu'] as const).map((b) => [`${name} on ${b}`, b, c] as const)))(
    '%s',
    async (_name, backend, [shape, f]) => {
      await initBackend(backend);
      tf.tidy(() => {
        const x = T(shape, 5);
        const w = T(f(x).shape, 6);
        const grad = Array.from(tf.grad((v) => f(v).mul(w).sum())(x).dataSync());
        const n = grad.length;
        const exact: number[] = [];
        for (let i = 0; i < n; i++) {
          const e = new Float32Array(n);
          e[i] = 1;
          exact.push(tf.tidy(() => f(tf.tensor(e, shape)).mul(w).sum().dataSync()[0]));
        }
        expect(relativeError(grad, exact)).toBeLessThanOrEqual(1e-5);
      });
    },
  );
});

describe('tf.layers models train the same on wasm and cpu', () => {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const MODELS: Record<string, [number[], () => tf.LayersModel]> = {
    'dense relu softmax': [[6], () => tf.sequential({ layers: [
      tf.layers.dense({ units: 8, inputShape: [6], activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
    ] })],
    'conv maxPool': [[8, 8, 1], () => tf.sequential({ layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 1], activation: 'relu', padding: 'same', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
    ] })],
    'separableConv2d, depthwiseConv2d': [[8, 8, 2], () => tf.sequential({ layers: [
      tf.layers.separableConv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 2], depthwiseInitializer: init(1), pointwiseInitializer: init(3), activation: 'relu' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, depthwiseInitializer: init(4) }),
      tf.layers.flatten(), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
    ] })],
    'upSampling2d, conv2dTranspose': [[8, 8, 1], () => tf.sequential({ layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [8, 8, 1], kernelInitializer: init(1), activation: 'relu' }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 2, strides: 2, padding: 'valid', kernelInitializer: init(5) }),
      tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
    ] })],
    batchNormalization: [[8, 8, 1], () => tf.sequential({ layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 1], kernelInitializer: init(1) }),
      tf.layers.batchNormalization({}), tf.layers.activation({ activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }), tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(2) }),
    ] })],
  };

  async function train(backend: 'wasm' | 'cpu', inShape: number[], make: () => tf.LayersModel): Promise<{ loss: number[]; weights: number[][] }> {
    await initBackend(backend);
    const model = make();
    const x = T([6, ...inShape], 7);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const history = await model.fit(x, y, { epochs: 2, batchSize: 3, shuffle: false, verbose: 0 });
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    tf.dispose([x, y]);
    return { loss: history.history['loss'] as number[], weights };
  }

  test.each(Object.entries(MODELS))('%s', async (_name, [inShape, make]) => {
    const cpu = await train('cpu', inShape, make);
    const wasm = await train('wasm', inShape, make);
    expect(relativeError(wasm.loss, cpu.loss)).toBeLessThanOrEqual(TOLERANCE);
    wasm.weights.forEach((w, i) => expect(relativeError(w, cpu.weights[i])).toBeLessThanOrEqual(TOLERANCE));
  });
});
