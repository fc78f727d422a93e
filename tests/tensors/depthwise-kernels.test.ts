/**
 * Our wasm DepthwiseConv2dNativeBackpropFilter / BackpropInput against the cpu backend (plain
 * TF.js), which they replace: the grid the course's separable CNNs hit (strides 1 and 2, 'same'
 * and 'valid', multiplier 1 and 2, batch 1 and 32), seeded random shapes with numeric and
 * explicit paddings and rounding modes, gradients through tf.grads and tf.layers, resources,
 * and the cases that still run through cpu (dilations > 1, non-float32).
 *
 * Error measure: max|wasm - cpu| / max(1, max|cpu|), at most 1e-4 (float32 sums in a different
 * order; measured: about 5e-7).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../grader/tensors';
import {
  cpuFallbackKernels,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
  registerTrainingKernels,
} from '../../grader/tensors/kernels';
import { SeededRandom } from '../../grader/util/rng';

const TOLERANCE = 1e-4;
const FILTER = tf.DepthwiseConv2dNativeBackpropFilter;
const INPUT = tf.DepthwiseConv2dNativeBackpropInput;

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Values = { shape: number[]; data: Float32Array };

function rng(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.next();
}

function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

function values(r: () => number, shape: number[]): Values {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = r() * 2 - 1;
  return { shape, data };
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

async function runOn(backend: 'cpu' | 'wasm', name: string, inputs: Record<string, Values>, attrs: tf.NamedAttrMap): Promise<Values> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [key, v] of Object.entries(inputs)) ts[key] = tf.tensor(v.data, v.shape);
    const out = tf.engine().runKernel(name, ts, attrs) as tf.Tensor;
    return { shape: out.shape, data: Float32Array.from(out.dataSync()) };
  });
}

interface DepthwiseCase {
  n: number;
  h: number;
  w: number;
  c: number;
  m: number;
  fh: number;
  fw: number;
  strides: number | [number, number];
  pad: Pad;
  rounding?: Rounding;
}

/** Both kernels of one case against cpu; returns [input error, filter error]. */
async function compareCase(c: DepthwiseCase, r: () => number): Promise<[number, number]> {
  const inputShape = [c.n, c.h, c.w, c.c];
  const filterShape = [c.fh, c.fw, c.c, c.m];
  const info = tf.backend_util.computeConv2DInfo(inputShape as [number, number, number, number], filterShape as [number, number, number, number], c.strides, 1, c.pad, c.rounding, true);
  const attrs: tf.NamedAttrMap = { strides: c.strides, dilations: 1, pad: c.pad };
  if (c.rounding !== undefined) attrs['dimRoundingMode'] = c.rounding;
  const dy = values(r, info.outShape);
  const x = values(r, inputShape);
  const filter = values(r, filterShape);
  const errors: number[] = [];
  for (const [name, inputs, extra] of [
    [INPUT, { dy, filter }, { inputShape }],
    [FILTER, { x, dy }, { filterShape }],
  ] as const) {
    const expected = await runOn('cpu', name, inputs, { ...attrs, ...extra });
    const actual = await runOn('wasm', name, inputs, { ...attrs, ...extra });
    expect(actual.shape).toEqual(expected.shape);
    errors.push(relativeError(actual.data, expected.data));
  }
  return [errors[0], errors[1]];
}

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('registration', () => {
  it('registers ours on wasm, in place of the cpu fallback', () => {
    registerTrainingKernels();
    expect(tf.getKernel(FILTER, 'wasm')).toBe(depthwiseConv2dBackpropFilterConfig);
    expect(tf.getKernel(INPUT, 'wasm')).toBe(depthwiseConv2dBackpropInputConfig);
    expect(cpuFallbackKernels.has(FILTER)).toBe(false);
    expect(cpuFallbackKernels.has(INPUT)).toBe(false);
  });
});

