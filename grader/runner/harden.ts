/**
 * Hardening inside the runner process, applied before student code loads. Defence in
 * depth only: student code shares the runner's realm, so whatever it can reach the runner
 * can lose. The barriers are the operating system's (grader/sandbox: namespaces, an
 * unprivileged uid, rlimits) and Node's permission model; and the grader trusts nothing
 * the runner sends: replies travel on the runner channel (channel.ts), authenticated with
 * a key student code never sees.
 *
 * What is done here:
 * - Node's own IPC is closed (under bubblewrap the launch plan still opens it on fd 3, on a
 *   socket pair whose other end the grader has already closed) and `process.send` and
 *   friends are removed, so nothing looks like a way to the grader;
 * - `process.reallyExit` (what process.exit calls) is locked, so the runner's own exit
 *   stays an exit;
 * - ways to reach Node's internals or other processes without an import are removed from
 *   `process`: getBuiltinModule, binding, _linkedBinding, dlopen, mainModule (its
 *   `require` is the real one), kill/_kill, _debugProcess (turns on the inspector in
 *   another process), the uid and gid setters, chdir, loadEnvFile, report (writes files
 *   holding the environment) and the handle lists that expose open descriptors.
 */

import * as fs from 'node:fs';
import { IPC_FD } from './launch';

/**
 * Under --frozen-intrinsics (see grader/sandbox/node-permissions.ts) Node freezes `console`
 * too. The runner itself (the cpu backend's banner is silenced by swapping console.warn)
 * and ordinary submissions reassign console methods, so the global gets a mutable copy with
 * the same (bound) methods. Nothing is lost: console guards nothing.
 */
export function mutableConsole(): void {
  const frozen = globalThis.console;
  if (!Object.isFrozen(frozen)) return;
  const copy = Object.create(Object.getPrototypeOf(frozen) as object) as Console;
  for (const key of Reflect.ownKeys(frozen)) {
    const descriptor = Object.getOwnPropertyDescriptor(frozen, key);
    if (descriptor === undefined) continue;
    Object.defineProperty(copy, key, 'value' in descriptor ? { ...descriptor, writable: true, configurable: true } : { ...descriptor, configurable: true });
  }
  Object.defineProperty(globalThis, 'console', { value: copy, writable: true, configurable: true, enumerable: false });
}

function lock(name: string, value: unknown): void {
  Object.defineProperty(process, name, { value, writable: false, configurable: false, enumerable: true });
}

/** Locks `process.reallyExit`, which process.exit calls at the time of the call. */
export function lockExit(): void {
  const proc = process as unknown as { reallyExit?: unknown };
  if (typeof proc.reallyExit === 'function') lock('reallyExit', proc.reallyExit);
}

/** Node's IPC members of `process`, removed once the channel is closed. */
const NODE_IPC_PROPERTIES = ['send', '_send', 'channel', 'connected', 'disconnect', '_channel'] as const;

/**
 * Closes Node's IPC channel if Node opened one (NODE_CHANNEL_FD in the environment), or
 * else the unused socket the runner client leaves on that descriptor, and removes the
 * channel's members from `process`. Returns whether Node had opened it.
 */
export function closeNodeIpc(): boolean {
  const proc = process as unknown as Record<string, unknown> & { channel?: unknown; disconnect?: () => void };
  const had = proc.channel !== undefined && proc.channel !== null;
  if (had && typeof proc.disconnect === 'function') {
    try {
      proc.disconnect();
    } catch {
      /* already closed */
    }
  } else {
    try {
      // Only a socket: in a process started otherwise, fd 3 may be one of libuv's own.
      if (fs.fstatSync(IPC_FD).isSocket()) fs.closeSync(IPC_FD);
    } catch {
      /* not open */
    }
  }
  for (const name of NODE_IPC_PROPERTIES) {
    const descriptor = Object.getOwnPropertyDescriptor(proc, name);
    if (descriptor?.configurable === true) delete proc[name];
  }
  return had;
}

/** Properties of `process` removed before student code runs. */
export const REMOVED_PROCESS_PROPERTIES = [
  'getBuiltinModule',
  'binding',
  '_linkedBinding',
  'dlopen',
  'mainModule',
  '_kill',
  '_debugProcess',
  '_debugEnd',
  '_startProfilerIdleNotifier',
  '_stopProfilerIdleNotifier',
  '_getActiveHandles',
  '_getActiveRequests',
  'setuid',
  'setgid',
  'seteuid',
  'setegid',
  'setgroups',
  'initgroups',
  'chdir',
  'loadEnvFile',
  'report',
  'openStdin',
] as const;

/**
 * Removes the properties above from `process` and replaces `process.kill` by a function
 * that refuses. Returns the names actually removed.
 */
export function hardenProcess(): string[] {
  const removed: string[] = [];
  const target = process as unknown as Record<string, unknown>;
  for (const name of REMOVED_PROCESS_PROPERTIES) {
    const descriptor = Object.getOwnPropertyDescriptor(target, name);
    if (descriptor === undefined) continue;
    if (descriptor.configurable === true) {
      delete target[name];
      removed.push(name);
    } else if (descriptor.writable === true) {
      target[name] = undefined;
      removed.push(name);
    }
  }
  const refuse = (): never => {
    throw new Error('process.kill is not available to a submission');
  };
  lock('kill', refuse);
  return removed;
}
