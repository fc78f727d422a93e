/**
 * Hardening inside the runner process, applied before student code loads. Defence in
 * depth only: student code shares the runner's realm, so whatever it can reach the runner
 * can lose. The barriers are the operating system's (grader/sandbox: namespaces, an
 * unprivileged uid, rlimits) and Node's permission model; and the grader trusts nothing
 * the runner sends, so a forged reply is no better than a returned value.
 *
 * What is done here:
 * - the IPC send path (`process.send` and the `process._send` it calls) is captured and
 *   locked before anything else runs, so the runner's own replies go through the original
 *   functions;
 * - ways to reach Node's internals or other processes without an import are removed from
 *   `process`: getBuiltinModule, binding, _linkedBinding, dlopen, mainModule (its
 *   `require` is the real one), kill/_kill, _debugProcess (turns on the inspector in
 *   another process), the uid and gid setters, chdir, loadEnvFile, report (writes files
 *   holding the environment) and the handle lists that expose the IPC pipe.
 */

type Send = (message: unknown) => void;

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

/**
 * Captures the IPC send and locks `process.send` and `process._send` to their original
 * functions. Returns undefined when the process has no IPC channel.
 */
export function captureSend(): Send | undefined {
  const proc = process as unknown as { send?: unknown; _send?: unknown; reallyExit?: unknown };
  const send = proc.send;
  const rawSend = proc._send;
  if (typeof send !== 'function') return undefined;
  lock('send', send);
  if (typeof rawSend === 'function') lock('_send', rawSend);
  // process.exit calls process.reallyExit at the time of the call.
  if (typeof proc.reallyExit === 'function') lock('reallyExit', proc.reallyExit);
  const bound = (send as (message: unknown) => boolean).bind(process);
  return (message: unknown) => {
    bound(message);
  };
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