describe('against cpu', () => {
  it('strides 1 and 2, same and valid, multiplier 1 and 2, batch 1 and 32', async () => {
    const r = rng(21);
    const worst = { input: 0, filter: 0 };
    for (const n of [1, 32]) {
      for (const strides of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) {
          for (const m of [1, 2]) {
            const c: DepthwiseCase = { n, h: 9, w: 8, c: 3, m, fh: 3, fw: 3, strides, pad };
            const [input, filter] = await compareCase(c, r);
            if (input > TOLERANCE || filter > TOLERANCE) throw new Error(`${JSON.stringify(c)}: errors ${input}, ${filter}`);
            worst.input = Math.max(worst.input, input);
            worst.filter = Math.max(worst.filter, filter);
          }
        }
      }
    }
    expect(worst.input).toBeLessThanOrEqual(TOLERANCE);
    expect(worst.filter).toBeLessThanOrEqual(TOLERANCE);
  });

  it("the course CNN's shapes", async () => {
    const r = rng(22);
    for (const c of [
      { n: 32, h: 28, w: 28, c: 1, m: 1, fh: 3, fw: 3, strides: 1, pad: 'same' },
      { n: 32, h: 14, w: 14, c: 16, m: 1, fh: 3, fw: 3, strides: 1, pad: 'same' },
      { n: 8, h: 13, w: 13, c: 16, m: 2, fh: 5, fw: 5, strides: 2, pad: 'valid' },
    ] satisfies DepthwiseCase[]) {
      const [input, filter] = await compareCase(c, r);
      expect(input).toBeLessThanOrEqual(TOLERANCE);
      expect(filter).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('seeded random shapes, strides, numeric and explicit paddings, rounding modes', async () => {
    const r = rng(23);
    let done = 0;
    while (done < 40) {
      const fh = int(r, 1, 5);
      const fw = int(r, 1, 5);
      const kind = int(r, 0, 3);
      let pad: Pad = kind === 0 ? 'same' : 'valid';
      let rounding: Rounding;
      if (kind === 2) {
        pad = int(r, 0, Math.min(fh, fw) - 1);
        rounding = ([undefined, 'floor', 'round', 'ceil'] as const)[int(r, 0, 3)];
      } else if (kind === 3) {
        // Paddings up to fh + 1: beyond fh - 1 the stride-1 correlation starts inside dy.
        pad = [[0, 0], [int(r, 0, fh + 1), int(r, 0, fh + 1)], [int(r, 0, fw + 1), int(r, 0, fw + 1)], [0, 0]];
      }
      const c: DepthwiseCase = {
        n: int(r, 1, 4),
        h: int(r, 1, 11),
        w: int(r, 1, 11),
        c: int(r, 1, 5),
        m: int(r, 1, 3),
        fh,
        fw,
        strides: [int(r, 1, 3), int(r, 1, 3)],
        pad,
        rounding,
      };
      let info: tf.backend_util.Conv2DInfo;
      try {
        info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.c], [fh, fw, c.c, c.m], c.strides, 1, pad, rounding, true);
      } catch {
        continue; // tfjs refuses the combination (e.g. rounding with a non-numeric pad)
      }
      if (info.outHeight < 1 || info.outWidth < 1) continue;
      const [input, filter] = await compareCase(c, r);
      if (input > TOLERANCE || filter > TOLERANCE) throw new Error(`${JSON.stringify(c)}: errors ${input}, ${filter}`);
      done++;
    }
  });
});

