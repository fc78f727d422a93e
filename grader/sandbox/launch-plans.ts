/**
 * The command lines that start a runner in each sandbox mode.
 *
 * bwrap (Linux with bubblewrap), from the outside in:
 *   prlimit <cpu, fsize, nofile, nproc, data, core>            rlimits, inherited by all
 *   setpriv --reuid U --regid U --clear-groups --no-new-privs   root: a fresh host uid;
 *           --pdeathsig=KILL                                   always: dies with the grader
 *   bwrap --unshare-all --unshare-user --disable-userns         every namespace, no network
 *         --uid 65534 --gid 65534 --die-with-parent --new-session --clearenv
 *         --proc /proc --dev /dev --size N --tmpfs /tmp
 *         --ro-bind <node, its libraries, runtime packages, dist/grader, probes>
 *         --ro-bind-data 4 /submission/solution.js              the one bundle, copied in
 *         --remount-ro /dev --remount-ro /
 *   node --max-old-space-size … --experimental-permission --allow-fs-read=<those paths>
 *        --frozen-intrinsics runner-main.js
 * Host paths are mirrored inside (relative requires of the probes keep working) except the
 * bundle, which is always /submission/solution.js. Node's IPC channel is fd 3, inherited
 * through every layer; --clearenv drops NODE_CHANNEL_FD, so it is set again.
 *
 * unshare (Linux without bubblewrap): prlimit, then unshare's pid, network, ipc, uts, mount
 * and cgroup namespaces (a private /proc); as root, a small shell mounts private sized
 * tmpfs over /tmp, /var/tmp and /dev/shm and copies the bundle in (from fd 4) for the
 * runner's uid only, then setpriv switches to that uid; then node with the permission model.
 * The rest of the file system is the host's: only the permission model and the uid keep
 * the runner from reading world-readable files.
 *
 * none (no OS isolation): rlimits (prlimit, or ulimit in a shell), setpriv to a fresh uid
 * when root (where it works: a container without namespaces usually still allows it), and
 * node with the permission model.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIRST_EXTRA_FD, IPC_FD, type LaunchPlan, type LaunchRequest } from '../runner/launch';
import type { HostTools } from './host-tools';
import { memoryLimitMb, prlimitArgs, ulimitScript, type SandboxLimits } from './limits';
import { permissionFlags } from './node-permissions';
import { cachedNodeRuntimeFiles, cachedRuntimePackageDirs, engineDir } from './runtime-files';
import { INSIDE_UID, allocateUid } from './uid-pool';

export type SandboxMode = 'bwrap' | 'unshare' | 'none';

export interface PlanConfig {
  mode: SandboxMode;
  tools: HostTools;
  /** The grader runs as root. */
  root: boolean;
  /** Runners get their own host uid (root with setpriv; see uid-pool.ts). */
  dropUid: boolean;
  limits: SandboxLimits;
  /** Node's permission model in the runner (off only to measure or test the other layers). */
  permissionModel: boolean;
  frozenIntrinsics: boolean;
}

/** Where the runner finds the submission's bundle under bubblewrap. */
export const SANDBOX_BUNDLE_PATH = '/submission/solution.js';

const MiB = 1024 * 1024;

