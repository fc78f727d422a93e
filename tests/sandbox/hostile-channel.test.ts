/**
 * Adversarial suite, part 3: attacks on the runner channel (grader/runner/channel.ts) —
 * replies nested thousands deep, forged replies, progress floods. Each gets its verdict and
 * the usual host checks (hostile-suite.ts); then each is graded again by the grader's CLI in
 * a process of its own, which must exit normally with a result (a deep frame used to kill
 * the grader process), scoring no more than the honest wrong answer (the subtracts example).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIST_ROOT, PACKAGE_ROOT } from '../../grader/paths';
import { getAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import { CHANNEL_CASES } from './hostile-cases';
import { FIXTURES, HOSTILE_ROOT } from './hostile-harness';
import { canRunHostile, hostileSuite } from './hostile-suite';

hostileSuite('hostile submissions: the runner channel', CHANNEL_CASES, false);

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  result?: { status: string; score: number; tests: Array<{ status: string }> };
  stderr: string;
}

/** `grader grade` on the demo-add fixture, in a child process. */
function gradeWithCli(submissionRoot: string): Promise<CliRun> {
  const cli = path.join(DIST_ROOT, 'grader', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'grade', '-a', 'demo-add', '-s', submissionRoot, '--catalogue', FIXTURES, '--backend', 'wasm', '--json'], {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      let result: CliRun['result'];
      try {
        result = JSON.parse(stdout) as CliRun['result'];
      } catch {
        result = undefined;
      }
      resolve({ code, signal, result, stderr: stderr.slice(-2000) });
    });
  });
}

const describeIf = canRunHostile ? describe : describe.skip;

describeIf('the runner channel attacks graded by the CLI', () => {
  let honestWrong: number;
  beforeAll(async () => {
    const demo = getAssignment('demo-add', FIXTURES);
    const example = listExamples(demo).find((e) => e.name === 'subtracts');
    if (example === undefined) throw new Error('demo-add has no subtracts example');
    const root = exampleAsSubmission(demo, example);
    try {
      const run = await gradeWithCli(root);
      expect({ code: run.code, status: run.result?.status }).toEqual({ code: 0, status: 'graded' });
      honestWrong = run.result?.score ?? NaN;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  test.each(CHANNEL_CASES.map((c) => [c.name, c] as const))('%s: the grader process survives and gives its verdict', async (_name, c) => {
    const run = await gradeWithCli(path.join(HOSTILE_ROOT, c.name));
    expect({ code: run.code, signal: run.signal, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(run.result?.status).toBe(c.status);
    expect(run.result?.tests.map((t) => t.status)).toEqual(c.tests);
    expect(run.result?.score).toBeLessThanOrEqual(honestWrong);
  }, 120_000);
});
