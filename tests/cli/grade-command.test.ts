/**
 * `grader grade` as a user runs it: the compiled CLI in a child process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../grader/paths';
import { GradeResultSchema } from '../../grader/results/result-schema';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');
const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');

function grader(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
}

function submissionFrom(example: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-submission-'));
  fs.mkdirSync(path.join(root, 'demo-add'));
  fs.copyFileSync(path.join(FIXTURES, 'assignments', 'demo-add', 'examples', example, 'solution.ts'), path.join(root, 'demo-add', 'solution.ts'));
  return root;
}

describe('grader grade', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  it('prints exactly the result JSON with --json and exits 0 on a failing score', () => {
    const root = submissionFrom('subtracts');
    roots.push(root);
    const run = grader(['grade', '--catalogue', FIXTURES, '--assignment', 'demo-add', '--submission', root, '--json']);
    expect(run.status).toBe(0);
    const parsed = GradeResultSchema.safeParse(JSON.parse(run.stdout));
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ assignment: 'demo-add', status: 'graded', score: 5, max_score: 10 });
  });

  it('prints a table with a mark per test', () => {
    const root = submissionFrom('subtracts');
    roots.push(root);
    const run = grader(['grade', '--catalogue', FIXTURES, '--submission', root]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/demo-add: 5\/10/);
    expect(run.stdout).toMatch(/✘ add on a vector\s+0\/2\s+failed/);
    expect(run.stdout).toMatch(/✔ sumOf with a closure\s+5\/5\s+passed/);
    expect(run.stdout).toMatch(/subtracting instead of adding/);
  });

  it('runs only the visible tests with --visible-only', () => {
    const root = submissionFrom('correct');
    roots.push(root);
    const run = grader(['grade', '--catalogue', FIXTURES, '--submission', root, '--visible-only', '--json']);
    const result = JSON.parse(run.stdout) as { max_score: number; tests: Array<{ visibility: string }> };
    expect(result.max_score).toBe(7);
    expect(result.tests.every((t) => t.visibility === 'visible')).toBe(true);
  });

  it('reports a compile error as a result, not a failure of the command', () => {
    const root = submissionFrom('syntax-error');
    roots.push(root);
    const run = grader(['grade', '--catalogue', FIXTURES, '--assignment', 'demo-add', '--submission', root, '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'compile_error', score: 0 });
  });

  it('exits 2 with a clear message for an unknown assignment or a missing folder', () => {
    const unknown = grader(['grade', '--catalogue', FIXTURES, '--assignment', 'nope', '--submission', os.tmpdir()]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown assignment 'nope'; known: demo-add/);
    const missing = grader(['grade', '--catalogue', FIXTURES, '--submission', '/no/such/dir']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/submission folder not found: \/no\/such\/dir/);
    const badBackend = grader(['grade', '--backend', 'gpu', '--submission', os.tmpdir()]);
    expect(badBackend.status).not.toBe(0);
    expect(badBackend.stderr).toMatch(/Allowed choices are tensorflow, wasm, cpu/);
  });
});