/** The environment inside the sandbox (the grader's own never crosses). */
export function sandboxEnv(): Record<string, string> {
  return { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', NODE_ENV: 'production', HOME: '/tmp' };
}

/** What the node command runs: the runner script, or a trial's `-e code`. */
interface NodeTail {
  /** Arguments after node's own flags. */
  args: string[];
  /** The bundle on the host, when there is one. */
  bundlePath: string | null;
  /** Whether the spawned node talks over IPC (fd 3). */
  ipc: boolean;
}

function rlimitPrefix(config: PlanConfig, heapMb: number): string[] {
  const freshUid = config.dropUid && config.tools.setpriv !== undefined;
  if (config.tools.prlimit !== undefined) return [config.tools.prlimit, ...prlimitArgs(config.limits, heapMb, freshUid), '--'];
  if (config.tools.sh !== undefined) return [config.tools.sh, '-c', ulimitScript(config.limits), 'sh'];
  return [];
}

/**
 * The uid switch. --pdeathsig (applied after the switch, which would clear it) kills the
 * process when its parent dies: the grader, or unshare.
 */
function setprivPrefix(config: PlanConfig, uid: number | undefined): string[] {
  if (uid === undefined || config.tools.setpriv === undefined) return [];
  return [config.tools.setpriv, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '--pdeathsig=KILL', '--'];
}

/** Dies with the grader (SIGKILL when the grader's thread that spawned it exits). */
function pdeathPrefix(config: PlanConfig): string[] {
  return config.tools.setpriv !== undefined ? [config.tools.setpriv, '--pdeathsig=KILL', '--'] : [];
}

/** A uid for the runner when this grader can give one (root with setpriv). */
function runnerUid(config: PlanConfig): number | undefined {
  return config.dropUid && config.tools.setpriv !== undefined ? allocateUid() : undefined;
}

function bwrapPlan(config: PlanConfig, request: LaunchRequest, tail: NodeTail): LaunchPlan {
  const bwrap = config.tools.bwrap;
  if (bwrap === undefined) throw new Error('bubblewrap is not installed');
  const nodeFiles = cachedNodeRuntimeFiles(request.nodePath);
  const readDirs = [...cachedRuntimePackageDirs(), engineDir()];
  const readFiles: string[] = [];
  if (request.probesPath !== null) readFiles.push(request.probesPath);
  if (tail.bundlePath !== null) readFiles.push(SANDBOX_BUNDLE_PATH);
  const env: Record<string, string> = sandboxEnv();
  if (tail.ipc) Object.assign(env, { NODE_CHANNEL_FD: String(IPC_FD), NODE_CHANNEL_SERIALIZATION_MODE: 'advanced' });

  const args = ['--unshare-all', '--unshare-user'];
  if (bwrap.disableUserns) args.push('--disable-userns');
  args.push('--die-with-parent', '--new-session');
  args.push('--uid', String(INSIDE_UID), '--gid', String(INSIDE_UID), '--hostname', 'sandbox', '--clearenv');
  for (const [key, value] of Object.entries(env)) args.push('--setenv', key, value);
  // The private /tmp (and /proc, /dev) first: bwrap mounts in order, so binds of paths that
  // live under /tmp on the host (a checkout in /tmp, say) must come after, or the tmpfs
  // would hide them.
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--size', String(config.limits.tmpMb * MiB), '--tmpfs', '/tmp');
  for (const file of nodeFiles) args.push('--ro-bind', file.source, file.target);
  for (const dir of readDirs) args.push('--ro-bind', dir, dir);
  if (request.probesPath !== null) args.push('--ro-bind', request.probesPath, request.probesPath);
  const extraFds: number[] = [];
  if (tail.bundlePath !== null) {
    extraFds.push(fs.openSync(tail.bundlePath, 'r'));
    args.push('--ro-bind-data', String(FIRST_EXTRA_FD), SANDBOX_BUNDLE_PATH);
  }
  // The root and /dev are tmpfs mounts owned by the sandbox's user and unsized: read-only, or
  // files there would fill the host's memory (/dev/null and friends are separate mounts).
  args.push('--remount-ro', '/dev', '--remount-ro', '/', '--chdir', '/tmp', '--');
  const perms = permissionFlags({ readDirs, readFiles, allowAddons: request.backend === 'tensorflow', frozenIntrinsics: config.frozenIntrinsics, enabled: config.permissionModel });
  args.push(nodeFiles[0].target, ...request.nodeArgs, ...perms, ...tail.args);

  const uid = runnerUid(config);
  const command = [...rlimitPrefix(config, request.heapMb), ...(uid !== undefined ? setprivPrefix(config, uid) : pdeathPrefix(config)), bwrap.path, ...args];
  return {
    command: command[0],
    args: command.slice(1),
    env: sandboxEnv(),
    cwd: '/',
    bundlePath: SANDBOX_BUNDLE_PATH,
    probesPath: request.probesPath,
    extraFds,
    memoryLimitMb: memoryLimitMb(config.limits, request.heapMb),
  };
}

/** Staging folders not yet removed; removed at the latest when the grader exits. */
const stagedDirs = new Set<string>();
let exitHookInstalled = false;

function removeStaged(dir: string): void {
  stagedDirs.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Copies the bundle to a file that only `uid` can read, in a directory nobody but root can
 * list: the runner's uid cannot read the grader's work directory. The runner client calls
 * the clean-up once the runner has loaded it (or is gone).
 */
function stageBundle(bundlePath: string, uid: number): { file: string; cleanup: () => void } {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => stagedDirs.forEach((dir) => removeStaged(dir)));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grader-sandbox-'));
  stagedDirs.add(dir);
  const file = path.join(dir, 'solution.js');
  fs.copyFileSync(bundlePath, file);
  fs.chownSync(file, uid, uid);
  fs.chmodSync(file, 0o400);
  fs.chmodSync(dir, 0o711);
  return { file, cleanup: () => removeStaged(dir) };
}

function hostPermissionFlags(config: PlanConfig, request: LaunchRequest, bundlePath: string | null): string[] {
  const readDirs = [...cachedRuntimePackageDirs(), engineDir()];
  const readFiles: string[] = [];
  if (request.probesPath !== null) readFiles.push(request.probesPath);
  if (bundlePath !== null) readFiles.push(bundlePath);
  return permissionFlags({ readDirs, readFiles, allowAddons: request.backend === 'tensorflow', frozenIntrinsics: config.frozenIntrinsics, enabled: config.permissionModel });
}

/** A descriptor the unshare set-up script holds the host's /tmp on while it mounts over it. */
const KEEP_TMP_FD = 9;

/** Where the runner finds the bundle in unshare mode (inside its private /tmp). */
export const UNSHARE_BUNDLE_PATH = '/tmp/submission/solution.js';

/**
 * The shell that runs as root in unshare's fresh mount namespace before the uid switch:
 * private sized tmpfs mounts over /tmp, /var/tmp and /dev/shm (nothing the runner writes
 * reaches the host), and the bundle copied in from fd 4, readable by the runner's uid only.
 */
function unshareSetupScript(limits: SandboxLimits, uid: number, withBundle: boolean, keepUnderTmp: readonly string[]): string {
  const tmp = `size=${limits.tmpMb * MiB},mode=1777,nosuid,nodev`;
  const small = `size=${MiB},mode=1777,nosuid,nodev`;
  const quote = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;
  const lines = ['set -e'];
  // Runner files that live under the host's /tmp (a checkout in /tmp, say) would vanish
  // under the private tmpfs: keep a handle on the old /tmp and bind them back, read-only.
  if (keepUnderTmp.length > 0) lines.push(`exec ${KEEP_TMP_FD}</tmp`);
  lines.push(`mount -t tmpfs -o ${tmp} sandbox-tmp /tmp`);
  for (const p of keepUnderTmp) {
    const rel = path.posix.relative('/tmp', p);
    const isDir = fs.statSync(p).isDirectory();
    lines.push(
      isDir ? `mkdir -p ${quote(p)}` : `mkdir -p ${quote(path.posix.dirname(p))}; : > ${quote(p)}`,
      // --no-canonicalize: mount would otherwise resolve /proc/self/fd/N to "/tmp" by name,
      // which is now the new tmpfs, and bind the empty directory onto itself.
      `mount --no-canonicalize --bind /proc/self/fd/${KEEP_TMP_FD}/${quote(rel)} ${quote(p)}`,
      `mount -o remount,bind,ro ${quote(p)}`,
    );
  }
  if (keepUnderTmp.length > 0) lines.push(`exec ${KEEP_TMP_FD}<&-`);
  lines.push(
    `if [ -d /var/tmp ]; then mount -t tmpfs -o ${small} sandbox-var-tmp /var/tmp; fi`,
    `if [ -d /dev/shm ]; then mount -t tmpfs -o ${small} sandbox-shm /dev/shm; fi`,
  );
  if (withBundle) {
    const dir = path.posix.dirname(UNSHARE_BUNDLE_PATH);
    lines.push(
      `mkdir -m 0755 ${dir}`,
      `cat <&${FIRST_EXTRA_FD} > ${UNSHARE_BUNDLE_PATH}`,
      `exec ${FIRST_EXTRA_FD}<&-`,
      `chown ${uid}:${uid} ${UNSHARE_BUNDLE_PATH}`,
      `chmod 0400 ${UNSHARE_BUNDLE_PATH}`,
    );
  }
  lines.push('exec "$@"');
  return lines.join('\n');
}

function unsharePlan(config: PlanConfig, request: LaunchRequest, tail: NodeTail): LaunchPlan {
  const unshare = config.tools.unshare;
  if (unshare === undefined) throw new Error('unshare is not installed');
  const uid = runnerUid(config);
  const namespaces = ['--pid', '--net', '--ipc', '--uts', '--mount', '--cgroup', '--fork', '--kill-child', '--mount-proc'];
  // Without root, a user namespace is needed for the others; the runner keeps the grader's
  // uid, reads the bundle where it is and shares the host's /tmp (the permission model
  // forbids writing it).
  const userns = config.root ? [] : [`--map-user=${INSIDE_UID}`, `--map-group=${INSIDE_UID}`];
  let bundlePath = tail.bundlePath;
  const extraFds: number[] = [];
  let setup: string[] = [];
  if (uid !== undefined) {
    if (config.tools.sh === undefined) throw new Error('unshare mode needs a POSIX shell (sh) to set up its mounts');
    if (tail.bundlePath !== null) {
      extraFds.push(fs.openSync(tail.bundlePath, 'r'));
      bundlePath = UNSHARE_BUNDLE_PATH;
    }
    const runnerPaths = [...cachedRuntimePackageDirs(), engineDir(), ...(request.probesPath !== null ? [request.probesPath] : [])];
    const underTmp = runnerPaths.filter((p) => p.startsWith('/tmp/'));
    setup = [config.tools.sh, '-c', unshareSetupScript(config.limits, uid, tail.bundlePath !== null, underTmp), 'sandbox-setup'];
  }
  const perms = hostPermissionFlags(config, request, bundlePath);
  const command = [
    ...rlimitPrefix(config, request.heapMb),
    ...pdeathPrefix(config),
    unshare,
    ...userns,
    ...namespaces,
    '--',
    ...setup,
    ...setprivPrefix(config, uid),
    request.nodePath,
    ...request.nodeArgs,
    ...perms,
    ...tail.args,
  ];
  return {
    command: command[0],
    args: command.slice(1),
    env: sandboxEnv(),
    cwd: '/',
    bundlePath: bundlePath ?? undefined,
    probesPath: request.probesPath,
    extraFds,
    memoryLimitMb: memoryLimitMb(config.limits, request.heapMb),
  };
}

function nonePlan(config: PlanConfig, request: LaunchRequest, tail: NodeTail): LaunchPlan {
  // No namespaces; still a uid of its own when the grader is root (so it cannot signal the
  // grader, read its files or become root again).
  const uid = runnerUid(config);
  let bundlePath = tail.bundlePath;
  let cleanup: (() => void) | undefined;
  if (bundlePath !== null && uid !== undefined) {
    const staged = stageBundle(bundlePath, uid);
    bundlePath = staged.file;
    cleanup = staged.cleanup;
  }
  const perms = hostPermissionFlags(config, request, bundlePath);
  const command = [
    ...rlimitPrefix(config, request.heapMb),
    ...(uid !== undefined ? setprivPrefix(config, uid) : pdeathPrefix(config)),
    request.nodePath,
    ...request.nodeArgs,
    ...perms,
    ...tail.args,
  ];
  return {
    command: command[0],
    args: command.slice(1),
    env: sandboxEnv(),
    cwd: '/',
    bundlePath: bundlePath ?? undefined,
    probesPath: request.probesPath,
    memoryLimitMb: memoryLimitMb(config.limits, request.heapMb),
    cleanup,
  };
}

/** The plan that starts the runner of `request` in the configured mode. */
export function runnerPlan(config: PlanConfig, request: LaunchRequest): LaunchPlan {
  const tail: NodeTail = { args: [request.script], bundlePath: request.bundlePath, ipc: true };
  switch (config.mode) {
    case 'bwrap':
      return bwrapPlan(config, request, tail);
    case 'unshare':
      return unsharePlan(config, request, tail);
    case 'none':
      return nonePlan(config, request, tail);
  }
}

/**
 * A plan that runs `node -e code` in the configured sandbox, with the same binds, limits
 * and permissions as a runner (but no bundle): how the host is probed.
 */
export function trialPlan(config: PlanConfig, code: string): LaunchPlan {
  const request: LaunchRequest = {
    nodePath: process.execPath,
    nodeArgs: ['--max-old-space-size=64'],
    script: '',
    bundlePath: '',
    probesPath: null,
    backend: 'cpu',
    heapMb: 64,
  };
  const tail: NodeTail = { args: ['-e', code], bundlePath: null, ipc: false };
  switch (config.mode) {
    case 'bwrap':
      return bwrapPlan(config, request, tail);
    case 'unshare':
      return unsharePlan(config, request, tail);
    case 'none':
      return nonePlan(config, request, tail);
  }
}
