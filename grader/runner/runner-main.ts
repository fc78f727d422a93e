/**
 * Entry point of the untrusted runner process. It loads one compiled submission, runs the
 * calls the grader asks for, and sends back plain data. It decides nothing: verdicts are made
 * by the grader from what it receives, and nothing printed here is trusted.
 */
import * as fs from 'node:fs';
import * as vm from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { initBackend, isBackendName } from '../tensors';
import { closeNodeIpc, hardenProcess, lockExit, mutableConsole } from './harden';
import { DEFAULT_REPLY_LIMITS, type ErrorInfo, type ParentMessage, type ReplyLimits, type RunnerSetup } from './protocol';
import { openRunnerEnd } from './runner-channel';
import { CallAuditor } from './call-audit';
import { auditCalls, exportThatThrew, exportsReturningUndefined, onExportEntered, resetCallRecord, takeLastSnapshot, watchedExport, watchedExports } from './watch-exports';
import { decodeValue, encodeValue } from './wire';
import type { ProbeContext, ProbeFunction, TrustedTf } from '../spec/probe';
import { captureTrustedTf } from './trusted-tf';

const exit = process.exit.bind(process);
const now = Date.now;
/** A turn of the event loop, captured before any submission loads (which may replace the global). */
const laterImmediate = setImmediate;
const nextTurn = () => new Promise<void>((resolve) => laterImmediate(resolve));
lockExit();
mutableConsole();
closeNodeIpc();

/** Set by the init message; until then the defaults. */
let limits: ReplyLimits = DEFAULT_REPLY_LIMITS;

const channel = openRunnerEnd(
  (raw) => {
    const msg = raw as ParentMessage;
    const work = msg.type === 'init' ? handleInit(msg) : handleCall(msg);
    work.catch((err: unknown) => {
      process.stderr.write(`runner: ${errorInfo(err).message}\n`);
      exit(70);
    });
  },
  (reason, closed) => {
    // The grader went away (it crashed, or killed us): nothing will ever be asked again.
    // (Under bubblewrap and setpriv the OS kills the runner with its parent in any case.)
    if (!closed) process.stderr.write(`runner: ${reason}\n`);
    exit(closed ? 0 : 70);
  },
);

/** Sends one message to the grader; a message that cannot be sent ends the runner. */
function send(message: unknown): void {
  try {
    channel.send(message, limits.maxFrameBytes);
  } catch (err) {
    process.stderr.write(`runner: cannot send to the grader: ${errorInfo(err).message}\n`);
    exit(70);
  }
}

