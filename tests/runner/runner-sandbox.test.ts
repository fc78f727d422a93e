/**
 * The runner's side of the sandbox: the launch plan (paths the runner is told, extra file
 * descriptors, clean-up), the resident-memory watch, how a wrapper's exit is described, and
 * the hardening of `process` before student code loads. Bundles are hand-written CommonJS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Launcher } from '../../grader/runner/launch';
import { describeExit, RunnerClient } from '../../grader/runner/runner-client';
import { RunnerKilledError } from '../../grader/runner/runner-errors';
import { processTree, residentKb, treeResidentKb } from '../../grader/runner/process-tree';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-sandbox-test-'));
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

const linux = process.platform === 'linux';

describe('launch plans', () => {
  it('tells the runner the paths of the plan, hands it extra fds, and cleans up once the bundle is loaded', async () => {
    const original = bundle('moved-original', 'exports.where = () => "original";');
    const moved = bundle('moved-copy', 'exports.where = () => "moved";');
    const cleanups: string[] = [];
    const fd = fs.openSync(original, 'r');
    const launcher: Launcher = (nodeCommand, request) => {
      expect(request.bundlePath).toBe(original);
      expect(request.heapMb).toBe(256);
      return {
        command: nodeCommand[0],
        args: nodeCommand.slice(1),
        bundlePath: moved,
        extraFds: [fd],
        cleanup: () => cleanups.push('done'),
      };
    };
    const runner = await start(original, { launcher });
    expect(cleanups).toEqual(['done']); // the runner has read the bundle: temporary files can go
    await expect(runner.call('export', 'where', [], 10_000)).resolves.toBe('moved');
    expect(() => fs.fstatSync(fd)).toThrow(); // the client closed its copy after spawning
    runner.kill();
    await new Promise((r) => setTimeout(r, 200));
    expect(cleanups).toEqual(['done']); // once
  });

  it('reports a launcher that throws as a failure to start', async () => {
    const launcher: Launcher = () => {
      throw new Error('no sandbox here');
    };
    await expect(start(bundle('never', 'exports.x = 1;'), { launcher })).rejects.toThrow(/could not prepare its sandbox: no sandbox here/);
  });
});

(linux ? describe : describe.skip)('the resident memory watch', () => {
  it('kills a runner whose memory outside the V8 heap passes the limit, status killed', async () => {
    const runner = await start(
      bundle('buffers', `exports.grow = () => { const keep = []; for (;;) { const b = new Uint8Array(16 * 1024 * 1024); b.fill(1); keep.push(b); } };`),
      { memoryLimitMb: 300 },
    );
    const call = runner.call('export', 'grow', [], 30_000);
    await expect(call).rejects.toThrow(RunnerKilledError);
    await expect(call).rejects.toThrow(/more than 300 MiB of memory/);
    expect(runner.alive).toBe(false);
    expect(runner.peakResidentKb).toBeGreaterThan(300 * 1024);
  });

  it('leaves a runner under its limit alone', async () => {
    const runner = await start(bundle('small', `exports.small = () => new Uint8Array(8 * 1024 * 1024).fill(1).length;`), { memoryLimitMb: 1024 });
    try {
      await expect(runner.call('export', 'small', [], 10_000)).resolves.toBe(8 * 1024 * 1024);
      expect(runner.alive).toBe(true);
    } finally {
      runner.kill();
    }
  });

  it('reads a process tree and its resident memory', () => {
    expect(processTree(process.pid)).toContain(process.pid);
    expect(residentKb(process.pid)).toBeGreaterThan(1024);
    const own = residentKb(process.pid);
    const tree = treeResidentKb(process.pid, true);
    expect(tree.processes).toBeGreaterThanOrEqual(1);
    expect(tree.kb).toBeGreaterThan(own * 0.8); // the two reads are moments apart: the heap moves
    expect(residentKb(2 ** 22 + 12345)).toBe(0);
  });
});

describe('deadlines and a blocked grader', () => {
  function block(ms: number): void {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // the grader busy elsewhere (a synchronous type check)
    }
  }

  it('does not time out a runner whose answer arrived while the grader was blocked', async () => {
    const starting = start(bundle('quick', 'exports.echo = (x) => x;'), { startTimeoutMs: 1_500 });
    block(4_000); // past the deadline; the runner is ready long before
    const runner = await starting;
    try {
      const answer = runner.call('export', 'echo', [7], 300);
      block(1_500);
      await expect(answer).resolves.toBe(7);
    } finally {
      runner.kill();
    }
  });

  it('still times out a runner that did not answer', async () => {
    const runner = await start(bundle('slow', 'exports.spin = () => { for (;;) {} };'));
    const t0 = Date.now();
    await expect(runner.call('export', 'spin', [], 500)).rejects.toThrow(/did not finish within 0.5 s/);
    expect(Date.now() - t0).toBeLessThan(30_000); // killed, not left spinning; generous for a busy machine
  });
});

describe('describeExit', () => {
  it('names signals, also when a wrapper reports them as 128 + N', () => {
    expect(describeExit(null, 'SIGKILL')).toBe('killed by SIGKILL (out of memory?)');
    expect(describeExit(137, null)).toBe('killed by SIGKILL (out of memory?)');
    expect(describeExit(134, null)).toBe('killed by SIGABRT (out of memory?)');
    expect(describeExit(152, null)).toBe('killed by SIGXCPU (CPU time limit)');
    expect(describeExit(3, null)).toBe('exited with code 3');
  });
});

describe('hardening inside the runner', () => {
  it('removes the ways to Node internals that need no import, and locks the IPC send', async () => {
    const runner = await start(
      bundle(
        'probe-process',
        `const p = globalThis.process;
        exports.look = () => ({
          getBuiltinModule: typeof p.getBuiltinModule,
          binding: typeof p.binding,
          linkedBinding: typeof p._linkedBinding,
          dlopen: typeof p.dlopen,
          mainModule: typeof p.mainModule,
          debugProcess: typeof p._debugProcess,
          rawKill: typeof p._kill,
          setuid: typeof p.setuid,
          report: typeof p.report,
          moduleConstructor: typeof module.constructor,
          evalRequire: (() => { try { eval('require')('fs'); return 'fs'; } catch (e) { return 'refused'; } })(),
          kill: (() => { try { p.kill(p.ppid, 0); return 'sent'; } catch (e) { return e.message; } })(),
        });
        exports.tamper = () => {
          const out = [];
          for (const name of ['send', '_send', 'reallyExit']) {
            try { p[name] = () => true; out.push(name + ' replaced'); } catch (e) { out.push(name + ' locked'); }
          }
          return out;
        };
        exports.after = () => 'still talking';`,
      ),
    );
    try {
      const seen = (await runner.call('export', 'look', [], 10_000)) as Record<string, string>;
      expect(seen).toEqual({
        getBuiltinModule: 'undefined',
        binding: 'undefined',
        linkedBinding: 'undefined',
        dlopen: 'undefined',
        mainModule: 'undefined',
        debugProcess: 'undefined',
        rawKill: 'undefined',
        setuid: 'undefined',
        report: 'undefined',
        moduleConstructor: 'undefined',
        evalRequire: 'refused',
        kill: 'process.kill is not available to a submission',
      });
      // Sloppy-mode assignments to the locked properties fail silently; strict ones throw.
      await runner.call('export', 'tamper', [], 10_000);
      await expect(runner.call('export', 'after', [], 10_000)).resolves.toBe('still talking');
    } finally {
      runner.kill();
    }
  });
});
