/**
 * grader/runner/trusted-tf.ts in a real runner: the tensor and buffer counts, the backend lock
 * and the autograd watch hold against a submission that patches what it can reach (tf.memory,
 * the engine's memory() and state, the engine's own methods) before any probe runs. Each case
 * also shows that the naive count (tf.memory()) is fooled, so the test can fail.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunnerClient } from '../../grader/runner/runner-client';

let dir: string;
let probesPath: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trusted-tf-test-'));
  probesPath = path.join(dir, 'probes.js');
  fs.writeFileSync(
    probesPath,
    `exports.probes = {
      count: (ctx, name, n) => {
        const t0 = ctx.trusted.liveTensors();
        const b0 = ctx.trusted.liveBuffers().count;
        const naive0 = ctx.tf.memory().numTensors;
        ctx.student[name](n);
        return { tensors: ctx.trusted.liveTensors() - t0, buffers: ctx.trusted.liveBuffers().count - b0, measured: ctx.trusted.liveBuffers().measured, naive: ctx.tf.memory().numTensors - naive0 };
      },
      autograd: (ctx, name) => {
        const x = ctx.tf.tensor1d([1, 2, 3]);
        const watch = ctx.trusted.watchAutograd(true, 7);
        let out;
        try { out = ctx.student[name](x); } finally { watch.stop(); }
        const got = Array.from(out.dataSync());
        return { calls: watch.calls, returnsReplaced: watch.replaced.some((r) => r.values.length === got.length && got.every((v, i) => v === r.values[i])), got };
      },
      values: (ctx, name) => {
        const t = ctx.tf.tensor1d([1, 2, 3]);
        const before = ctx.trusted.values(t);
        ctx.student[name](t);
        return { before, after: ctx.trusted.values(t), naive: Array.from(t.dataSync()), naiveDisposed: t.isDisposed };
      },
      reassigned: (ctx) => {
        const v = ctx.tf.variable(ctx.tf.zeros([3]));
        const mark = ctx.trusted.tensorMark();
        for (let i = 0; i < 5; i++) ctx.tf.tidy(() => { v.assign(ctx.tf.ones([3]).mul(i)); });
        const kept = ctx.tf.tidy(() => ctx.tf.keep(ctx.tf.ones([2])));
        const out = ctx.trusted.aliveSince(mark);
        ctx.tf.dispose([v, kept]);
        return out;
      },
      kernelUse: async (ctx, name) => {
        const tf = ctx.tf;
        const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 3 }), tf.layers.dense({ units: 1 })] });
        const use = ctx.trusted.watchKernelUse(model.weights[0].val);
        try { await ctx.student[name](model); } finally { use.stop(); }
        const after = use.elements;
        tf.tidy(() => model.predict(tf.ones([4, 2])));
        return { elements: after, afterStop: use.elements };
      },
      feed: async (ctx, name) => {
        const tf = ctx.tf;
        const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 3, kernelInitializer: tf.initializers.ones() }), tf.layers.dense({ units: 1 })] });
        ctx.student.prepare?.(model);
        const batches = [];
        const installed = ctx.trusted.watchLayerInputs(model.layers[0], (values) => batches.push(Array.from(values)));
        await ctx.student[name](model);
        return { installed, batches };
      },
    };`,
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FORGER = `const tf = require('@tensorflow/tfjs');
  const engine = tf.engine();
  const frozen = tf.memory();
  const fake = () => ({ ...frozen });
  Object.getPrototypeOf(engine).memory = fake;
  engine.memory = fake;
  const shown = engine.state.numTensors;
  Object.defineProperty(engine.state, 'numTensors', { get: () => shown, set: () => undefined });
  const kept = [];
  exports.locks = [];
  for (const name of ['trackTensor', 'disposeTensor', 'gradients', 'runKernel']) {
    const replacement = () => undefined;
    engine[name] = replacement; // sloppy mode: a locked property ignores the assignment silently
    if (engine[name] === replacement) exports.locks.push('replaced ' + name);
    try { Object.defineProperty(engine, name, { value: replacement }); } catch { exports.locks.push(name); }
  }
  exports.leak = (n) => { for (let i = 0; i < n; i++) kept.push(tf.ones([64])); };
  // Hides the leaked tensors from the engine's bookkeeping, then "disposes" them: the engine
  // forgets them without the backend freeing their memory.
  exports.hideAndDispose = (n) => {
    for (let i = 0; i < n; i++) { const t = tf.ones([64]); engine.state.tensorInfo.delete(t.dataId); t.dispose(); }
  };
  exports.tidy = (n) => { for (let i = 0; i < n; i++) tf.tidy(() => { tf.ones([64]).add(1); }); };
  exports.switchBackend = () => { try { engine.backendInstance = {}; return 'switched'; } catch (e) { return String(e.message); } };
  exports.byAutograd = (x) => tf.grad((a) => a.square().sum())(x);
  exports.byHand = (x) => { tf.dispose(tf.grad((a) => a.square().sum())(x)); return x.mul(2); };
  exports.getLocks = () => exports.locks;`;

function bundle(name: string, code: string): string {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, code);
  return file;
}

describe.each(['wasm', 'cpu'] as const)('trusted TF.js on %s', (backend) => {
  let runner: RunnerClient;
  beforeAll(async () => {
    runner = await RunnerClient.start({ bundlePath: bundle(`forger-${backend}`, FORGER), probesPath, backend, heapMb: 256, startTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(() => runner.kill());

  it('counts leaked tensors that a patched tf.memory() hides', async () => {
    const r = (await runner.call('probe', 'count', ['leak', 5], 30_000)) as { tensors: number; buffers: number; naive: number; measured: boolean };
    expect(r.naive).toBe(0);
    expect(r.tensors).toBe(5);
    expect(r.measured).toBe(true);
    expect(r.buffers).toBe(5);
  });

  it('still sees the memory of tensors hidden from the engine and then disposed', async () => {
    const r = (await runner.call('probe', 'count', ['hideAndDispose', 4], 30_000)) as { tensors: number; buffers: number };
    expect(r.tensors).toBe(0);
    expect(r.buffers).toBe(4);
  });

  it('counts nothing for work that disposes what it makes', async () => {
    const r = (await runner.call('probe', 'count', ['tidy', 20], 30_000)) as { tensors: number; buffers: number };
    expect(r).toMatchObject({ tensors: 0, buffers: 0 });
  });

  it('counts a tensor born after a mark, not an older variable given new values (assign re-tracks it)', async () => {
    expect(await runner.call('probe', 'reassigned', [], 30_000)).toBe(1);
  });

  it('keeps its hooks: the engine methods and the backend cannot be replaced', async () => {
    expect(await runner.call('export', 'getLocks', [], 10_000)).toEqual(['trackTensor', 'disposeTensor', 'gradients', 'runKernel']);
    expect(await runner.call('export', 'switchBackend', [], 10_000)).toMatch(/switching the TensorFlow.js backend .* is not allowed/);
  });

  it("tells autograd's answers from hand-written ones", async () => {
    const auto = (await runner.call('probe', 'autograd', ['byAutograd'], 30_000)) as { calls: number; returnsReplaced: boolean; got: number[] };
    expect(auto.calls).toBe(1);
    expect(auto.returnsReplaced).toBe(true);
    // The replacement values lie in [1, 5), not the true gradient 2x = [2, 4, 6].
    expect(auto.got).not.toEqual([2, 4, 6]);
    const hand = (await runner.call('probe', 'autograd', ['byHand'], 30_000)) as { calls: number; returnsReplaced: boolean; got: number[] };
    expect(hand.calls).toBe(1);
    expect(hand.returnsReplaced).toBe(false);
    expect(hand.got).toEqual([2, 4, 6]);
  });
});

/**
 * What a model's first layer is fed while gradients are taken: watched through trusted hooks
 * that a submission can neither swap out, silence unnoticed, nor feed made-up batches to.
 * The clean batch is [[1, 2], [3, 4]]; a made-up one is [[9, 9]].
 */
