/**
 * Grading latency (issue 3): how long a student waits for a light assignment.
 *   - cold CLI: `grader grade --json` in a fresh process (node start, TypeScript load,
 *     compile, runner start, tests), the number a student feels with `grader check`;
 *   - in-process first and warm gradings (a server or worker keeps the process warm);
 *   - runner start-up alone (spawn, tfjs + wasm init, loading the bundle, handshake).
 * Targets: cold grading under 1.5 s, runner start-up under 0.4 s.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../grader/paths';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { RunnerClient } from '../../grader/runner/runner-client';
import { getAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import type { BenchContext, BenchRow } from './bench-types';

const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');
const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function row(name: string, samples: number[], targetMs: number | null, note: string): BenchRow {
  const value = median(samples);
  return {
    name,
    status: 'ok',
    value: Math.round(value),
    unit: 'ms',
    better: 'lower',
    ...(targetMs !== null ? { target: { description: `< ${targetMs} ms`, met: value < targetMs } } : {}),
    message: `${note}; median of ${samples.length}, min ${Math.round(Math.min(...samples))}, max ${Math.round(Math.max(...samples))}`,
    details: { samples },
  };
}

export async function run(context: BenchContext): Promise<BenchRow[]> {
  const repeats = context.quick ? 3 : 7;
  const demo = getAssignment('demo-add', FIXTURES);
  const example = listExamples(demo).find((e) => e.name === 'correct');
  if (example === undefined) throw new Error('demo-add has no correct example');
  const root = exampleAsSubmission(demo, example);
  const rows: BenchRow[] = [];
  try {
    context.log('grading-latency: cold CLI');
    const cold: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [CLI, 'grade', '--catalogue', FIXTURES, '--assignment', 'demo-add', '--submission', root, '--json'], { encoding: 'utf8' });
      cold.push(performance.now() - t0);
      if (r.status !== 0 || !r.stdout.includes('"score": 10')) throw new Error(`grading failed: ${r.stderr.slice(0, 500)}`);
    }
    rows.push(row('cold grade (CLI, demo-add)', cold, 1500, 'fresh node process: compile + runner start + 3 tests'));

    context.log('grading-latency: in-process');
    const t0 = performance.now();
    await gradeAssignment({ assignment: demo, submissionDir: root });
    rows.push(row('first grade in a process', [performance.now() - t0], null, 'includes loading TypeScript and the type checker'));
    const warm: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await gradeAssignment({ assignment: demo, submissionDir: root });
      warm.push(performance.now() - t);
    }
    rows.push(row('warm grade (server/worker)', warm, null, 'compile cache warm; a new runner per grading'));

    context.log('grading-latency: runner start-up');
    const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-runner-'));
    const bundlePath = path.join(bundleDir, 'bundle.js');
    fs.writeFileSync(bundlePath, "const tf = require('@tensorflow/tfjs'); exports.one = () => tf.scalar(1);");
    const starts: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      const client = await RunnerClient.start({ bundlePath, probesPath: null, backend: 'wasm', heapMb: 512, startTimeoutMs: 30_000 });
      starts.push(performance.now() - t);
      client.kill();
    }
    fs.rmSync(bundleDir, { recursive: true, force: true });
    rows.push(row('runner start-up (wasm)', starts, 400, 'spawn, tfjs + wasm init, load bundle, handshake'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

export const name = 'grading-latency';
