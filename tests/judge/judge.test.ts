/**
 * The judge process (grader/judge) with real processes: hostile saved models written by hand
 * (saved-models.ts) are refused before any tensor is allocated, with the numbers; a judge that
 * times out, runs out of memory or dies is a clear failure; and after each, this process (the
 * grader) is alive, its tensor backend works, and a normal model is judged right.
 */
import * as tf from '@tensorflow/tfjs';
import { judgeFor, judgeStudentModel, ModelLoadError, predictImages, type JudgedModel } from '../../assignments/mnist-mlp/student-models';
import { Judge, JudgeFailure } from '../../grader/judge/judge-client';
import { initBackend } from '../../grader/tensors';
import { activationBomb, computeBomb, deeplyNested, layer, sequential, smallModel, unfilledDense, weights, wireModel } from './saved-models';

const IMAGES = { count: 3, rows: 28, cols: 28, images: Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 7) % 256) };

/** A grading's context as far as the judge needs it: its shared work and its backend. */
function gradingContext() {
  const shared = new Map<string, Promise<unknown>>();
  return {
    backend: tf.getBackend(),
    shared<T>(key: string, make: () => Promise<T>): Promise<T> {
      if (!shared.has(key)) shared.set(key, make());
      return shared.get(key) as Promise<T>;
    },
  };
}

/** smallModel(0.01)'s logits, by hand: every logit is 0.01·Σ pixels + 0.01. */
function expectedLogits(): number[] {
  const out: number[] = [];
  for (let i = 0; i < IMAGES.count; i++) {
    let sum = 0;
    for (let p = 0; p < 784; p++) sum += IMAGES.images[i * 784 + p] / 255;
    for (let c = 0; c < 10; c++) out.push(0.01 * sum + 0.01);
  }
  return out;
}

/** The grader is alive and its backend computes; a normal model is judged right. */
async function stillGrades(ctx: ReturnType<typeof gradingContext>): Promise<void> {
  expect(tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]).toBe(5);
  const model = await judgeStudentModel(ctx, smallModel(), 'the trained model');
  try {
    const { values, shape } = await predictImages(model, IMAGES, 'the trained model');
    expect(shape).toEqual([3, 10]);
    const expected = expectedLogits();
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
  } finally {
    model.dispose();
  }
}

async function refusal(ctx: ReturnType<typeof gradingContext>, value: unknown): Promise<ModelLoadError> {
  const err = await judgeStudentModel(ctx, value, 'the trained model').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModelLoadError);
  return err as ModelLoadError;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('a grading judge', () => {
  const ctx = gradingContext();
  afterAll(async () => (await judgeFor(ctx)).close());

  it('loads a normal model in a process of its own, describes it and runs it', async () => {
    const model: JudgedModel = await judgeStudentModel(ctx, smallModel(), 'buildModel()');
    expect(model.inputs.map((i) => i.shape)).toEqual([[null, 28, 28, 1]]);
    expect(model.outputs.map((o) => o.shape)).toEqual([[null, 10]]);
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Flatten', 'Dense']);
    expect(model.trainableWeights.map((w) => w.shape)).toEqual([[784, 10], [10]]);
    expect(model.outputLayers[0].inboundNodes[0].inboundLayers[0].getClassName()).toBe('Flatten');
    model.dispose();
    const pid = (await judgeFor(ctx)).pid;
    expect(pid).toBeDefined();
    expect(pid).not.toBe(process.pid);
    await stillGrades(ctx);
  });

  it('refuses a compute bomb (UpSampling2D then convolutions) with its multiply-adds', async () => {
    const err = await refusal(ctx, computeBomb(12));
    expect(err.text.en).toMatch(/needs about \d+ M multiply-adds per image .* up to 22\.1 M per image \(20× the reference\)/);
    expect(err.text.en).toMatch(/Heaviest layers: c\d+ \(Conv2D\)/);
    expect(err.text.ru).toMatch(/млн умножений-сложений на изображение/);
    await stillGrades(ctx);
  });

  it('refuses an activation-memory bomb with its values per image', async () => {
    const err = await refusal(ctx, activationBomb());
    expect(err.text.en).toMatch(/produces about 31\.4 M values per image .*125 MB/);
    expect(err.text.ru).toMatch(/31,4 млн значений на изображение/);
    await stillGrades(ctx);
  });

  it('refuses a layer that declares more parameters than the grader loads, before allocating it', async () => {
    const err = await refusal(ctx, unfilledDense(1_000_000));
    expect(err.text.en).toMatch(/declares 785 M parameters in its layers, more than the 16\.8 M/);
    await stillGrades(ctx);
  });

  it('refuses a layer that its saved weights do not fill', async () => {
    const err = await refusal(ctx, unfilledDense(2_000));
    expect(err.text.en).toMatch(/declares 1,570,000 parameters in its layers, but its saved weights hold only 7,850/);
    expect(err.text.ru).toMatch(/сохранённые веса содержат только/);
    await stillGrades(ctx);
  });

  it('refuses malformed, deeply nested and shapeless topologies', async () => {
    expect((await refusal(ctx, wireModel({ class_name: 'Sequential', config: { layers: 'not a list' } }, weights([])))).text.en).toMatch(/could not be loaded from its saved form/);
    expect((await refusal(ctx, wireModel(['not', 'a', 'model'], weights([])))).text.en).toMatch(/could not be loaded from its saved form \(the saved topology is not an object\)/);
    expect((await refusal(ctx, deeplyNested(2_000))).text.en).toMatch(/unreadable or oversized topology/);
    // Sizes left open: the cost could not be bounded, whatever the images.
    const open = wireModel(sequential([layer('UpSampling2D', 'up', { size: [50, 50], data_format: 'channels_last' })], [null, null, null, 1]), weights([]));
    expect((await refusal(ctx, open)).text.en).toMatch(/has a shape with an unknown size/);
    // A custom class still never reaches the judge (student-models' rule).
    expect((await refusal(ctx, wireModel(sequential([layer('MyLayer', 'mine')]), weights([])))).text.en).toMatch(/custom class 'MyLayer'/);
    await stillGrades(ctx);
  });

  it('reports a model that cannot take the images in the words of predictAll', async () => {
    const model = await judgeStudentModel(ctx, wireModel(sequential([layer('Flatten', 'flat'), layer('Dense', 'd', { units: 10, activation: 'linear', use_bias: false })], [null, 30, 30, 1]), weights([{ name: 'd/kernel', shape: [900, 10] }])), 'buildModel()');
    try {
      const err = await predictImages(model, IMAGES, 'buildModel()').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelLoadError);
      expect((err as ModelLoadError).text.en).toMatch(/^buildModel\(\) cannot take a batch of images \[3, 28, 28, 1\]: /);
    } finally {
      model.dispose();
    }
    await stillGrades(ctx);
  });

  it('starts a fresh judge when the one holding a model dies', async () => {
    const model = await judgeStudentModel(ctx, smallModel(), 'the trained model');
    const judge = await judgeFor(ctx);
    const pid = judge.pid as number;
    const gone = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        try {
          process.kill(pid, 0);
        } catch {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    process.kill(pid, 'SIGKILL');
    await gone;
    const err = await predictImages(model, IMAGES, 'the trained model').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).text.en).toMatch(/judge process, which runs the trained model, stopped unexpectedly/);
    await stillGrades(ctx);
    expect(judge.pid).toBeDefined();
    expect(judge.pid).not.toBe(pid);
  });
});

