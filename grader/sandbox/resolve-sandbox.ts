/**
 * Chooses how runners are isolated on this machine and says which layers are active.
 *
 * Modes, best first: `bwrap` (bubblewrap), `unshare` (namespaces without bubblewrap),
 * `none` (no OS isolation: Node's permission model and rlimits only). `auto` takes the best
 * that works here; GRADER_SANDBOX or the `mode` option forces one, and a forced OS mode
 * that does not work is an error, never a silent fallback.
 *
 * `require`: the code is untrusted (the server, `grader grade`): without OS isolation this
 * throws SandboxUnavailableError unless `allowInsecure` (`--insecure-no-sandbox`).
 * Without `require` (a student's own check on a laptop) it runs with a one-line warning.
 */
import { memoryLimitMb, resolveLimits, type SandboxLimits } from './limits';
import type { Launcher } from '../runner/launch';
import { modeAvailability, probeHost, type HostReport } from './host-probe';
import { runnerPlan, type PlanConfig, type SandboxMode } from './launch-plans';
import { cachedNodeRuntimeFiles, cachedRuntimePackageDirs } from './runtime-files';
import { SandboxConfigError, SandboxUnavailableError } from './sandbox-errors';
import { SANDBOX_UID_RANGE } from './uid-pool';

export const SANDBOX_MODES = ['auto', 'bwrap', 'unshare', 'none'] as const;
export type SandboxModeChoice = (typeof SANDBOX_MODES)[number];

export interface SandboxOptions {
  /** Untrusted code: OS isolation is required (unless allowInsecure). */
  require: boolean;
  /** Accept running without OS isolation (`--insecure-no-sandbox`). */
  allowInsecure: boolean;
  /** Default: GRADER_SANDBOX, else 'auto'. */
  mode?: SandboxModeChoice;
  limits?: Partial<SandboxLimits>;
  /**
   * Node's permission model in the runner (default true). Off only to measure the
   * overhead or to test the other layers on their own.
   */
  permissionModel?: boolean;
  /** --frozen-intrinsics in the runner (default true). */
  frozenIntrinsics?: boolean;
}

export interface SandboxLayer {
  /** Short stable id: process, bwrap, namespaces, uid, filesystem, permissions, … */
  id: string;
  name: string;
  active: boolean;
  detail: string;
}

export interface ResolvedSandbox {
  mode: SandboxMode;
  /** An OS isolation layer (namespaces) is active. */
  isolated: boolean;
  launcher: Launcher;
  layers: SandboxLayer[];
  limits: SandboxLimits;
  /** One line for the user when there is no OS isolation. */
  warning: string | undefined;
}

function modeFromEnv(): SandboxModeChoice | undefined {
  const value = process.env.GRADER_SANDBOX?.trim();
  if (value === undefined || value === '') return undefined;
  if (!(SANDBOX_MODES as readonly string[]).includes(value)) {
    throw new SandboxConfigError(`GRADER_SANDBOX must be one of ${SANDBOX_MODES.join(', ')}, got '${value}'`);
  }
  return value as SandboxModeChoice;
}

function whyNoIsolation(): string {
  const host = probeHost();
  if (host.platform !== 'linux') return `no OS sandbox on ${host.platform}`;
  return `bubblewrap: ${modeAvailability('bwrap').detail}; unshare: ${modeAvailability('unshare').detail}`;
}

function chooseMode(choice: SandboxModeChoice): SandboxMode {
  if (choice === 'none') return 'none';
  if (choice !== 'auto') {
    const found = modeAvailability(choice);
    if (!found.available) throw new SandboxUnavailableError(`sandbox mode '${choice}' does not work on this machine: ${found.detail}`);
    return choice;
  }
  if (modeAvailability('bwrap').available) return 'bwrap';
  if (modeAvailability('unshare').available) return 'unshare';
  return 'none';
}

export function resolveSandbox(options: SandboxOptions): ResolvedSandbox {
  const limits = resolveLimits(options.limits);
  const choice = options.mode ?? modeFromEnv() ?? 'auto';
  const mode = chooseMode(choice);
  const isolated = mode !== 'none';
  const why = isolated ? '' : choice === 'none' ? 'OS isolation turned off (sandbox mode none)' : whyNoIsolation();
  if (!isolated && options.require && !options.allowInsecure) {
    const remedy =
      choice === 'none'
        ? 'unset GRADER_SANDBOX (or set it to auto)'
        : "install bubblewrap (Debian/Ubuntu: apt install bubblewrap) or run on Linux with util-linux's unshare as root";
    throw new SandboxUnavailableError(
      `refusing to run untrusted code without an OS sandbox (${why}): ${remedy}; to grade anyway, pass --insecure-no-sandbox`,
    );
  }
  const host = probeHost();
  const canDropUid = host.root && host.tools.setpriv !== undefined;
  const config: PlanConfig = {
    mode,
    tools: host.tools,
    root: host.root,
    dropUid: canDropUid && (mode !== 'none' || modeAvailability('none').available),
    limits,
    permissionModel: options.permissionModel ?? true,
    frozenIntrinsics: options.frozenIntrinsics ?? true,
  };
  const launcher: Launcher = (_nodeCommand, request) => runnerPlan(config, request);
  return {
    mode,
    isolated,
    launcher,
    layers: describeLayers(host, config),
    limits,
    warning: isolated ? undefined : `warning: submissions run without an OS sandbox (${why}); do not grade untrusted code here`,
  };
}

