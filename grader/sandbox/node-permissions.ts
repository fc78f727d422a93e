/**
 * Node's permission model inside the runner (Node 20: --experimental-permission; Node 22.13
 * and later: --permission). With it the runner may read only the listed paths and may not
 * write files, start processes or workers, load addons, use WASI or the inspector.
 * The IPC channel (an inherited file descriptor) and the wasm backend's .wasm file (read
 * from its package directory, which is listed) keep working.
 *
 * What it does not cover (Node 20): the network (the sandbox's network namespace does),
 * reads and writes on already open file descriptors, process.kill (removed in the runner,
 * see grader/runner/harden.ts) and the amount of memory or CPU.
 *
 * Two more Node flags belong to this layer: --frozen-intrinsics (the JavaScript
 * built-ins' prototypes cannot be changed, so a submission cannot pollute
 * Object.prototype or Array.prototype under the runner's own code) and
 * --disable-warning=ExperimentalWarning (the notices would land in the submission's output).
 */
import * as path from 'node:path';

export interface PermissionSupport {
  /** The flag that turns the model on, or undefined when this Node has none. */
  flag: '--permission' | '--experimental-permission' | undefined;
  /** Whether --allow-fs-read takes `dir/*` wildcards (Node 20–22) or plain recursive dirs. */
  wildcards: boolean;
  /** Whether --disable-warning exists (Node 20.11+). */
  disableWarning: boolean;
  frozenIntrinsics: boolean;
}

export function permissionSupport(): PermissionSupport {
  const flags = process.allowedNodeEnvironmentFlags;
  const major = Number(process.versions.node.split('.')[0]);
  const flag = flags.has('--permission') ? '--permission' : flags.has('--experimental-permission') ? '--experimental-permission' : undefined;
  return {
    flag,
    wildcards: major < 23,
    disableWarning: flags.has('--disable-warning'),
    frozenIntrinsics: flags.has('--frozen-intrinsics'),
  };
}

export interface PermissionRequest {
  /** Directories the runner reads (recursively). */
  readDirs: string[];
  /** Single files the runner reads. */
  readFiles: string[];
  /** The tensorflow backend (tfjs-node) is a native addon. */
  allowAddons: boolean;
  frozenIntrinsics: boolean;
  /** False: no permission flags at all (to measure or test the other layers alone). */
  enabled?: boolean;
}

/** Node flags for the runner; an empty list when this Node has no permission model. */
export function permissionFlags(request: PermissionRequest, support: PermissionSupport = permissionSupport()): string[] {
  const out: string[] = [];
  if (support.disableWarning) out.push('--disable-warning=ExperimentalWarning');
  if (request.frozenIntrinsics && support.frozenIntrinsics) out.push('--frozen-intrinsics');
  if (support.flag === undefined || request.enabled === false) return out;
  out.push(support.flag);
  // Each path once: Node 20 aborts (an assertion in its permission radix tree) when the
  // same --allow-fs-read path is given twice.
  const reads = new Set<string>();
  for (const dir of request.readDirs) reads.add(support.wildcards ? path.join(dir, '*') : dir);
  for (const file of request.readFiles) reads.add(file);
  for (const entry of reads) out.push(`--allow-fs-read=${entry}`);
  if (request.allowAddons) out.push('--allow-addons');
  return out;
}