describe('through gradients', () => {
  async function gradients(backend: 'cpu' | 'wasm', f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Values[]): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    return tf.tidy(() => tf.grads(f)(inputs.map((v) => tf.tensor(v.data, v.shape))).map((g) => Float32Array.from(g.dataSync())));
  }

  it('tf.depthwiseConv2d and tf.separableConv2d: gradients match cpu', async () => {
    const r = rng(24);
    const x = values(r, [4, 10, 9, 3]);
    const depthwise = values(r, [3, 3, 3, 2]);
    const pointwise = values(r, [1, 1, 6, 5]);
    const cases: Array<[string, (...xs: tf.Tensor[]) => tf.Tensor, Values[]]> = [
      ['depthwise stride 2 same', (a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sin().sum(), [x, depthwise]],
      ['depthwise stride 1 valid', (a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid').square().sum(), [x, depthwise]],
      ['separable', (a, b, c) => tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, 1, 'same').relu().sum(), [x, depthwise, pointwise]],
    ];
    for (const [label, f, inputs] of cases) {
      const expected = await gradients('cpu', f, inputs);
      const actual = await gradients('wasm', f, inputs);
      expected.forEach((e, i) => {
        const error = relativeError(actual[i], e);
        if (error > TOLERANCE) throw new Error(`${label}, gradient ${i}: error ${error}`);
      });
    }
  });

  it('a separableConv2d model trains to the same weights as on cpu', async () => {
    const r = rng(25);
    const x = values(r, [8, 12, 12, 2]);
    const y = values(r, [8, 4]);
    const kernels = [values(r, [3, 3, 2, 2]), values(r, [1, 1, 4, 6]), values(r, [6]), values(r, [3, 3, 6, 1]), values(r, [1, 1, 6, 4]), values(r, [4])];
    async function train(backend: 'cpu' | 'wasm'): Promise<Float32Array[]> {
      await tf.setBackend(backend);
      const model = tf.sequential({
        layers: [
          tf.layers.separableConv2d({ inputShape: [12, 12, 2], filters: 6, kernelSize: 3, depthMultiplier: 2, activation: 'relu', padding: 'same' }),
          tf.layers.separableConv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid' }),
          tf.layers.globalAveragePooling2d({}),
        ],
      });
      model.setWeights(kernels.map((v) => tf.tensor(v.data, v.shape)));
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      const xs = tf.tensor(x.data, x.shape);
      const ys = tf.tensor(y.data, y.shape);
      for (let i = 0; i < 3; i++) await model.trainOnBatch(xs, ys);
      const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
      tf.dispose([xs, ys]);
      model.dispose();
      return weights;
    }
    const expected = await train('cpu');
    const actual = await train('wasm');
    expected.forEach((e, i) => expect(relativeError(actual[i], e)).toBeLessThanOrEqual(TOLERANCE));
  });
});

describe('resources and fallbacks', () => {
  it('frees every intermediate', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const r = rng(26);
    const xv = values(r, [2, 9, 9, 3]);
    const fv = values(r, [3, 3, 3, 2]);
    const x = tf.tensor4d(xv.data, [2, 9, 9, 3]);
    const filter = tf.tensor4d(fv.data, [3, 3, 3, 2]);
    const before = backend.numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    tf.tidy(() => {
      for (const [strides, pad] of [[1, 'same'], [2, 'valid'], [2, [[0, 0], [4, 0], [0, 5], [0, 0]]]] as const) {
        const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad as Pad as 'same').sum())([x, filter]);
        gx.dataSync();
        gf.dataSync();
      }
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([x, filter]);
  });

  it('dilations > 1 (no tfjs gradient produces them) run through cpu, identical results', async () => {
    const r = rng(27);
    const attrs = { strides: 1, dilations: [2, 2], pad: 'same' };
    const dy = values(r, [2, 9, 9, 4]);
    for (const [name, inputs, extra] of [
      [INPUT, { dy, filter: values(r, [3, 3, 2, 2]) }, { inputShape: [2, 9, 9, 2] }],
      [FILTER, { x: values(r, [2, 9, 9, 2]), dy }, { filterShape: [3, 3, 2, 2] }],
    ] as const) {
      const expected = await runOn('cpu', name, inputs, { ...attrs, ...extra });
      const actual = await runOn('wasm', name, inputs, { ...attrs, ...extra });
      expect(actual).toEqual(expected);
    }
  });

  it('an attribute cpu refuses gives cpu’s own error', async () => {
    const attrs = { strides: 1, pad: 'full', inputShape: [1, 4, 4, 1] };
    const inputs = { dy: values(rng(28), [1, 4, 4, 1]), filter: values(rng(29), [3, 3, 1, 1]) };
    const cpuError = await runOn('cpu', INPUT, inputs, attrs).then(() => undefined, (err: unknown) => String(err));
    const wasmError = await runOn('wasm', INPUT, inputs, attrs).then(() => undefined, (err: unknown) => String(err));
    expect(cpuError).toBeDefined();
    expect(wasmError).toBe(cpuError);
  });
});
