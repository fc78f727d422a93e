/**
 * A runner's process tree as Linux's /proc shows it: its members and their resident memory.
 * The runner client polls this to kill a job whose memory passes its limit (RLIMIT_AS would
 * break WebAssembly, and the V8 heap cap does not see ArrayBuffers, wasm memory or native
 * allocations).
 *
 * The tree is the root process and its descendants, found through
 * /proc/<pid>/task/<tid>/children, plus every process in the root's process group (a
 * double-forked daemon that left the tree but not the group). Inside bubblewrap's pid
 * namespace orphans are re-parented to the namespace's init, which stays in the tree.
 *
 * Everything here tolerates processes vanishing between two reads.
 */
import * as fs from 'node:fs';

/** True where the tree can be read (Linux with /proc). */
export function canWatchProcessTree(): boolean {
  return process.platform === 'linux' && fs.existsSync(`/proc/${process.pid}/statm`);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    const text = readText(`/proc/${pid}/task/${tid}/children`);
    if (text === undefined) continue;
    for (const part of text.split(' ')) {
      const child = Number(part);
      if (Number.isInteger(child) && child > 0) out.push(child);
    }
  }
  return out;
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parens). */
function statFields(pid: number): string[] | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const close = text.lastIndexOf(')');
  return close < 0 ? undefined : text.slice(close + 2).split(' ');
}

/** Members of the process group `pgid` (a scan of /proc: only used when asked for). */
export function processGroupMembers(pgid: number): number[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const fields = statFields(pid);
    // fields[0] = state, [1] = ppid, [2] = pgrp
    if (fields !== undefined && Number(fields[2]) === pgid) out.push(pid);
  }
  return out;
}

/** The root and all its descendants (breadth first, each once). */
export function processTree(rootPid: number): number[] {
  const seen = new Set<number>();
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    if (!fs.existsSync(`/proc/${pid}`)) continue;
    seen.add(pid);
    queue.push(...childrenOf(pid));
    if (seen.size > 10_000) break; // a fork bomb: enough to know the total is too high
  }
  return [...seen];
}

/** Resident memory of one process in KiB (VmRSS; 0 when it is gone or a zombie). */
export function residentKb(pid: number): number {
  const text = readText(`/proc/${pid}/status`);
  if (text === undefined) return 0;
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match === null ? 0 : Number(match[1]);
}

/**
 * Resident memory of the tree rooted at `rootPid` (and of its process group when
 * `withGroup`), in KiB, with the number of processes counted.
 */
export function treeResidentKb(rootPid: number, withGroup = false): { kb: number; processes: number } {
  const pids = new Set(processTree(rootPid));
  if (withGroup) for (const pid of processGroupMembers(rootPid)) pids.add(pid);
  let kb = 0;
  for (const pid of pids) kb += residentKb(pid);
  return { kb, processes: pids.size };
}
