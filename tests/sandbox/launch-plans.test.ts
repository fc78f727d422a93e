/**
 * The command lines of each sandbox mode (built, not run: the hostile suite and
 * layers.test.ts run them), the permission flags and the rlimits.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST_ROOT, PACKAGE_ROOT } from '../../grader/paths';
import type { LaunchRequest } from '../../grader/runner/launch';
import { RUNNER_MAIN } from '../../grader/runner/runner-client';
import { runnerPlan, SANDBOX_BUNDLE_PATH, type PlanConfig } from '../../grader/sandbox/launch-plans';
import { prlimitArgs, resolveLimits, ulimitScript } from '../../grader/sandbox/limits';
import { permissionFlags, permissionSupport, type PermissionSupport } from '../../grader/sandbox/node-permissions';
import { runtimePackageDirs } from '../../grader/sandbox/runtime-files';
import { isSandboxUid } from '../../grader/sandbox/uid-pool';

const TOOLS = {
  bwrap: { path: '/usr/bin/bwrap', version: 'bubblewrap 0.8.0', disableUserns: true },
  unshare: '/usr/bin/unshare',
  prlimit: '/usr/bin/prlimit',
  setpriv: '/usr/bin/setpriv',
  sh: '/bin/sh',
};

let dir: string;
let bundlePath: string;
const probesPath = path.join(DIST_ROOT, 'tests', 'fixtures', 'assignments', 'demo-add', 'probes.js');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plans-test-'));
  bundlePath = path.join(dir, 'solution.js');
  fs.writeFileSync(bundlePath, 'exports.x = 1;\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function config(overrides: Partial<PlanConfig> = {}): PlanConfig {
  return { mode: 'bwrap', tools: TOOLS, root: true, dropUid: true, limits: resolveLimits(), permissionModel: true, frozenIntrinsics: true, ...overrides };
}

function request(overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    nodePath: process.execPath,
    nodeArgs: ['--max-old-space-size=256', '--stack-size=2000'],
    script: RUNNER_MAIN,
    bundlePath,
    probesPath,
    backend: 'wasm',
    heapMb: 256,
    ...overrides,
  };
}

/** The values that follow each occurrence of `flag`. */
function valuesOf(args: string[], flag: string, count = 1): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i + 1, i + 1 + count));
  });
  return out;
}

