/**
 * What isolation works on this machine, found by trying it: each OS mode runs a tiny node
 * program through the very command line a runner would get (same binds, rlimits, uid
 * switch and permission flags) and checks from the inside that it runs under the expected
 * uid with no network interface but loopback. Installed is not enough: containers often
 * forbid user namespaces, and a distribution can restrict them (Ubuntu's AppArmor rule).
 *
 * The probe runs once per process (a few tens of milliseconds per mode) and is cached.
 */
import { spawnSync } from 'node:child_process';
import { canWatchProcessTree } from '../runner/process-tree';
import { findHostTools, isRoot, type HostTools } from './host-tools';
import { trialPlan, type PlanConfig, type SandboxMode } from './launch-plans';
import { DEFAULT_LIMITS } from './limits';
import { permissionSupport, type PermissionSupport } from './node-permissions';
import { INSIDE_UID, isSandboxUid } from './uid-pool';

export interface ModeAvailability {
  available: boolean;
  /** Why not, or what was seen. */
  detail: string;
}

export interface HostReport {
  platform: NodeJS.Platform;
  root: boolean;
  tools: HostTools;
  permission: PermissionSupport;
  /** /proc is readable: the memory watch works. */
  procWatch: boolean;
}

/** Printed by the trial program: who it runs as and which network interfaces it sees. */
const TRIAL_CODE = `const os = require('os');
process.stdout.write(JSON.stringify({ uid: process.getuid(), net: Object.keys(os.networkInterfaces()) }));`;

function firstLine(text: string): string {
  return text.trim().split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
}

function tryMode(mode: SandboxMode, tools: HostTools, root: boolean): ModeAvailability {
  if (mode === 'none' && !(root && tools.setpriv !== undefined)) return { available: true, detail: "the grader's own uid" };
  if (process.platform !== 'linux') return { available: false, detail: `not Linux (${process.platform})` };
  if (mode === 'bwrap' && tools.bwrap === undefined) return { available: false, detail: 'bwrap not installed (Debian/Ubuntu: apt install bubblewrap)' };
  if (mode === 'unshare' && tools.unshare === undefined) return { available: false, detail: 'unshare (util-linux) not installed' };
  const dropUid = root && tools.setpriv !== undefined;
  const config: PlanConfig = { mode, tools, root, dropUid, limits: { ...DEFAULT_LIMITS }, permissionModel: true, frozenIntrinsics: true };
  let plan;
  try {
    plan = trialPlan(config, TRIAL_CODE);
  } catch (err) {
    return { available: false, detail: err instanceof Error ? err.message : String(err) };
  }
  const run = spawnSync(plan.command, plan.args, { env: plan.env, cwd: plan.cwd, encoding: 'utf8', timeout: 20_000 });
  plan.cleanup?.();
  if (run.error !== undefined) return { available: false, detail: `could not run: ${run.error.message}` };
  if (run.status !== 0) {
    return { available: false, detail: `the trial failed (exit ${run.status ?? run.signal}): ${firstLine(run.stderr) || firstLine(run.stdout) || 'no message'}` };
  }
  let seen: { uid?: unknown; net?: unknown };
  try {
    seen = JSON.parse(run.stdout) as { uid?: unknown; net?: unknown };
  } catch {
    return { available: false, detail: `the trial printed no report: ${firstLine(run.stdout) || firstLine(run.stderr)}` };
  }
  const uid = typeof seen.uid === 'number' ? seen.uid : -1;
  const net = Array.isArray(seen.net) ? seen.net.map(String) : ['?'];
  const outside = net.filter((name) => name !== 'lo');
  if (mode !== 'none' && outside.length > 0) return { available: false, detail: `network interfaces visible inside: ${outside.join(', ')}` };
  const uidOk = mode === 'bwrap' ? uid === INSIDE_UID : dropUid ? isSandboxUid(uid) : uid !== 0 || !root;
  if (!uidOk) return { available: false, detail: `the runner would run as uid ${uid}` };
  const what = { bwrap: tools.bwrap?.version ?? 'bubblewrap', unshare: 'util-linux unshare', none: 'setpriv to a fresh uid' };
  return { available: true, detail: what[mode] };
}

let cached: HostReport | undefined;
const cachedModes = new Map<string, ModeAvailability>();

/** The tools and features of this machine (found once per process unless `refresh`). */
export function probeHost(refresh = false): HostReport {
  if (cached !== undefined && !refresh) return cached;
  cachedModes.clear();
  cached = {
    platform: process.platform,
    root: isRoot(),
    tools: findHostTools(),
    permission: permissionSupport(),
    procWatch: canWatchProcessTree(),
  };
  return cached;
}

/**
 * Whether a mode works here: tried once per process (a trial run). For `none` it says
 * whether the uid switch (root with setpriv) works.
 */
export function modeAvailability(mode: SandboxMode, refresh = false): ModeAvailability {
  const host = probeHost(refresh);
  let found = cachedModes.get(mode);
  if (found === undefined) {
    found = tryMode(mode, host.tools, host.root);
    cachedModes.set(mode, found);
  }
  return found;
}