const FEEDER = `const tf = require('@tensorflow/tfjs');
  const clean = () => tf.tensor2d([[1, 2], [3, 4]]);
  const target = () => tf.tensor2d([[1], [0]]);
  const step = (model, loss) => { const opt = tf.train.sgd(0.01); opt.minimize(loss); opt.dispose(); };
  exports.byMinimize = (model) => step(model, () => tf.losses.meanSquaredError(target(), model.apply(clean())));
  exports.byFit = async (model) => { model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }); await model.fit(clean(), target(), { epochs: 1, batchSize: 2, shuffle: false }); };
  exports.outsideGradients = (model) => { model.predict(clean()); };
  // Reads the watch off the layer and feeds it a made-up batch inside a gradient whose loss does
  // not use that output; the real step runs on the clean batch through the layers' weights only.
  exports.feedsTheWatch = (model) => {
    const layer = model.layers[0];
    const watch = layer.call;
    const [k1, b1] = layer.getWeights();
    step(model, () => {
      watch.call(layer, tf.tensor2d([[9, 9]]), {});
      const h = tf.matMul(clean(), layer.kernel.read()).add(layer.bias.read());
      return tf.losses.meanSquaredError(target(), model.layers[1].apply(h));
    });
  };
  // Swaps the watch out for the layer's own call.
  exports.swapsTheWatch = (model) => {
    const layer = model.layers[0];
    const own = Object.getPrototypeOf(layer).call;
    try { layer.call = own; } catch {}
    try { Object.defineProperty(layer, 'call', { value: own }); } catch {}
    exports.byMinimize(model);
  };
  // Locks the layer's call before the grader can watch it.
  exports.prepare = (model) => {
    if (!exports.lockFirst) return;
    const layer = model.layers[0];
    const own = layer.call;
    Object.defineProperty(layer, 'call', { get: () => own, set: () => undefined, configurable: false });
  };
  exports.lockFirst = false;
  exports.setLock = (on) => { exports.lockFirst = on; };`;