/** Sends a call's result; one too large or not plain data goes back as the call's error. */
function sendResult(id: number, value: unknown): void {
  try {
    channel.send({ type: 'result', id, ok: true, value }, limits.maxFrameBytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : 'it is not plain data';
    send({ type: 'result', id, ok: false, error: { name: 'Error', message: `the returned value cannot be sent back to the grader: ${why.slice(0, 500)}` } });
  }
}

/**
 * Progress reports: dropped beyond maxProgressBytes, and beyond the rate (a token bucket of
 * progressBurst tokens refilled at progressPerSecond; the clock captured before any
 * submission loads). The client checks both again.
 */
let progressTokens = DEFAULT_REPLY_LIMITS.progressBurst;
let progressCheckedAt = now();
function sendProgress(id: number, data: unknown): void {
  const t = now();
  progressTokens = Math.min(limits.progressBurst, progressTokens + ((t - progressCheckedAt) / 1000) * limits.progressPerSecond);
  progressCheckedAt = t;
  if (progressTokens < 1) return;
  try {
    channel.send({ type: 'progress', id, data }, limits.maxProgressBytes);
    progressTokens -= 1;
  } catch {
    // Too large, or not plain data: a report is never worth a failure.
  }
}

let studentExports: Record<string, unknown> = {};
/** What probes see: the exports, each function watched (watch-exports.ts). */
let studentView: Record<string, unknown> = {};
let probes: Record<string, ProbeFunction> = {};
/** Measurements captured before the submission loads (trusted-tf.ts); probes read them. */
let trusted: TrustedTf | undefined;
let auditor: CallAuditor | undefined;

/** What was thrown, as plain strings; never throws itself (a thrown value may be hostile). */
function errorInfo(err: unknown): ErrorInfo {
  const from = exportThatThrew(err);
  const undefinedReturns = exportsReturningUndefined();
  const context = {
    ...(from !== undefined ? { export: from.slice(0, 200) } : {}),
    ...(undefinedReturns.length > 0 ? { returnedUndefined: undefinedReturns.map((n) => n.slice(0, 200)) } : {}),
  };
  try {
    if (err instanceof Error) {
      const stack: unknown = err.stack;
      return {
        name: String(err.name).slice(0, 200),
        message: String(err.message).slice(0, 10_000),
        stack: typeof stack === 'string' ? stack.slice(0, 10_000) : undefined,
        ...context,
      };
    }
    return { name: 'thrown value', message: `threw a non-Error value: ${String(err).slice(0, 1000)}`, ...context };
  } catch {
    return { name: 'thrown value', message: 'threw a value that cannot be printed', ...context };
  }
}

/** Autograd is off for assignments that must implement gradients by hand. */
function disableAutograd(message: string): void {
  const engine = tf.engine() as unknown as { gradients: unknown };
  const proto = Object.getPrototypeOf(engine) as { gradients: unknown };
  const refuse = () => {
    throw new Error(message);
  };
  proto.gradients = refuse;
  engine.gradients = refuse;
  // TF.js's own derivative of every op (tf.getGradient('Sigmoid').gradFunc, …): walking them
  // by hand is autograd too. Nothing in a runner without autograd needs them.
  const globals = (globalThis as { _tfGlobals?: unknown })._tfGlobals;
  const registry = globals instanceof Map ? (globals.get('gradRegistry') as unknown) : undefined;
  if (registry instanceof Map) registry.clear();
}

/** The only module a submission may require. */
function restrictedRequire(name: string): unknown {
  if (name === '@tensorflow/tfjs') return tf;
  throw new Error(`import of '${name}' is not allowed: only @tensorflow/tfjs may be imported`);
}

function loadSubmission(code: string): Record<string, unknown> {
  const fn = vm.compileFunction(code, ['require', 'module', 'exports', '__filename', '__dirname'], {
    filename: 'solution.js',
  });
  // No prototype: `module.constructor` leads nowhere (a real module's leads to Module._load).
  const mod = Object.create(null) as { exports: Record<string, unknown> };
  mod.exports = {};
  fn(restrictedRequire, mod, mod.exports, 'solution.js', '/submission');
  return mod.exports;
}

async function handleInit(msg: Extract<ParentMessage, { type: 'init' }>): Promise<void> {
  limits = msg.limits;
  progressTokens = limits.progressBurst;
  if (!isBackendName(msg.backend)) throw new Error(`unknown backend ${msg.backend}`);
  const backend = await initBackend(msg.backend);
  applySetup(msg.setup);
  if (msg.probesPath !== null) {
    const loaded = require(msg.probesPath) as { probes?: Record<string, ProbeFunction> };
    probes = loaded.probes ?? {};
  }
  const code = fs.readFileSync(msg.bundlePath, 'utf8');
  // Last step before student code: everything the runner itself needs is loaded.
  trusted = captureTrustedTf(tf);
  auditor = new CallAuditor(trusted, (v) => v instanceof tf.Tensor);
  auditCalls(auditor);
  hardenProcess();
  try {
    studentExports = loadSubmission(code);
    studentView = watchedExports(studentExports);
  } catch (err) {
    send({ type: 'init-error', error: errorInfo(err) });
    return;
  }
  send({ type: 'ready', backend, exports: Object.keys(studentExports).slice(0, 1000) });
}

function trustedTf(): TrustedTf {
  if (trusted === undefined) throw new Error('grader bug: a probe ran before the runner captured TF.js');
  return trusted;
}

function applySetup(setup: RunnerSetup): void {
  if (setup.disableAutograd !== undefined) disableAutograd(setup.disableAutograd);
}

/** The call being run, and the export last reported entered for it (see handleCall). */
let currentCall = 0;
let lastEntered: string | undefined;

async function handleCall(msg: Extract<ParentMessage, { type: 'call' }>): Promise<void> {
  resetCallRecord();
  currentCall = msg.id;
  lastEntered = undefined;
  // The grader learns which export is running, so that a timeout or a kill can name it.
  onExportEntered((name) => {
    if (name === lastEntered) return;
    lastEntered = name;
    send({ type: 'entered', id: currentCall, export: name.slice(0, 200) });
  });
  // Arguments of earlier direct calls, checked again: changed after their call had returned?
  auditor?.recheck();
  try {
    const args = (await decodeValue(msg.args)) as unknown[];
    let value: unknown;
    if (msg.target === 'audit') {
      value = null;
    } else if (msg.target === 'export') {
      const fn = studentExports[msg.name];
      if (typeof fn !== 'function') {
        throw new TypeError(`solution.ts does not export a function named '${msg.name}'`);
      }
      value = await (watchedExport(msg.name, fn) as (...a: unknown[]) => unknown)(...args);
      // The arguments are the runner's own: a change made a turn later (a microtask, a
      // timer of 0) is the export's, and so is one seen at any later call.
      const snap = takeLastSnapshot();
      if (snap !== undefined && auditor !== undefined) {
        await nextTurn();
        await nextTurn();
        auditor.keep(snap);
        auditor.recheck();
      }
    } else {
      const probe = probes[msg.name];
      if (probe === undefined) throw new Error(`grader bug: no probe named '${msg.name}'`);
      const ctx: ProbeContext = {
        student: studentView,
        tf,
        progress: (data: unknown) => sendProgress(msg.id, data),
        trusted: trustedTf(),
      };
      value = await probe(ctx, ...args);
    }
    const encoded = await encodeValue(value);
    sendAudit(msg.id);
    sendResult(msg.id, encoded);
  } catch (err) {
    sendAudit(msg.id);
    send({ type: 'result', id: msg.id, ok: false, error: errorInfo(err) });
  }
}

/** What the calls of student exports did during this runner call (before its result). */
function sendAudit(id: number): void {
  const exports = auditor?.take() ?? [];
  if (exports.length > 0) send({ type: 'audit', id, exports: exports.slice(0, 100) });
}

// A student promise that rejects without a handler must not pass silently, nor kill the
// runner between calls: it is reported on stderr.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in student code: ${errorInfo(reason).message}\n`);
});
