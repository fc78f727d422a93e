/**
 * Backend selection. In this environment @tensorflow/tfjs-node is not installed (its install
 * needs to download libtensorflow), so the default order lands on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, initBackend } from '../../grader/tensors';

describe('initBackend', () => {
  const saved = process.env.GRADER_BACKEND;

  afterEach(() => {
    if (saved === undefined) delete process.env.GRADER_BACKEND;
    else process.env.GRADER_BACKEND = saved;
  });

  it("falls through to 'wasm' when tfjs-node is absent", async () => {
    delete process.env.GRADER_BACKEND;
    await expect(initBackend()).resolves.toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it("selects 'cpu' when asked", async () => {
    await expect(initBackend('cpu')).resolves.toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('honours GRADER_BACKEND', async () => {
    process.env.GRADER_BACKEND = 'cpu';
    await expect(initBackend()).resolves.toBe('cpu');
    process.env.GRADER_BACKEND = 'wasm';
    await expect(initBackend()).resolves.toBe('wasm');
  });

  it('rejects an unknown GRADER_BACKEND with the valid names', async () => {
    process.env.GRADER_BACKEND = 'bogus';
    const err: unknown = await initBackend().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'bogus' });
    expect(String(err)).toMatch(/tensor backend 'bogus' is not available: GRADER_BACKEND must be one of tensorflow, wasm, cpu/);
  });

  it("reports an explicit 'tensorflow' that cannot load instead of falling back", async () => {
    delete process.env.GRADER_BACKEND;
    const err: unknown = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err).toMatchObject({ backend: 'tensorflow' });
    // (Under jest the module error is not an instance of this realm's Error, hence the prefix.)
    expect(String(err)).toMatch(/tensor backend 'tensorflow' is not available: (Error: )?Cannot find module '@tensorflow\/tfjs-node'/);
  });
});