describe.each(['wasm', 'cpu'] as const)('the layer feed watch on %s', (backend) => {
  let runner: RunnerClient;
  beforeAll(async () => {
    runner = await RunnerClient.start({ bundlePath: bundle(`feeder-${backend}`, FEEDER), probesPath, backend, heapMb: 256, startTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(() => runner.kill());
  const feed = async (name: string) => (await runner.call('probe', 'feed', [name], 30_000)) as { installed: boolean; batches: number[][] };

  it('sees the batch a training step feeds, with minimize and with fit', async () => {
    expect(await feed('byMinimize')).toEqual({ installed: true, batches: [[1, 2, 3, 4]] });
    expect(await feed('byFit')).toEqual({ installed: true, batches: [[1, 2, 3, 4]] });
  });

  it('sees nothing outside a gradient', async () => {
    expect(await feed('outsideGradients')).toEqual({ installed: true, batches: [] });
  });

  it('ignores a made-up batch fed to the watch whose output the loss does not use', async () => {
    expect(await feed('feedsTheWatch')).toEqual({ installed: true, batches: [] });
  });

  it('cannot be swapped out', async () => {
    expect(await feed('swapsTheWatch')).toEqual({ installed: true, batches: [[1, 2, 3, 4]] });
  });

  it("says so when the layer's call was locked before the watch", async () => {
    await runner.call('export', 'setLock', [true], 10_000);
    try {
      expect(await feed('byMinimize')).toEqual({ installed: false, batches: [] });
    } finally {
      await runner.call('export', 'setLock', [false], 10_000);
    }
  });
});

/**
 * What ran through a model's first weight, whatever the style: predict, apply, hand-written
 * ops on getWeights(); nothing for a call that never runs the model, even when it patches the
 * model's predict and the engine's runKernel on the prototype.
 */
const KERNEL_USER = `const tf = require('@tensorflow/tfjs');
  const engine = tf.engine();
  Object.getPrototypeOf(engine).runKernel = function () { throw new Error('patched'); };
  exports.predicts = (model) => tf.tidy(() => { model.predict(tf.ones([5, 2])); });
  exports.applies = (model) => tf.tidy(() => { model.apply(tf.ones([5, 2]), { training: false }); });
  exports.byHand = (model) => tf.tidy(() => { const [w, b] = model.getWeights(); tf.ones([5, 2]).matMul(w).add(b); });
  exports.nothing = (model) => { model.predict = () => tf.zeros([5, 1]); return model.predict(tf.ones([5, 2])).dispose(); };
  exports.otherWork = (model) => tf.tidy(() => { tf.ones([5, 2]).matMul(tf.ones([2, 3])); });`;

describe.each(['wasm', 'cpu'] as const)('the kernel use watch on %s', (backend) => {
  let runner: RunnerClient;
  beforeAll(async () => {
    runner = await RunnerClient.start({ bundlePath: bundle(`kernel-user-${backend}`, KERNEL_USER), probesPath, backend, heapMb: 256, startTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(() => runner.kill());
  const use = async (name: string) => (await runner.call('probe', 'kernelUse', [name], 30_000)) as { elements: number; afterStop: number };

  it('sees the data that met the first weight, by predict, apply or by hand', async () => {
    for (const name of ['predicts', 'applies', 'byHand']) expect({ name, ...(await use(name)) }).toEqual({ name, elements: 10, afterStop: 10 });
  });

  it('sees nothing for a call that never ran the model', async () => {
    expect(await use('nothing')).toEqual({ elements: 0, afterStop: 0 });
    expect(await use('otherWork')).toEqual({ elements: 0, afterStop: 0 });
  });
});

/**
 * A submission that changes a tensor it was given in place (through the backend's memory) and
 * hides it: dataSync patched on the prototype to answer the old values, isDisposed to answer
 * false. The trusted reader sees the change (and a disposal); the naive reads do not.
 */
const MUTATOR = `const tf = require('@tensorflow/tfjs');
  const seen = new WeakMap();
  const proto = Object.getPrototypeOf(tf.tensor1d([0]));
  const dataSync = proto.dataSync;
  proto.dataSync = function () { return seen.has(this) ? seen.get(this) : dataSync.call(this); };
  Object.defineProperty(proto, 'isDisposed', { get() { return false; }, configurable: true });
  exports.mutate = (t) => {
    seen.set(t, Float32Array.from(dataSync.call(t)));
    const backend = tf.engine().backend;
    if (backend.dataIdMap) {
      const { memoryOffset } = backend.dataIdMap.get(t.dataId);
      new Float32Array(backend.wasm.HEAPU8.buffer, memoryOffset, 3).set([7, 8, 9]);
    } else {
      backend.data.get(t.dataId).values.set([7, 8, 9]);
    }
  };
  exports.dispose = (t) => { seen.set(t, Float32Array.from(dataSync.call(t))); t.dispose(); };
  exports.nothing = () => undefined;`;

describe.each(['wasm', 'cpu'] as const)('the trusted reader on %s', (backend) => {
  let runner: RunnerClient;
  beforeAll(async () => {
    runner = await RunnerClient.start({ bundlePath: bundle(`mutator-${backend}`, MUTATOR), probesPath, backend, heapMb: 256, startTimeoutMs: 60_000 });
  }, 90_000);
  afterAll(() => runner.kill());
  const values = async (name: string) => (await runner.call('probe', 'values', [name], 30_000)) as { before: number[] | null; after: number[] | null; naive: number[]; naiveDisposed: boolean };

  it('sees an in-place change that a patched dataSync hides', async () => {
    expect(await values('mutate')).toEqual({ before: [1, 2, 3], after: [7, 8, 9], naive: [1, 2, 3], naiveDisposed: false });
  });

  it('sees a disposal that a patched isDisposed hides', async () => {
    const r = await values('dispose');
    expect(r.before).toEqual([1, 2, 3]);
    expect(r.after).toBeNull();
    expect(r.naiveDisposed).toBe(false);
  });

  it('reads what is there when nothing happened', async () => {
    expect(await values('nothing')).toMatchObject({ before: [1, 2, 3], after: [1, 2, 3] });
  });
});
