/**
 * `grader doctor`: which sandbox layers are active on this machine, which tensor backend
 * loads, and whether a runner really starts and answers inside the sandbox. Prints a table
 * (or JSON) and exits 0: it reports, it does not judge.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { RunnerClient } from '../runner/runner-client';
import { modeAvailability, resolveSandbox, type ResolvedSandbox, type SandboxLayer } from '../sandbox';
import { availableBackends, initBackend } from '../tensors';

interface DoctorFlags {
  json?: boolean;
}

const PING_BUNDLE = `"use strict";
exports.ping = (t) => t.add(1);
`;

/** Starts a runner in the sandbox with a tiny bundle and calls it once. */
async function roundTrip(sandbox: ResolvedSandbox, backend: string): Promise<SandboxLayer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grader-doctor-'));
  const bundlePath = path.join(dir, 'solution.js');
  fs.writeFileSync(bundlePath, PING_BUNDLE);
  const started = Date.now();
  let runner: RunnerClient | undefined;
  try {
    runner = await RunnerClient.start({ bundlePath, probesPath: null, backend, heapMb: 256, startTimeoutMs: 30_000, launcher: sandbox.launcher });
    const ready = Date.now() - started;
    const out = (await runner.call('export', 'ping', [{ kind: 'tensor', shape: [2], dtype: 'float32', data: new Float32Array([1, 2]) }], 10_000)) as { data?: Float32Array };
    const ok = out.data !== undefined && out.data[0] === 2 && out.data[1] === 3;
    return {
      id: 'runner',
      name: 'runner round trip',
      active: ok,
      detail: ok ? `${runner.backend} backend, ready in ${ready} ms, answered in ${Date.now() - started} ms` : 'the runner answered wrongly',
    };
  } catch (err) {
    const printed = runner?.printed().trim().split('\n')[0] ?? '';
    return { id: 'runner', name: 'runner round trip', active: false, detail: `${err instanceof Error ? err.message : String(err)}${printed ? ` (${printed})` : ''}` };
  } finally {
    runner?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows: SandboxLayer[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), 5);
  const lines = [`${'layer'.padEnd(width)}  active  detail`];
  for (const r of rows) lines.push(`${r.name.padEnd(width)}  ${(r.active ? 'yes' : 'no').padEnd(6)}  ${r.detail}`);
  return lines.join('\n');
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('report which sandbox layers are active on this machine and whether a sandboxed runner works')
    .option('--json', 'print the report as JSON')
    .action(async (flags: DoctorFlags) => {
      const sandbox = resolveSandbox({ require: false, allowInsecure: true });
      const rows = [...sandbox.layers];
      let backend = 'cpu';
      try {
        const found = await availableBackends();
        backend = await initBackend();
        rows.push({ id: 'backend', name: 'tensor backend', active: true, detail: `${backend} (loads here: ${found.join(', ')})` });
      } catch (err) {
        rows.push({ id: 'backend', name: 'tensor backend', active: false, detail: err instanceof Error ? err.message : String(err) });
      }
      rows.push(await roundTrip(sandbox, backend));
      const untrusted = sandbox.isolated
        ? `untrusted code: accepted (OS isolation: ${sandbox.mode})`
        : `untrusted code: refused by \`grader grade\` and the server unless --insecure-no-sandbox (${modeAvailability('bwrap').detail})`;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ mode: sandbox.mode, isolated: sandbox.isolated, layers: rows, untrusted }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`grader doctor: sandbox mode ${sandbox.mode} (${process.platform}, node ${process.versions.node})\n\n${table(rows)}\n\n${untrusted}\n`);
    });
}
