/**
 * `grader check` inside a student kit, on a kit built from the engine's demo fixture (fast):
 * exit codes, table and summary, --json, the HTML report, the working copy found from a
 * subfolder, the provisional label, `grader list`, `grader hook install`, and a recorded
 * value that is missing: a grader error, never a wrong verdict.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildKit, type KitOutcome } from '../../grader/kit/build-kit';
import { PACKAGE_ROOT } from '../../grader/paths';
import { discoverAssignments } from '../../grader/spec/discover';
import { listExamples } from '../../grader/spec/examples';
import { freshKitDir, placeExample, removeKit, runKitGrader } from './kit-helpers';

const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');
const demo = discoverAssignments(FIXTURES).assignments.find((a) => a.id === 'demo-add');
if (demo === undefined) throw new Error('the demo-add fixture is missing');
const example = (name: string) => {
  const found = listExamples(demo).find((e) => e.name === name);
  if (found === undefined) throw new Error(`no example ${name}`);
  return found;
};

describe('grader check in a student kit', () => {
  let kit: string;
  let outcome: KitOutcome;
  beforeAll(async () => {
    kit = freshKitDir('check');
    outcome = await buildKit({ out: kit, catalogueRoot: FIXTURES });
  }, 180_000);
  afterAll(() => removeKit(kit));

  it('builds a kit whose grader holds the visible tests only', () => {
    expect(outcome.manifest.assignments).toEqual([{ id: 'demo-add', visible_tests: [{ name: 'add on a vector', points: 2 }, { name: 'sumOf with a closure', points: 5 }] }]);
    const listed = runKitGrader(kit, ['list', '--json']);
    expect(listed.status).toBe(0);
    const parsed = JSON.parse(listed.stdout) as { assignments: Array<{ tests: Array<{ name: string; visibility: string }> }> };
    expect(parsed.assignments[0].tests.map((t) => t.name)).toEqual(['add on a vector', 'sumOf with a closure']);
    expect(fs.readFileSync(path.join(kit, '.grader', 'dist', 'cli.js'), 'utf8')).not.toContain('add on a matrix');
  });

  it('exits 0 when every visible test passes, prints the table and summary and writes the HTML report', () => {
    placeExample(kit, demo, example('correct'));
    fs.rmSync(path.join(kit, 'grader-report.html'), { force: true });
    const run = runKitGrader(kit, ['check']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/demo-add: 7\/7/);
    expect(run.stdout).toMatch(/all visible tests pass/);
    expect(run.stdout).not.toMatch(/\x1b\[/);
    expect(run.stderr).toMatch(/\[1\/2\] add on a vector: passed/);
    const report = path.join(kit, 'grader-report.html');
    expect(run.stdout).toContain(`HTML report: ${report}`);
    expect(fs.readFileSync(report, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('finds the kit from a subfolder, and exits 1 with the result JSON when a visible test fails', () => {
    placeExample(kit, demo, example('subtracts'));
    const run = runKitGrader(kit, ['check', 'demo-add', '--json', '--no-html'], { cwd: path.join(kit, 'demo-add') });
    expect(run.status).toBe(1);
    const parsed = JSON.parse(run.stdout) as { assignment: string; provisional: boolean; tests: Array<{ name: string; status: string; visibility: string }> };
    expect(parsed.assignment).toBe('demo-add');
    expect(parsed.tests.map((t) => [t.name, t.status])).toEqual([
      ['add on a vector', 'failed'],
      ['sumOf with a closure', 'passed'],
    ]);
    expect(parsed.tests.every((t) => t.visibility === 'visible')).toBe(true);
  });

  it('writes the HTML report where --html says, and labels the result provisional without OS isolation', () => {
    placeExample(kit, demo, example('correct'));
    const target = path.join(path.dirname(kit), 'elsewhere', 'report.html');
    const run = runKitGrader(kit, ['check', '--json', '--html', target], { env: { GRADER_SANDBOX: 'none' } });
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { provisional: boolean }).provisional).toBe(true);
    expect(run.stderr.split('\n').filter((l) => /provisional/.test(l))).toHaveLength(1);
    expect(fs.existsSync(target)).toBe(true);
  });

  it('exits 1 on a compile error and 2 on an unknown assignment', () => {
    placeExample(kit, demo, example('syntax-error'));
    expect(runKitGrader(kit, ['check', '--no-html']).status).toBe(1);
    const unknown = runKitGrader(kit, ['check', 'momentum-sgd', '--no-html']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown assignment 'momentum-sgd'/);
  });

  it('reports a reference value the kit did not record as a grader error (exit 2), not as a failed test', () => {
    const copy = path.join(path.dirname(kit), 'stale');
    fs.cpSync(kit, copy, { recursive: true });
    const expectedFile = path.join(copy, '.grader', 'expected', 'demo-add.json');
    const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as { modules: { reference: { calls: unknown[] } } };
    expected.modules.reference.calls = [];
    fs.writeFileSync(expectedFile, JSON.stringify(expected));
    placeExample(copy, demo, example('correct'));
    const run = runKitGrader(copy, ['check', '--json', '--no-html']);
    expect(run.status).toBe(2);
    const parsed = JSON.parse(run.stdout) as { status: string; tests: Array<{ name: string; status: string; output: string }> };
    expect(parsed.status).toBe('error');
    const add = parsed.tests.find((t) => t.name === 'add on a vector');
    expect(add?.status).toBe('error');
    expect(add?.output).toMatch(/no recorded value of the reference's add\(\)/);
    expect(parsed.tests.find((t) => t.name === 'sumOf with a closure')?.status).toBe('passed');
  });

  it('installs the pre-push hook in a git repository', () => {
    const repo = path.join(path.dirname(kit), 'repo');
    fs.cpSync(kit, repo, { recursive: true });
    expect(spawnSync('git', ['init', '-q'], { cwd: repo }).status).toBe(0);
    const run = runKitGrader(repo, ['hook', 'install']);
    expect(run.status).toBe(0);
    expect(spawnSync('git', ['config', '--get', 'core.hooksPath'], { cwd: repo, encoding: 'utf8' }).stdout.trim()).toBe('.githooks');
    expect(fs.readFileSync(path.join(repo, '.githooks', 'pre-push'), 'utf8')).toMatch(/grader check/);
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['install-hook']).toBe('git config core.hooksPath .githooks');
  });
});