describe('a judge over its limits', () => {
  it('is retired when it answers with an error, and the next request gets a fresh one', async () => {
    const judge = new Judge({ backend: tf.getBackend() });
    try {
      const held = await judge.load(smallModel().artifacts as never, 'the trained model');
      const pid = judge.pid;
      // Inputs that do not fill their shape: the judge answers 'error' (a grader bug, never the student's).
      const err = await judge.predict(held, new Float32Array(5), [3, 28, 28, 1], 500, 'the trained model').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JudgeFailure);
      expect((err as JudgeFailure).kind).toBe('broken');
      expect((err as JudgeFailure).text.en).toMatch(/judge process, which runs the trained model, failed/);
      expect(judge.pid).toBeUndefined();
      const again = await judge.load(smallModel().artifacts as never, 'the trained model');
      expect(judge.pid).toBeDefined();
      expect(judge.pid).not.toBe(pid);
      const inputs = Float32Array.from(IMAGES.images, (b) => b / 255);
      const { values } = await judge.predict(again, inputs, [3, 28, 28, 1], 500, 'the trained model');
      const expected = expectedLogits();
      values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    } finally {
      judge.close();
    }
  });

  it('is stopped when it runs out of time, and the next judge works', async () => {
    const judge = new Judge({ backend: tf.getBackend(), requestTimeoutMs: 1 });
    try {
      const err = await judge.load(smallModel().artifacts as never, 'the trained model').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JudgeFailure);
      expect((err as JudgeFailure).kind).toBe('timeout');
      expect((err as JudgeFailure).text.en).toMatch(/took longer than 0 s and was stopped/);
      expect(judge.pid).toBeUndefined();
    } finally {
      judge.close();
    }
    await stillGrades(gradingContextClosedAfter());
  });

  it('is stopped when it needs more memory than allowed, and the next judge works', async () => {
    // Node with TF.js alone needs more than 40 MB resident.
    const judge = new Judge({ backend: tf.getBackend(), memoryLimitMb: 40 });
    try {
      const err = await judge.load(smallModel().artifacts as never, 'the trained model').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JudgeFailure);
      expect((err as JudgeFailure).kind).toBe('memory');
      expect((err as JudgeFailure).text.en).toMatch(/needed more than 40 MB of memory and was stopped/);
      expect((err as JudgeFailure).text.ru).toMatch(/больше 40 МБ памяти/);
      expect(judge.pid).toBeUndefined();
    } finally {
      judge.close();
    }
    await stillGrades(gradingContextClosedAfter());
  });
});

const opened: Array<ReturnType<typeof gradingContext>> = [];
/** A grading context whose judge is closed after the tests. */
function gradingContextClosedAfter(): ReturnType<typeof gradingContext> {
  const ctx = gradingContext();
  opened.push(ctx);
  return ctx;
}
afterAll(async () => {
  for (const ctx of opened) (await judgeFor(ctx)).close();
});
