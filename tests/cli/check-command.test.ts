/**
 * `grader check`: the CLI as a student runs it (exit codes, --json, progress on stderr), and
 * parity with `grade`: for every example submission of the light assignments, check gives
 * exactly the visible tests' verdicts and points that full grading gives.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createProgressPrinter, findWorkingCopy, progressBar, readEpoch, REPORT_FILE, runCheck, type CheckIo } from '../../grader/cli/check-command';
import type { GradeEvent } from '../../grader/run/grade-assignment';
import type { TestResult } from '../../grader/results/result-schema';
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

  it('exits 0 when every visible test passes, with progress on stderr, a summary and the HTML report', () => {
    const root = submissionFrom('correct');
    roots.push(root);
    const run = check(['--catalogue', FIXTURES], root);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/demo-add: 7\/7/);
    expect(run.stdout).toMatch(/all visible tests pass/);
    expect(run.stdout).not.toMatch(/\(hidden\)/);
    expect(run.stdout).not.toMatch(/\x1b\[/);
    expect(run.stderr).toMatch(/\[1\/\d+\] .*: passed/);
    const report = path.join(fs.realpathSync(root), REPORT_FILE);
    expect(run.stdout).toContain(`HTML report: ${report}`);
    expect(fs.readFileSync(report, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('writes the HTML report where --html says, or none with --no-html', async () => {
    const root = submissionFrom('correct');
    roots.push(root);
    const target = path.join(root, 'out', 'mine.html');
    const withFile = await runCheck({ dir: root, catalogue: FIXTURES, progress: false, html: target }, silent);
    expect(withFile.htmlPath).toBe(target);
    expect(fs.existsSync(target)).toBe(true);
    const without = await runCheck({ dir: root, catalogue: FIXTURES, progress: false, html: false }, silent);
    expect(without.htmlPath).toBeUndefined();
    expect(fs.existsSync(path.join(root, REPORT_FILE))).toBe(false);
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

describe('check progress', () => {
  const test = (name: string, status: TestResult['status'] = 'passed'): TestResult => ({ name, score: 1, max_score: 1, status, visibility: 'visible', output: '' }) as TestResult;
  const events: GradeEvent[] = [
    { type: 'compiled', assignment: 'mnist-mlp', ok: true },
    { type: 'test-started', assignment: 'mnist-mlp', test: 'architecture', index: 0, total: 2 },
    { type: 'test-finished', assignment: 'mnist-mlp', test: test('architecture'), index: 0, total: 2 },
    { type: 'test-started', assignment: 'mnist-mlp', test: 'train', index: 1, total: 2 },
    { type: 'progress', assignment: 'mnist-mlp', test: 'train', data: { epoch: 1, loss: 0.5, ms: 4000 } },
    { type: 'test-finished', assignment: 'mnist-mlp', test: test('train', 'failed'), index: 1, total: 2 },
  ];

  it('redraws a bar on a terminal, with the epoch and its loss, and prints each finished test above it', () => {
    let out = '';
    let clock = 0;
    const printer = createProgressPrinter({ err: (t) => (out += t), errIsTty: true, color: true, columns: 120, now: () => (clock += 100) });
    events.forEach((e) => printer.onEvent(e));
    printer.finish();
    expect(out).toContain('\r\x1b[2K');
    expect(out).toMatch(/mnist-mlp ▕[█▏▎▍▌▋▊▉ ]{20}▏ 1\/2  epoch 2 · loss 0\.5000 · 2\.0 s\/epoch · \d+\.\d s · train/);
    expect(out).toContain('\x1b[32m✔\x1b[0m architecture');
    expect(out).toContain('\x1b[31m✘\x1b[0m train');
  });

  it('prints plain lines elsewhere, without colour', () => {
    let out = '';
    const printer = createProgressPrinter({ err: (t) => (out += t), errIsTty: false });
    events.forEach((e) => printer.onEvent(e));
    printer.finish();
    expect(out.split('\n').filter((l) => l !== '')).toEqual([
      'mnist-mlp: compiled',
      '[1/2] architecture …',
      expect.stringMatching(/^\[1\/2\] architecture: passed \(\d+\.\d s\)$/),
      '[2/2] train …',
      '    epoch 2 · loss 0.5000 · 2.0 s/epoch',
      expect.stringMatching(/^\[2\/2\] train: failed \(\d+\.\d s\)$/),
    ]);
    expect(out).not.toMatch(/\x1b\[|\r/);
  });

  it('draws bars in eighths and reads the probes\' training reports', () => {
    expect(progressBar(0, 4)).toBe('▕    ▏');
    expect(progressBar(0.5, 4)).toBe('▕██  ▏');
    expect(progressBar(1, 4)).toBe('▕████▏');
    expect(progressBar(0.5 + 1 / 32, 4)).toBe('▕██▏ ▏');
    expect(readEpoch({ epoch: 0, loss: 2.3, ms: 100, tensors: 5 })).toEqual({ epoch: 0, total: null, loss: 2.3, ms: 100, label: null });
    expect(readEpoch({ noise: 0.5, epoch: 2, loss: null, ms: 10, epochs: 5 })).toEqual({ epoch: 2, total: 5, loss: null, ms: 10, label: 'noise 0.5' });
    expect(readEpoch({ something: 'else' })).toBeUndefined();
  });

  it('finds the working copy upwards from a subfolder', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'check-kit-'));
    try {
      fs.writeFileSync(path.join(root, 'kit.json'), '{}');
      fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
      expect(findWorkingCopy(path.join(root, 'a', 'b'), 'kit.json')).toBe(root);
      expect(findWorkingCopy(path.join(root, 'a'), 'no-such-marker.json')).toBe(path.join(root, 'a'));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
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
      const checked = await runCheck({ dir: root, assignment: assignment.id, backend: 'wasm', catalogue, progress: false, json: true, html: false }, silent);
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
