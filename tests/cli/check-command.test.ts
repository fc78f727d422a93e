/**
 * `grader check`: the CLI as a student runs it (exit codes, --json, progress on stderr), and
 * parity with `grade`: for every example submission of the light assignments, check gives
 * exactly the visible tests' verdicts and points that full grading gives.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCheck, type CheckIo } from '../../grader/cli/check-command';
import { PACKAGE_ROOT } from '../../grader/paths';
import { gradeSubmission } from '../../grader/run/grade-submission';
import { resolveSandbox } from '../../grader/sandbox';
import { discoverAssignments } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');
const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');

function check(args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, 'check', ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', ...env } });
}

function submissionFrom(example: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'check-submission-'));
  fs.mkdirSync(path.join(root, 'demo-add'));
  fs.copyFileSync(path.join(FIXTURES, 'assignments', 'demo-add', 'examples', example, 'solution.ts'), path.join(root, 'demo-add', 'solution.ts'));
  return root;
}

const silent: CheckIo = { out: () => undefined, err: () => undefined, errIsTty: false };

describe('grader check', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  it('exits 0 when every visible test passes, with progress on stderr and a summary', () => {
    const root = submissionFrom('correct');
    roots.push(root);
    const run = check(['--catalogue', FIXTURES], root);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/demo-add: 7\/7/);
    expect(run.stdout).toMatch(/all visible tests pass/);
    expect(run.stdout).not.toMatch(/\(hidden\)/);
    expect(run.stderr).toMatch(/\[1\/\d+\] .*: passed/);
  });

  it('exits 1 when a visible test fails and prints the result JSON with --json', () => {
    const root = submissionFrom('subtracts');
    roots.push(root);
    const run = check(['demo-add', '--catalogue', FIXTURES, '--json', '--dir', root], os.tmpdir());
    expect(run.status).toBe(1);
    const parsed = JSON.parse(run.stdout) as { assignment: string; provisional: boolean; tests: Array<{ visibility: string }> };
    expect(parsed.assignment).toBe('demo-add');
    expect(typeof parsed.provisional).toBe('boolean');
    expect(parsed.tests.every((t) => t.visibility === 'visible')).toBe(true);
  });

  it('without OS isolation warns in one line and labels the result provisional', () => {
    const root = submissionFrom('correct');
    roots.push(root);
    const run = check(['--catalogue', FIXTURES, '--json'], root, { GRADER_SANDBOX: 'none' });
    expect(run.status).toBe(0);
    expect(run.stderr.split('\n').filter((l) => /provisional/.test(l))).toHaveLength(1);
    expect((JSON.parse(run.stdout) as { provisional: boolean }).provisional).toBe(true);
  });

  it('exits 1 on a compile error and 2 when there is nothing to grade', () => {
    const root = submissionFrom('syntax-error');
    roots.push(root);
    expect(check(['--catalogue', FIXTURES], root).status).toBe(1);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'check-empty-'));
    roots.push(empty);
    const run = check(['--catalogue', FIXTURES], empty);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no assignment folder/);
  });
});

const LIGHT = new Set(['autograd-graph', 'backprop', 'momentum-sgd', 'demo-add']);
const parityCases = [PACKAGE_ROOT, FIXTURES].flatMap((catalogue) =>
  discoverAssignments(catalogue)
    .assignments.filter((a) => LIGHT.has(a.id))
    .flatMap((assignment) => listExamples(assignment).map((example) => ({ catalogue, assignment, example }))),
);

describe('check gives the visible-test verdicts and points that grade gives', () => {
  it('has the light assignments', () => {
    expect(new Set(parityCases.map((c) => c.assignment.id))).toEqual(LIGHT);
  });

  test.each(parityCases.map((c) => [`${c.assignment.id}/${c.example.name}`, c] as const))('%s', async (_label, { catalogue, assignment, example }) => {
    const root = exampleAsSubmission(assignment, example);
    try {
      const launcher = resolveSandbox({ require: false, allowInsecure: true }).launcher;
      const [graded] = await gradeSubmission({ launcher, submissionDir: root, assignmentIds: [assignment.id], backend: 'wasm', catalogueRoot: catalogue });
      const checked = await runCheck({ dir: root, assignment: assignment.id, backend: 'wasm', catalogue, progress: false, json: true }, silent);
      const [result] = checked.results;
      const pick = (t: { name: string; status: string; score: number; max_score: number }) => ({ name: t.name, status: t.status, score: t.score, max_score: t.max_score });
      expect(result.status).toBe(graded.status);
      expect(result.tests.map(pick)).toEqual(graded.tests.filter((t) => t.visibility === 'visible').map(pick));
      const allPass = graded.status === 'graded' && graded.tests.filter((t) => t.visibility === 'visible').every((t) => t.status === 'passed');
      expect(checked.exitCode).toBe(allPass ? 0 : 1);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
