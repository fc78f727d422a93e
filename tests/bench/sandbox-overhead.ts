/**
 * What the sandbox costs a grading run: the start-up of one runner (spawn to 'ready', which
 * includes loading tfjs and the wasm backend) and one call, under each layer configuration,
 * next to plain node; and a full grading of the demo-add fixture (compile, three tests) with
 * and without the sandbox. Also the one-time probe of the host (trial runs).
 *
 * Cases run one after another, alternating configurations round by round so that background
 * load disturbs them alike; the headline is the median.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import type { Launcher } from '../../grader/runner/launch';
import { RunnerClient } from '../../grader/runner/runner-client';
import { modeAvailability, probeHost, resolveSandbox, type SandboxModeChoice } from '../../grader/sandbox';
import { getAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import type { BenchContext, BenchRow } from './bench-types';
import { packageRoot } from './bench-paths';
import { median } from './training-protocol';

export const name = 'sandbox-overhead';

const BACKEND = 'wasm';
const REFERENCE = 'plain node';

/** Runs node directly, as the runner client does without a launcher. */
const plainLauncher: Launcher = (nodeCommand) => ({ command: nodeCommand[0], args: nodeCommand.slice(1) });

interface Config {
  label: string;
  launcher: () => Launcher | undefined;
  /** Why it cannot run here, if it cannot. */
  skip?: string;
}

function sandboxed(mode: SandboxModeChoice, permissionModel: boolean): () => Launcher {
  let cached: Launcher | undefined;
  return () => {
    cached ??= resolveSandbox({ require: false, allowInsecure: true, mode, permissionModel }).launcher;
    return cached;
  };
}

function configs(): Config[] {
  const bwrap = modeAvailability('bwrap');
  const unshare = modeAvailability('unshare');
  const host = probeHost();
  return [
    { label: REFERENCE, launcher: () => plainLauncher },
    {
      label: 'permission model + rlimits',
      launcher: sandboxed('none', true),
      skip: host.permission.flag === undefined ? `node ${process.versions.node} has no permission model` : undefined,
    },
    { label: 'bwrap + rlimits', launcher: sandboxed('bwrap', false), skip: bwrap.available ? undefined : bwrap.detail },
    { label: 'bwrap + permission model (default)', launcher: sandboxed('bwrap', true), skip: bwrap.available ? undefined : bwrap.detail },
    { label: 'unshare + permission model', launcher: sandboxed('unshare', true), skip: unshare.available ? undefined : unshare.detail },
  ];
}

const PING = `"use strict";
const tf = require('@tensorflow/tfjs');
exports.ping = (t) => tf.add(t, 1);
`;

/** Start-up (spawn → ready) and one call, in ms. */
async function startOnce(bundlePath: string, launcher: Launcher | undefined): Promise<{ startMs: number; callMs: number }> {
  const t0 = performance.now();
  const runner = await RunnerClient.start({ bundlePath, probesPath: null, backend: BACKEND, heapMb: 256, startTimeoutMs: 60_000, launcher });
  const t1 = performance.now();
  try {
    await runner.call('export', 'ping', [{ kind: 'tensor', shape: [4], dtype: 'float32', data: new Float32Array(4) }], 30_000);
    return { startMs: t1 - t0, callMs: performance.now() - t1 };
  } finally {
    runner.kill();
  }
}

function row(label: string, what: string, samples: number[], reference: number | undefined, extra: Record<string, unknown> = {}): BenchRow {
  const value = median(samples);
  return {
    name: `${what} / ${label}`,
    status: 'ok',
    value: Math.round(value),
    unit: 'ms',
    better: 'lower',
    ...(reference !== undefined && label !== REFERENCE ? { ratio: { to: REFERENCE, value: value / reference } } : {}),
    ...(reference !== undefined && label !== REFERENCE ? { message: `${value >= reference ? '+' : '-'}${Math.abs(Math.round(value - reference))} ms` } : {}),
    details: { samples: samples.map((s) => Math.round(s)), ...extra },
  };
}

function skipped(label: string, what: string, reason: string): BenchRow {
  return { name: `${what} / ${label}`, status: 'skipped', value: null, unit: 'ms', better: 'lower', message: reason };
}

export async function run(context: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const rounds = context.quick ? 3 : 10;
  const gradeRounds = context.quick ? 2 : 5;

  // The one-time cost: finding the tools and trying each mode (cached for the process).
  const p0 = performance.now();
  probeHost(true);
  modeAvailability('bwrap', false);
  modeAvailability('unshare', false);
  modeAvailability('none', false);
  rows.push({ name: 'host probe (once per process)', status: 'ok', value: Math.round(performance.now() - p0), unit: 'ms', better: 'lower' });

  const all = configs();
  const usable = all.filter((c) => c.skip === undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sandbox-'));
  const bundlePath = path.join(dir, 'solution.js');
  fs.writeFileSync(bundlePath, PING);
  try {
    // Runner start-up and one call, configurations interleaved round by round.
    const starts = new Map<string, number[]>(usable.map((c) => [c.label, []]));
    const calls = new Map<string, number[]>(usable.map((c) => [c.label, []]));
    for (const c of usable) await startOnce(bundlePath, c.launcher()); // warm the file cache
    for (let round = 0; round < rounds; round++) {
      for (const c of usable) {
        const { startMs, callMs } = await startOnce(bundlePath, c.launcher());
        starts.get(c.label)?.push(startMs);
        calls.get(c.label)?.push(callMs);
      }
      context.log(`runner start-up: round ${round + 1}/${rounds}`);
    }
    const startRef = median(starts.get(REFERENCE) ?? [0]);
    const callRef = median(calls.get(REFERENCE) ?? [0]);
    for (const c of all) {
      if (c.skip !== undefined) {
        rows.push(skipped(c.label, 'runner start-up', c.skip));
        continue;
      }
      rows.push(row(c.label, 'runner start-up', starts.get(c.label) ?? [], startRef, { backend: BACKEND }));
    }
    for (const c of usable) rows.push(row(c.label, 'one call', calls.get(c.label) ?? [], callRef));

    // A full grading of demo-add (compile + three tests, one runner), without and with the sandbox.
    const demo = getAssignment('demo-add', path.join(packageRoot(), 'tests', 'fixtures'));
    const example = listExamples(demo).find((e) => e.name === 'correct');
    if (example === undefined) throw new Error('demo-add has no correct example');
    const root = exampleAsSubmission(demo, example);
    try {
      const grading = usable.filter((c) => c.label === REFERENCE || c.label.endsWith('(default)'));
      const times = new Map<string, number[]>(grading.map((c) => [c.label, []]));
      for (const c of grading) await gradeAssignment({ assignment: demo, submissionDir: root, backend: BACKEND, launcher: c.launcher() });
      for (let round = 0; round < gradeRounds; round++) {
        for (const c of grading) {
          const t0 = performance.now();
          const result = await gradeAssignment({ assignment: demo, submissionDir: root, backend: BACKEND, launcher: c.launcher() });
          if (result.score !== result.max_score) throw new Error(`demo-add graded ${result.score}/${result.max_score} under ${c.label}`);
          times.get(c.label)?.push(performance.now() - t0);
        }
        context.log(`demo-add grading: round ${round + 1}/${gradeRounds}`);
      }
      const gradeRef = median(times.get(REFERENCE) ?? [0]);
      for (const c of grading) rows.push(row(c.label, 'demo-add grading', times.get(c.label) ?? [], gradeRef));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
