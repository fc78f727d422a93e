/**
 * The runner channel with real runner processes. Student code here gets Node's fs and v8
 * through a preload (as if it had found a route the sandbox missed: Node 20's permission
 * model does not cover open descriptors) and writes what it likes on every descriptor of the
 * channel. Whatever it writes, the runner is stopped with a message saying why, the grader
 * (this process) keeps running, and a fresh runner works.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TO_GRADER_FD, TO_RUNNER_FD } from '../../grader/runner/channel';
import { minimalEnv, RunnerClient, type RunnerOptions } from '../../grader/runner/runner-client';
import { RunnerKilledError, StudentCodeError } from '../../grader/runner/runner-errors';

let dir: string;
let preload: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-channel-test-'));
  preload = path.join(dir, 'preload.js');
  fs.writeFileSync(preload, `globalThis.__fs = require('fs'); globalThis.__v8 = require('v8');`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, code: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, code);
  return p;
}

/** Starts a runner whose student code can reach fs and v8 (globalThis.__fs, __v8). */
function start(bundleCode: string, extra: Partial<RunnerOptions> = {}): Promise<RunnerClient> {
  return RunnerClient.start({
    bundlePath: file(`bundle-${Math.random().toString(36).slice(2)}.js`, bundleCode),
    probesPath: null,
    backend: 'cpu',
    heapMb: 256,
    startTimeoutMs: 20_000,
    launcher: (cmd) => ({ command: cmd[0], args: ['--require', preload, ...cmd.slice(1)], env: minimalEnv() }),
    ...extra,
  });
}

/** A reply nested as deep as v8 serialises it (thousands), as Node's IPC frames it (u32 length + v8 bytes). */
const DEEP_NODE_FRAME = `
  let body;
  for (const depth of [10000, 5000, 2000, 1000]) {
    let deep = 0; for (let i = 0; i < depth; i++) deep = { type: 'result', id: 1, ok: true, value: deep };
    try { body = globalThis.__v8.serialize(deep); break; } catch {}
  }
  const head = Buffer.alloc(4); head.writeUInt32BE(body.length);
  const nodeFrame = Buffer.concat([head, body]);`;

async function expectFreshRunnerWorks(): Promise<void> {
  const runner = await start(`exports.one = () => 1;`);
  try {
    await expect(runner.call('export', 'one', [], 10_000)).resolves.toBe(1);
  } finally {
    runner.kill();
  }
}

describe('runner channel', () => {
  afterEach(expectFreshRunnerWorks);

  it.each([
    ['the replies descriptor', TO_GRADER_FD],
    ['the calls descriptor', TO_RUNNER_FD],
  ])("stops the runner when student code writes a deep frame in Node's IPC format on %s", async (_label, fd) => {
    const runner = await start(`${DEEP_NODE_FRAME}
      exports.forge = () => { globalThis.__fs.writeSync(${fd}, nodeFrame); return new Promise(() => {}); };`);
    const call = runner.call('export', 'forge', [], 20_000);
    await expect(call).rejects.toThrow(RunnerKilledError);
    await expect(call).rejects.toThrow(fd === TO_GRADER_FD ? /over the limit|did not come from the grader's runner/ : /written by student code/);
    expect(runner.alive).toBe(false);
  });

  it("stops the runner when student code forges a reply in the channel's own format, without the key", async () => {
    // A well-formed frame (length, 32 bytes of MAC, body) whose MAC cannot be right.
    const runner = await start(`
      exports.forge = () => {
        const body = Buffer.from([7, 1, 0, 0, 0, 2, 0, 0, 0, 111, 107, 3]);
        const frame = Buffer.alloc(36 + body.length); frame.writeUInt32LE(body.length, 0); body.copy(frame, 36);
        globalThis.__fs.writeSync(${TO_GRADER_FD}, frame);
        return 'honest';
      };`);
    await expect(runner.call('export', 'forge', [], 20_000)).rejects.toThrow(/a reply did not come from the grader's runner \(it failed authentication/);
  });

  it('stops the runner on a length prefix over the cap before reading the frame', async () => {
    const runner = await start(`exports.forge = () => { globalThis.__fs.writeSync(${TO_GRADER_FD}, Buffer.from([0xff, 0xff, 0xff, 0x7f])); return new Promise(() => {}); };`);
    await expect(runner.call('export', 'forge', [], 20_000)).rejects.toThrow(/over the limit of/);
  });

  it('turns a returned value nested 10,000 deep into the call’s error, and the runner lives on', async () => {
    const runner = await start(`
      const tf = require('@tensorflow/tfjs');
      const deep = () => { let d = 0; for (let i = 0; i < 10000; i++) d = { d }; return d; };
      exports.plain = () => deep();
      // A "model" whose save hands over artifacts nested 10,000 deep (wire.ts does not walk them).
      exports.model = () => Object.create(tf.LayersModel.prototype, { save: { value: async (h) => h.save({ modelTopology: deep() }) } });
      exports.one = () => 1;`);
    try {
      await expect(runner.call('export', 'plain', [], 20_000)).rejects.toThrow(/nested deeper than 16 levels/);
      const model = runner.call('export', 'model', [], 20_000);
      await expect(model).rejects.toThrow(StudentCodeError);
      await expect(model).rejects.toThrow(/cannot be sent back to the grader: the value is nested deeper than 64 levels/);
      expect(runner.alive).toBe(true);
      await expect(runner.call('export', 'one', [], 10_000)).resolves.toBe(1);
    } finally {
      runner.kill();
    }
  });

  it('turns a returned value over the frame cap into the call’s error', async () => {
    const runner = await start(`exports.big = () => new Float64Array(1 << 20); exports.one = () => 1;`, { replyLimits: { maxFrameBytes: 1 << 20 } });
    try {
      await expect(runner.call('export', 'big', [], 20_000)).rejects.toThrow(/cannot be sent back to the grader: the value takes more than 1048576 bytes/);
      await expect(runner.call('export', 'one', [], 10_000)).resolves.toBe(1);
    } finally {
      runner.kill();
    }
  });

  it('rate-limits and size-bounds progress reports in the runner', async () => {
    const probes = file(
      'probes.js',
      `exports.probes = {
        flood: (ctx) => { for (let i = 0; i < 5000; i++) ctx.progress({ i }); return 'done'; },
        huge: (ctx) => { ctx.progress({ text: 'x'.repeat(1 << 20) }); ctx.progress({ small: true }); return 'done'; },
      };`,
    );
    const seen: unknown[] = [];
    const runner = await start(`exports.one = () => 1;`, { probesPath: probes, onProgress: (_id, data) => seen.push(data) });
    try {
      await expect(runner.call('probe', 'flood', [], 20_000)).resolves.toBe('done');
      // The burst (20 by default) and what the rate (10 a second) allows while the loop runs.
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(seen.length).toBeLessThanOrEqual(40);
      seen.length = 0;
      await new Promise((r) => setTimeout(r, 1_500));
      await expect(runner.call('probe', 'huge', [], 20_000)).resolves.toBe('done');
      expect(seen).toEqual([{ small: true }]);
    } finally {
      runner.kill();
    }
  });
});