describe('the bubblewrap plan', () => {
  let plan: ReturnType<typeof runnerPlan>;
  let all: string[];
  let bwrapAt: number;
  let bwrapArgs: string[];
  let nodeCommand: string[];
  beforeAll(() => {
    plan = runnerPlan(config(), request());
    all = [plan.command, ...plan.args];
    bwrapAt = all.indexOf('/usr/bin/bwrap');
    const separator = all.indexOf('--', bwrapAt);
    bwrapArgs = all.slice(bwrapAt + 1, separator);
    nodeCommand = all.slice(separator + 1);
  });
  afterAll(() => plan.extraFds?.forEach((fd) => fs.closeSync(fd)));

  it('wraps bwrap in prlimit and a uid switch, in that order', () => {
    expect(plan.command).toBe('/usr/bin/prlimit');
    const setpriv = all.indexOf('/usr/bin/setpriv');
    expect(setpriv).toBeGreaterThan(0);
    expect(setpriv).toBeLessThan(bwrapAt);
    const uid = Number(/--reuid=(\d+)/.exec(all.join(' '))?.[1]);
    expect(isSandboxUid(uid)).toBe(true);
    expect(all).toEqual(expect.arrayContaining(['--clear-groups', '--no-new-privs', '--pdeathsig=KILL']));
  });

  it('unshares everything, dies with the grader, clears the environment', () => {
    expect(bwrapArgs).toEqual(expect.arrayContaining(['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session', '--clearenv']));
    expect(bwrapArgs).not.toContain('--share-net');
    expect(valuesOf(bwrapArgs, '--uid')).toEqual([['65534']]);
    const env = Object.fromEntries(valuesOf(bwrapArgs, '--setenv', 2).map(([k, v]) => [k, v]));
    expect(env).toMatchObject({ NODE_CHANNEL_FD: '3', NODE_CHANNEL_SERIALIZATION_MODE: 'advanced', PATH: '/usr/bin:/bin' });
    expect(Object.keys(env).sort()).toEqual(['HOME', 'LANG', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE', 'NODE_ENV', 'PATH']);
  });

  it('binds only what the runner needs, read-only, and the bundle at a stable path', () => {
    const binds = valuesOf(bwrapArgs, '--ro-bind', 2);
    expect(valuesOf(bwrapArgs, '--bind', 2)).toEqual([]);
    const targets = binds.map(([, target]) => target);
    expect(targets).toContain(fs.realpathSync(process.execPath));
    expect(targets).toContain(path.join(DIST_ROOT, 'grader'));
    expect(targets).toContain(probesPath);
    for (const forbidden of [PACKAGE_ROOT, DIST_ROOT, path.join(PACKAGE_ROOT, 'reference'), path.join(DIST_ROOT, 'reference'), path.join(PACKAGE_ROOT, 'node_modules'), dir, '/', '/etc', '/home', '/root']) {
      expect(targets).not.toContain(forbidden);
    }
    // Under the package root: runtime packages, the compiled engine and the probes only.
    const inside = targets.filter((t) => t.startsWith(PACKAGE_ROOT + path.sep));
    const unexpected = inside.filter(
      (t) => !t.startsWith(path.join(PACKAGE_ROOT, 'node_modules') + path.sep) && t !== path.join(DIST_ROOT, 'grader') && t !== probesPath,
    );
    expect(unexpected).toEqual([]);
    expect(targets).not.toContain(path.join(PACKAGE_ROOT, 'node_modules', 'typescript'));
    expect(valuesOf(bwrapArgs, '--ro-bind-data', 2)).toEqual([['4', SANDBOX_BUNDLE_PATH]]);
    expect(plan.extraFds).toHaveLength(1);
    expect(plan.bundlePath).toBe(SANDBOX_BUNDLE_PATH);
    expect(plan.probesPath).toBe(probesPath);
  });

  it('gives a private, sized /tmp and a read-only root and /dev', () => {
    const size = bwrapArgs.indexOf('--size');
    expect(bwrapArgs.slice(size, size + 4)).toEqual(['--size', String(16 * 1024 * 1024), '--tmpfs', '/tmp']);
    expect(valuesOf(bwrapArgs, '--remount-ro')).toEqual([['/dev'], ['/']]);
    expect(bwrapArgs).toEqual(expect.arrayContaining(['--proc', '/proc', '--dev', '/dev']));
  });

  it('runs node under the permission model, reading only the runner files', () => {
    expect(nodeCommand[0]).toBe(fs.realpathSync(process.execPath));
    expect(nodeCommand).toEqual(expect.arrayContaining(['--max-old-space-size=256', String(permissionSupport().flag), '--frozen-intrinsics']));
    expect(nodeCommand[nodeCommand.length - 1]).toBe(RUNNER_MAIN);
    const reads = nodeCommand.filter((a) => a.startsWith('--allow-fs-read=')).map((a) => a.slice('--allow-fs-read='.length));
    expect(new Set(reads).size).toBe(reads.length);
    expect(reads).toContain(SANDBOX_BUNDLE_PATH);
    expect(reads).toContain(probesPath);
    expect(reads).toContain(path.join(DIST_ROOT, 'grader', '*'));
    for (const flag of ['--allow-fs-write', '--allow-child-process', '--allow-worker', '--allow-wasi', '--allow-addons']) {
      expect(nodeCommand.some((a) => a.startsWith(flag))).toBe(false);
    }
    expect(plan.memoryLimitMb).toBe(256 + 1024);
  });

  it('allows addons only for the tensorflow backend', () => {
    const tf = runnerPlan(config(), request({ backend: 'tensorflow' }));
    tf.extraFds?.forEach((fd) => fs.closeSync(fd));
    expect(tf.args).toContain('--allow-addons');
  });

  it('keeps the grader uid when it is not root, and then sets no process limit', () => {
    const mine = runnerPlan(config({ root: false, dropUid: false }), request());
    mine.extraFds?.forEach((fd) => fs.closeSync(fd));
    expect(mine.args.some((a) => a.startsWith('--reuid'))).toBe(false);
    expect(mine.args).toContain('--pdeathsig=KILL'); // still dies with the grader
    expect(mine.args.some((a) => a.startsWith('--nproc'))).toBe(false);
    expect(mine.args).toContain('--nofile=256');
  });
});

describe('the unshare and none plans', () => {
  it('unshare: namespaces, private tmpfs mounts and the bundle from fd 4 (as root), then the uid switch, then node', () => {
    const root = process.getuid?.() === 0;
    const plan = runnerPlan(config({ mode: 'unshare', root, dropUid: root }), request());
    try {
      const all = [plan.command, ...plan.args];
      const unshare = all.indexOf('/usr/bin/unshare');
      expect(all.slice(unshare + 1, all.indexOf('--', unshare))).toEqual(
        expect.arrayContaining(['--pid', '--net', '--ipc', '--uts', '--mount', '--fork', '--kill-child', '--mount-proc']),
      );
      if (root) {
        const sh = all.indexOf('/bin/sh');
        expect(sh).toBeGreaterThan(unshare);
        const script = all[sh + 2];
        expect(script).toMatch(/mount -t tmpfs -o size=16777216,mode=1777,nosuid,nodev sandbox-tmp \/tmp/);
        expect(script).toMatch(/sandbox-shm \/dev\/shm/);
        expect(script).toMatch(/cat <&4 > \/tmp\/submission\/solution\.js/);
        expect(script).toMatch(/chmod 0400/);
        // setpriv twice: --pdeathsig before unshare (dies with the grader), the uid switch after the shell.
        expect(all.indexOf('/usr/bin/setpriv')).toBeLessThan(unshare);
        expect(all.lastIndexOf('/usr/bin/setpriv')).toBeGreaterThan(sh);
        expect(all.slice(all.lastIndexOf('/usr/bin/setpriv'))).toContain('--pdeathsig=KILL');
        expect(plan.bundlePath).toBe('/tmp/submission/solution.js');
        expect(plan.extraFds).toHaveLength(1);
        expect(all).toContain('--allow-fs-read=/tmp/submission/solution.js');
      } else {
        expect(all).toEqual(expect.arrayContaining(['--map-user=65534', '--map-group=65534']));
        expect(plan.bundlePath).toBe(bundlePath);
      }
    } finally {
      plan.extraFds?.forEach((fd) => fs.closeSync(fd));
    }
  });

  it('none: rlimits and the permission model; ulimit in a shell where prlimit is missing', () => {
    const plan = runnerPlan(config({ mode: 'none', dropUid: false, tools: { sh: '/bin/sh' } }), request());
    expect(plan.command).toBe('/bin/sh');
    expect(plan.args[0]).toBe('-c');
    expect(plan.args[1]).toContain('ulimit -t 1800');
    expect(plan.args).toContain(String(permissionSupport().flag));
    expect(plan.args).toContain(`--allow-fs-read=${bundlePath}`);
  });
});

describe('permission flags', () => {
  const node20: PermissionSupport = { flag: '--experimental-permission', wildcards: true, disableWarning: true, frozenIntrinsics: true };

  it('lists each path once (Node 20 aborts on a repeated --allow-fs-read)', () => {
    const flags = permissionFlags({ readDirs: ['/a', '/a'], readFiles: ['/b.js', '/b.js'], allowAddons: false, frozenIntrinsics: false }, node20);
    expect(flags).toEqual(['--disable-warning=ExperimentalWarning', '--experimental-permission', '--allow-fs-read=/a/*', '--allow-fs-read=/b.js']);
  });

  it('uses plain directories where wildcards are gone, and nothing when turned off', () => {
    const later: PermissionSupport = { ...node20, flag: '--permission', wildcards: false };
    expect(permissionFlags({ readDirs: ['/a'], readFiles: [], allowAddons: true, frozenIntrinsics: true }, later)).toEqual([
      '--disable-warning=ExperimentalWarning',
      '--frozen-intrinsics',
      '--permission',
      '--allow-fs-read=/a',
      '--allow-addons',
    ]);
    expect(permissionFlags({ readDirs: ['/a'], readFiles: [], allowAddons: false, frozenIntrinsics: false, enabled: false }, node20)).toEqual([
      '--disable-warning=ExperimentalWarning',
    ]);
  });
});

describe('limits and runtime files', () => {
  it('sets soft and hard rlimits alike, RLIMIT_DATA above the memory watch, never RLIMIT_AS', () => {
    const args = prlimitArgs(resolveLimits({ memoryMb: 400 }), 64);
    expect(args).toEqual(['--cpu=1800', `--fsize=${16 * 1024 * 1024}`, '--nofile=256', '--nproc=64', `--data=${(400 + 1024) * 1024 * 1024}`, '--core=0']);
    expect(args.join(' ')).not.toMatch(/--as=/);
    expect(ulimitScript(resolveLimits())).toMatch(/exec "\$@"$/);
  });

  it('binds the closure of the runtime packages and nothing of the build tools', () => {
    const dirs = runtimePackageDirs().map((d) => path.relative(path.join(PACKAGE_ROOT, 'node_modules'), d));
    expect(dirs).toEqual(expect.arrayContaining(['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'seedrandom', 'zod']));
    for (const tool of ['typescript', 'esbuild', 'jest', 'mnist', 'commander']) expect(dirs).not.toContain(tool);
  });
});
