/**
 * Watches the student's exports as the runner hands them out (to a probe, or for a direct
 * call), so that a failure can name the student's function that threw: "evaluate() threw",
 * not "the probe for the test … threw". Each exported function is wrapped in a Proxy (calls
 * and `new` pass through unchanged, statics and prototype stay); what it throws is tagged
 * with its name on the way out, including rejections of the promises it returns and errors
 * thrown while a generator it returned is iterated (mnist-loader's batches()).
 *
 * Also remembers which exports returned undefined synchronously during the current call: a
 * starter whose function has no body yet returns undefined, and the probe then fails on it
 * with a TypeError that names nothing of the student's.
 *
 * Every call from outside also goes through the auditor (grader/runner/call-audit.ts), which
 * measures it with the trusted meters.
 *
 * Runs inside the untrusted runner; a student can confuse it (throw the same object from two
 * exports), which only changes the wording of their own report.
 */

import type { CallAuditor, Snapshot } from './call-audit';

/** Thrown objects → the export they first left. */
const thrownBy = new WeakMap<object, string>();
/** Primitives cannot be keys of a WeakMap: the last one thrown out of an export. */
let lastPrimitive: { value: unknown; name: string } | undefined;
/** Exports that returned undefined since the last reset (one runner call). */
const undefinedReturns = new Set<string>();
/** The proxies made so far, per export function. */
const proxies = new WeakMap<object, unknown>();
/** Told each time an export is entered (the runner tells the grader, for timeouts). */
let enterHook: ((name: string) => void) | undefined;
/** Measures each call of an export (grader/runner/call-audit.ts); set by the runner. */
let auditor: CallAuditor | undefined;
/** The snapshot of the direct call that ended last (the runner keeps it for a later check). */
let lastSnapshot: Snapshot | undefined;

/** Sets the auditor every call of an export goes through. */
export function auditCalls(a: CallAuditor | undefined): void {
  auditor = a;
}

/** The snapshot of the last audited call that ended, taken once. */
export function takeLastSnapshot(): Snapshot | undefined {
  const s = lastSnapshot;
  lastSnapshot = undefined;
  return s;
}

/** Sets what is told when an export is entered (one hook; the runner's). */
export function onExportEntered(hook: ((name: string) => void) | undefined): void {
  enterHook = hook;
}

function tag(err: unknown, name: string): void {
  try {
    if ((typeof err === 'object' && err !== null) || typeof err === 'function') {
      if (!thrownBy.has(err)) thrownBy.set(err, name);
    } else {
      lastPrimitive = { value: err, name };
    }
  } catch {
    /* a revoked proxy or the like: the error stays untagged */
  }
}

/** The export a thrown value left, if it left one. */
export function exportThatThrew(err: unknown): string | undefined {
  try {
    if ((typeof err === 'object' && err !== null) || typeof err === 'function') return thrownBy.get(err);
    return lastPrimitive !== undefined && Object.is(lastPrimitive.value, err) ? lastPrimitive.name : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a new runner call: forgets the undefined returns of the previous one. */
export function resetCallRecord(): void {
  undefinedReturns.clear();
  lastPrimitive = undefined;
}

/** Exports that returned undefined during the current call. */
export function exportsReturningUndefined(): string[] {
  return [...undefinedReturns].slice(0, 50);
}

function kindOf(value: unknown): string {
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return '';
  }
}

/**
 * Runs a call of export `name`, tagging what it throws and watching what it returns; with
 * `args`, a call from outside the module, measured by the auditor until it settles.
 */
function watch(name: string, run: () => unknown, args?: readonly unknown[]): unknown {
  try {
    enterHook?.(name);
  } catch {
    /* the hook only informs */
  }
  const end = args !== undefined ? auditor?.begin(name, args) : undefined;
  const mark = end !== undefined ? auditor?.mark() : undefined;
  const finish = (outcome: { result?: unknown; threw: boolean; iterator: boolean }) => {
    if (end !== undefined) lastSnapshot = end(outcome);
  };
  let result: unknown;
  try {
    result = run();
  } catch (err) {
    finish({ threw: true, iterator: false });
    tag(err, name);
    throw err;
  }
  if (result === undefined) {
    finish({ result, threw: false, iterator: false });
    undefinedReturns.add(name);
    return result;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        finish({ result: value, threw: false, iterator: false });
        return value;
      },
      (err: unknown) => {
        finish({ threw: true, iterator: false });
        tag(err, name);
        throw err;
      },
    );
  }
  const kind = kindOf(result);
  const iterator = kind === '[object Generator]' || kind === '[object AsyncGenerator]';
  finish({ result, threw: false, iterator });
  if (iterator) return watchIterator(name, result as object, mark !== undefined ? auditor?.iterator(name, mark) : undefined);
  return result;
}

/**
 * A generator whose next/return/throw tag what they throw with the export's name, each step
 * measured by the auditor's `step` when there is one.
 */
function watchIterator(name: string, it: object, step?: (run: () => unknown) => unknown): object {
  return new Proxy(it, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if ((key === 'next' || key === 'return' || key === 'throw') && typeof value === 'function') {
        return (...args: unknown[]) => {
          const call = () => watch(name, () => Reflect.apply(value, target, args));
          return step !== undefined ? step(call) : call();
        };
      }
      return value;
    },
  });
}

/** The export `value` as handed out: functions watched, anything else as it is. */
export function watchedExport(name: string, value: unknown): unknown {
  if (typeof value !== 'function') return value;
  const known = proxies.get(value);
  if (known !== undefined) return known;
  const proxy: unknown = new Proxy(value, {
    apply(target, thisArg, args) {
      return watch(name, () => Reflect.apply(target, thisArg, args), args);
    },
    construct(target, args, newTarget) {
      return watch(name, () => Reflect.construct(target, args, newTarget === proxy ? target : newTarget), args) as object;
    },
  });
  proxies.set(value, proxy);
  return proxy;
}

/**
 * A view of the module's exports for probes: each property reads the student's export when
 * asked (a getter of theirs runs then, as before) and hands out the watched version.
 */
export function watchedExports(exports: Record<string, unknown>): Record<string, unknown> {
  const view = Object.create(null) as Record<string, unknown>;
  let keys: string[];
  try {
    keys = Object.keys(exports).slice(0, 1000);
  } catch {
    return exports;
  }
  for (const key of keys) {
    Object.defineProperty(view, key, {
      enumerable: true,
      get: () => watchedExport(key, exports[key]),
    });
  }
  return view;
}
