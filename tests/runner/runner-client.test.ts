/**
 * The runner process on its own: loading a bundle, calls, and each way a call can fail.
 * Bundles here are hand-written CommonJS, as the compile step would produce.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunnerClient } from '../../grader/runner/runner-client';
import { RunnerKilledError, RunnerTimeoutError, StudentCodeError } from '../../grader/runner/runner-errors';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-test-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function bundle(name: string, code: string): string {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, code);
  return file;
}

function start(bundlePath: string, extra: Partial<Parameters<typeof RunnerClient.start>[0]> = {}) {
  return RunnerClient.start({ bundlePath, probesPath: null, backend: 'cpu', heapMb: 256, startTimeoutMs: 20_000, ...extra });
}

describe('RunnerClient', () => {
  it('calls exports with tensors and returns plain tensors', async () => {
    const runner = await start(
      bundle('ok', `const tf = require('@tensorflow/tfjs');
        exports.double = (t) => t.mul(2);
        exports.pair = async (n) => ({ n: n + 1, list: [tf.scalar(n)] });`),
    );
    try {
      expect(runner.exports.sort()).toEqual(['double', 'pair']);
      const out = (await runner.call('export', 'double', [{ kind: 'tensor', shape: [3], dtype: 'float32', data: new Float32Array([1, 2, 3]) }], 10_000)) as { shape: number[]; data: Float32Array };
      expect(out.shape).toEqual([3]);
      expect(Array.from(out.data)).toEqual([2, 4, 6]);
      const pair = (await runner.call('export', 'pair', [4], 10_000)) as { n: number; list: Array<{ data: Float32Array }> };
      expect(pair.n).toBe(5);
      expect(Array.from(pair.list[0].data)).toEqual([4]);
    } finally {
      runner.kill();
    }
  });

  it('reports a thrown error with its message and keeps the runner alive', async () => {
    const runner = await start(bundle('throws', `exports.bad = () => { throw new RangeError('index out of range'); }; exports.good = () => 1;`));
    try {
      await expect(runner.call('export', 'bad', [], 10_000)).rejects.toThrow(StudentCodeError);
      await expect(runner.call('export', 'bad', [], 10_000)).rejects.toThrow(/RangeError: index out of range/);
      expect(runner.alive).toBe(true);
      await expect(runner.call('export', 'good', [], 10_000)).resolves.toBe(1);
    } finally {
      runner.kill();
    }
  });

  it('refuses imports other than @tensorflow/tfjs at load time', async () => {
    await expect(start(bundle('imports-fs', `const fs = require('fs'); exports.x = 1;`))).rejects.toThrow(/import of 'fs' is not allowed/);
  });

  it('times out an endless loop and kills the runner', async () => {
    const runner = await start(bundle('loop', `exports.spin = () => { for (;;) {} };`));
    const t0 = Date.now();
    await expect(runner.call('export', 'spin', [], 1_000)).rejects.toThrow(RunnerTimeoutError);
    expect(Date.now() - t0).toBeLessThan(30_000); // killed, not left spinning; generous for a busy machine
    expect(runner.alive).toBe(false);
  });

  it('times out a promise that never settles', async () => {
    const runner = await start(bundle('never', `exports.wait = () => new Promise(() => {});`));
    await expect(runner.call('export', 'wait', [], 1_000)).rejects.toThrow(RunnerTimeoutError);
  });

  it('times out an endless loop at import', async () => {
    await expect(start(bundle('loop-at-import', `for (;;) {}`), { startTimeoutMs: 1_500 })).rejects.toThrow(RunnerTimeoutError);
  });

  it('reports process.exit inside a call as killed', async () => {
    const runner = await start(bundle('exit', `exports.quit = () => globalThis.process.exit(0);`));
    await expect(runner.call('export', 'quit', [], 10_000)).rejects.toThrow(RunnerKilledError);
    expect(runner.alive).toBe(false);
  });

  it('kills the runner when it exceeds its heap', async () => {
    const runner = await start(bundle('heap', `exports.grow = () => { const a = []; for (;;) a.push(new Array(1e5).fill(Math.random())); };`), { heapMb: 96 });
    await expect(runner.call('export', 'grow', [], 60_000)).rejects.toThrow(RunnerKilledError);
  });

  it("leaves student code no Node IPC channel to forge replies on", async () => {
    const runner = await start(
      bundle('no-ipc', `exports.probe = () => { const p = globalThis.process; const heard = []; try { p.on('message', (m) => heard.push(m)); } catch {} return { send: typeof p.send, channel: typeof p.channel, heard: heard.length }; };`),
    );
    try {
      await expect(runner.call('export', 'probe', [], 5_000)).resolves.toEqual({ send: 'undefined', channel: 'undefined', heard: 0 });
      await expect(runner.call('export', 'probe', [], 5_000)).resolves.toEqual({ send: 'undefined', channel: 'undefined', heard: 0 });
    } finally {
      runner.kill();
    }
  });

  it('caps what the submission prints', async () => {
    const runner = await start(bundle('flood', `exports.flood = () => { for (let i = 0; i < 5000; i++) console.log('x'.repeat(100)); return 1; };`), { outputCapBytes: 4096 });
    try {
      await runner.call('export', 'flood', [], 10_000);
      await new Promise((r) => setTimeout(r, 200));
      const printed = runner.printed();
      expect(printed.length).toBeLessThan(4096 + 200);
      expect(printed).toMatch(/more bytes of output dropped/);
    } finally {
      runner.kill();
    }
  });

  it('does not pass the grader environment to the runner', async () => {
    process.env.GRADER_TEST_SECRET = 'hunter2';
    const runner = await start(bundle('env', `exports.env = () => JSON.stringify(globalThis.process.env);`));
    try {
      const env = (await runner.call('export', 'env', [], 10_000)) as string;
      expect(env).not.toContain('hunter2');
    } finally {
      runner.kill();
      delete process.env.GRADER_TEST_SECRET;
    }
  });
});
