/**
 * The sandbox as a user meets it: `grader doctor`, and `grader grade` refusing to run
 * without OS isolation unless given --insecure-no-sandbox (the compiled CLI, in a child
 * process; GRADER_SANDBOX=none stands in for a machine without namespaces).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../grader/paths';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');
const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');

function grader(args: string[], env: Record<string, string> = {}) {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete base.GRADER_SANDBOX;
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...base, ...env } });
}

describe('grader doctor', () => {
  it('prints a table of the layers and exits 0', () => {
    const run = grader(['doctor']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^grader doctor: sandbox mode (bwrap|unshare|none)/);
    for (const layer of ['bubblewrap', 'namespaces', 'unprivileged uid', 'Node permission model', 'rlimits', 'resident memory watch', 'tensor backend', 'runner round trip']) {
      expect(run.stdout).toMatch(new RegExp(`^${layer}\\s+(yes|no)\\s+\\S`, 'm'));
    }
    expect(run.stdout).toMatch(/^runner round trip\s+yes/m);
    expect(run.stdout).toMatch(/^untrusted code: /m);
  });

  it('prints JSON with --json, also without OS isolation', () => {
    const run = grader(['doctor', '--json'], { GRADER_SANDBOX: 'none' });
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { mode: string; isolated: boolean; layers: Array<{ id: string; active: boolean }> };
    expect(report).toMatchObject({ mode: 'none', isolated: false });
    expect(report.layers.find((l) => l.id === 'namespaces')?.active).toBe(false);
    expect(report.layers.find((l) => l.id === 'runner')?.active).toBe(true);
  });
});

describe('grader grade without OS isolation', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-sandbox-'));
    fs.mkdirSync(path.join(root, 'demo-add'));
    fs.copyFileSync(path.join(FIXTURES, 'assignments', 'demo-add', 'examples', 'correct', 'solution.ts'), path.join(root, 'demo-add', 'solution.ts'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('refuses, says why and how to go on, exits 2', () => {
    const run = grader(['grade', '--catalogue', FIXTURES, '--submission', root, '--json'], { GRADER_SANDBOX: 'none' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/refusing to run untrusted code without an OS sandbox/);
    expect(run.stderr).toMatch(/--insecure-no-sandbox/);
  });

  it('grades with --insecure-no-sandbox, after a one-line warning, leaving no staged bundle', () => {
    const staged = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('grader-sandbox-'));
    const before = new Set(staged());
    const run = grader(['grade', '--catalogue', FIXTURES, '--submission', root, '--json', '--insecure-no-sandbox'], { GRADER_SANDBOX: 'none' });
    expect(run.status).toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^grader: warning: submissions run without an OS sandbox/);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'graded', score: 10 });
    expect(staged().filter((n) => !before.has(n))).toEqual([]);
  });
});