/** The layers a runner gets in `config` on `host`, for `grader doctor` and the logs. */
export function describeLayers(host: HostReport, config: PlanConfig): SandboxLayer[] {
  const { mode, limits, tools } = config;
  const layers: SandboxLayer[] = [];
  const add = (id: string, name: string, active: boolean, detail: string) => layers.push({ id, name, active, detail });
  const uidSwitch = config.dropUid;

  add('process', 'separate process', true, 'one runner per job, spoken to over IPC; its process group killed at the wall-clock limit');
  const unused = (m: 'bwrap' | 'unshare'): string => {
    const found = modeAvailability(m);
    return found.available ? `${found.detail}: works here, not used (sandbox mode ${mode})` : found.detail;
  };
  add('bwrap', 'bubblewrap', mode === 'bwrap', mode === 'bwrap' ? (tools.bwrap?.version ?? 'bubblewrap') : unused('bwrap'));
  if (mode === 'bwrap') {
    add('namespaces', 'namespaces', true, 'user, pid, network (no network), ipc, uts, mount, cgroup; the tree dies with bwrap');
  } else if (mode === 'unshare') {
    add('namespaces', 'namespaces', true, `unshare: ${host.root ? '' : 'user, '}pid, network (no network), ipc, uts, mount, cgroup`);
  } else {
    add('namespaces', 'namespaces', false, host.platform === 'linux' ? `unshare: ${unused('unshare')}` : `not available on ${host.platform}`);
  }
  if (mode === 'none' && !uidSwitch) {
    add('uid', 'unprivileged uid', false, "runs as the grader's own user");
  } else if (uidSwitch) {
    const range = `${SANDBOX_UID_RANGE.first}…${SANDBOX_UID_RANGE.first + SANDBOX_UID_RANGE.count - 1}`;
    add('uid', 'unprivileged uid', true, `a fresh host uid per runner (${range})${mode === 'bwrap' ? ', 65534 inside' : ''}`);
  } else if (host.root) {
    add('uid', 'unprivileged uid', false, 'root outside the user namespace: install setpriv (util-linux)');
  } else {
    add('uid', 'unprivileged uid', true, "65534 inside a user namespace, the grader's own uid outside");
  }
  if (mode === 'bwrap') {
    const libs = cachedNodeRuntimeFiles(process.execPath).length - 1;
    const packages = cachedRuntimePackageDirs().length;
    add('filesystem', 'private file system', true, `read-only: node + ${libs} libraries, ${packages} runtime packages, dist/grader, the probes, the bundle; tmpfs /tmp (${limits.tmpMb} MiB); nothing else`);
  } else {
    add('filesystem', 'private file system', false, "the host's (reads limited by the permission model only)");
  }
  const permission = host.permission;
  add(
    'permissions',
    'Node permission model',
    permission.flag !== undefined && config.permissionModel,
    !config.permissionModel
      ? 'turned off'
      : permission.flag !== undefined
      ? `${permission.flag}: reads only the runner's files; no writes, child processes, workers, addons (except tfjs-node), WASI, inspector`
      : `Node ${process.versions.node} has no permission model`,
  );
  add('intrinsics', 'frozen intrinsics', config.frozenIntrinsics && permission.frozenIntrinsics, '--frozen-intrinsics: built-in prototypes cannot be patched');
  add('hardening', 'runner hardening', true, 'IPC send captured and locked; getBuiltinModule, binding, dlopen, mainModule, kill, _debugProcess… removed');
  if (tools.prlimit !== undefined) {
    const nproc = uidSwitch ? `${limits.processes} processes/threads` : 'no process limit (the grader’s own uid)';
    add('rlimits', 'rlimits', true, `prlimit: cpu ${limits.cpuSeconds} s, file ${limits.fileSizeMb} MiB, ${limits.openFiles} files, ${nproc}, data heap+${limits.memoryOverHeapMb + limits.dataOverMemoryMb} MiB, no core`);
  } else if (tools.sh !== undefined) {
    add('rlimits', 'rlimits', true, `ulimit: cpu ${limits.cpuSeconds} s, file ${limits.fileSizeMb} MiB, ${limits.openFiles} files (no process or data limit)`);
  } else {
    add('rlimits', 'rlimits', false, 'neither prlimit nor sh found');
  }
  add('heap', 'V8 heap cap', true, '--max-old-space-size from the assignment (limits.heapMb)');
  add(
    'memory',
    'resident memory watch',
    host.procWatch,
    host.procWatch
      ? `the runner tree's VmRSS polled every 50 ms; killed above ${limits.memoryMb !== undefined ? `${limits.memoryMb} MiB` : `heap + ${limits.memoryOverHeapMb} MiB`} (e.g. ${memoryLimitMb(limits, 256)} MiB for a 256 MiB heap)`
      : 'no /proc on this system',
  );
  add('environment', 'clean environment', true, "PATH, LANG, NODE_ENV, HOME only: none of the grader's variables");
  add('output', 'output cap', true, 'stdout+stderr capped (64 KiB kept)');
  return layers;
}
