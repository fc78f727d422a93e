/**
 * The grader's side of one runner process: start it, call into it with time limits, and
 * turn every way it can fail into a RunnerFailure. A failed runner is not reused; the caller
 * starts a fresh one for the next test.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST_ROOT } from '../paths';
import { ChannelViolation, FRAME_HEADER_BYTES, FrameReader, FrameSealer, newChannelKey, TO_GRADER_FD, TO_RUNNER_FD } from './channel';
import { CodecError, decodeFrameValue, encodeFrameValue } from './frame-codec';
import { FIRST_EXTRA_FD, IPC_FD, type Launcher, type LaunchPlan, type LaunchRequest } from './launch';
import { canWatchProcessTree, treeResidentKb } from './process-tree';
import { DEFAULT_REPLY_LIMITS, RunnerMessageSchema, type CallTarget, type ParentMessage, type ReplyLimits, type RunnerSetup } from './protocol';
import { RunnerKilledError, RunnerTimeoutError, StudentCodeError, type RunnerFailure } from './runner-errors';
import { countEn } from '../util/plural';
import { mergeAudit, type CallAuditLog } from './call-audit';

export const RUNNER_MAIN = path.join(DIST_ROOT, 'grader', 'runner', 'runner-main.js');

export interface RunnerOptions {
  bundlePath: string;
  probesPath: string | null;
  backend: string;
  setup?: RunnerSetup;
  /** V8 old-space cap. */
  heapMb: number;
  /** Time allowed for start-up, including the student's module top level. */
  startTimeoutMs: number;
  /** Bytes of stdout+stderr kept; the rest is dropped and counted. */
  outputCapBytes?: number;
  /**
   * Wraps the node command line in an isolation layer (grader/sandbox: bubblewrap, unshare,
   * rlimits, Node's permission model). Returns the command to spawn. The default runs node
   * directly.
   */
  launcher?: Launcher;
  /**
   * Resident memory allowed to the runner's whole process tree, MiB; above it the runner is
   * killed (status `killed`). Overrides the launcher's; none when neither sets one.
   */
  memoryLimitMb?: number;
  /** How often the memory is looked at. */
  memoryPollMs?: number;
  onProgress?: (callId: number, data: unknown) => void;
  /** Bounds on what the runner sends back (protocol.ts); the defaults when absent. */
  replyLimits?: Partial<ReplyLimits>;
}

/** Frames the grader writes: trusted, but a call's arguments must still fit one frame. */
const OUTGOING_FRAME_CAP = 2 ** 31 - 1;

/**
 * The stdio of a runner: stdout and stderr collected, fd 3 a socket pair the client closes
 * at once (under bubblewrap the launch plan points Node's own IPC at fd 3, and Node aborts
 * on a closed descriptor there), the launch's extra descriptors from fd 4, and the runner
 * channel's two socket pairs on TO_RUNNER_FD and TO_GRADER_FD.
 */
function runnerStdio(extraFds: number[]): StdioOptions {
  const free = TO_RUNNER_FD - FIRST_EXTRA_FD - extraFds.length;
  if (free < 0) throw new Error(`a launch may hand the runner at most ${TO_RUNNER_FD - FIRST_EXTRA_FD} descriptors`);
  return ['ignore', 'pipe', 'pipe', 'pipe', ...extraFds, ...new Array<'ignore'>(free).fill('ignore'), 'pipe', 'pipe'];
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: RunnerFailure): void;
  where: string;
  timer: NodeJS.Timeout;
  /** The student export the runner last said it entered for this call. */
  entered?: string;
}

export class RunnerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: RunnerFailure | undefined;
  private outputBytes = 0;
  private droppedBytes = 0;
  private readonly output: string[] = [];
  private memoryTimer: NodeJS.Timeout | undefined;
  private cleaned = false;
  /** Calls to the runner; nothing may come back on it. */
  private readonly toRunner: Socket;
  /** Replies from the runner; nothing is written on it. */
  private readonly toGrader: Socket;
  private readonly sealer: FrameSealer;
  private readonly reader: FrameReader;
  private readonly limits: ReplyLimits;
  /** Progress reports the client still accepts now (a token bucket, like the runner's). */
  private progressTokens: number;
  private progressCheckedAt = Date.now();
  backend = '';
  exports: string[] = [];
  /** The highest resident memory of the runner's tree seen by the watch, KiB. */
  peakResidentKb = 0;
  /** What the calls of student exports did, over every call of this runner (call-audit.ts). */
  readonly audit: CallAuditLog = new Map();
  private readonly audited = new Set<number>();

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: RunnerOptions,
    private readonly plan: LaunchPlan,
    key: Uint8Array,
  ) {
    this.limits = { ...DEFAULT_REPLY_LIMITS, ...options.replyLimits };
    this.progressTokens = 2 * this.limits.progressBurst;
    this.sealer = new FrameSealer(key, 'to-runner');
    this.reader = new FrameReader(key, 'to-grader', this.limits.maxFrameBytes);
    const stdio = child.stdio as unknown as Array<Socket | null | undefined>;
    const toRunner = stdio[TO_RUNNER_FD];
    const toGrader = stdio[TO_GRADER_FD];
    if (toRunner === null || toRunner === undefined || toGrader === null || toGrader === undefined) throw new Error('the runner channel was not created');
    this.toRunner = toRunner;
    this.toGrader = toGrader;
    // Node's IPC in the runner (when the launch plan turns it on) leads nowhere.
    stdio[IPC_FD]?.destroy();
    // The key first, raw: the runner reads it before anything else, and before the submission loads.
    this.toRunner.write(key);
  }

  /** Starts a runner and loads the submission; rejects with a RunnerFailure if it cannot. */
  static async start(options: RunnerOptions): Promise<RunnerClient> {
    // A deep stack: a student's frames under many of TensorFlow.js's must not be cut off.
    const nodeArgs = [`--max-old-space-size=${options.heapMb}`, '--stack-size=2000', '--stack-trace-limit=60'];
    const nodeCommand = [process.execPath, ...nodeArgs, RUNNER_MAIN];
    const request: LaunchRequest = {
      nodePath: process.execPath,
      nodeArgs,
      script: RUNNER_MAIN,
      bundlePath: options.bundlePath,
      probesPath: options.probesPath,
      backend: options.backend,
      heapMb: options.heapMb,
    };
    let plan: LaunchPlan;
    try {
      plan = options.launcher?.(nodeCommand, request) ?? {
        command: nodeCommand[0],
        args: nodeCommand.slice(1),
        env: minimalEnv(),
      };
    } catch (err) {
      throw new RunnerKilledError('the runner', `could not prepare its sandbox: ${(err as Error).message}`);
    }
    const extraFds = plan.extraFds ?? [];
    let child: ChildProcess;
    try {
      child = spawn(plan.command, plan.args, {
        stdio: runnerStdio(extraFds),
        env: plan.env ?? minimalEnv(),
        cwd: plan.cwd,
        detached: true, // its own process group, so the whole tree can be killed
      });
    } catch (err) {
      plan.cleanup?.();
      throw new RunnerKilledError('the runner', `could not start: ${(err as Error).message}`);
    } finally {
      for (const fd of extraFds) {
        try {
          fs.closeSync(fd);
        } catch {
          /* already closed */
        }
      }
    }
    let client: RunnerClient;
    try {
      client = new RunnerClient(child, options, plan, newChannelKey());
    } catch (err) {
      child.kill('SIGKILL');
      plan.cleanup?.();
      throw new RunnerKilledError('the runner', `could not open its channel: ${(err as Error).message}`);
    }
    client.attach();
    client.watchMemory();
    await client.handshake();
    return client;
  }

  /** Kills the runner when its process tree's resident memory passes the limit. */
  private watchMemory(): void {
    const limitMb = this.options.memoryLimitMb ?? this.plan.memoryLimitMb;
    const pid = this.child.pid;
    if (limitMb === undefined || pid === undefined || !canWatchProcessTree()) return;
    const limitKb = limitMb * 1024;
    let polls = 0;
    this.memoryTimer = setInterval(() => {
      if (this.dead !== undefined) {
        this.stopWatching();
        return;
      }
      // The process group is scanned now and then only: it costs a walk over /proc, and
      // inside a sandbox's pid namespace the tree already holds every process.
      const { kb } = treeResidentKb(pid, ++polls % 10 === 0);
      if (kb > this.peakResidentKb) this.peakResidentKb = kb;
      if (kb > limitKb) {
        this.fail(new RunnerKilledError('the runner', `it used more than ${limitMb} MiB of memory (${Math.round(kb / 1024)} MiB resident)`));
        this.kill();
      }
    }, this.options.memoryPollMs ?? 50);
    this.memoryTimer.unref();
  }

  private stopWatching(): void {
    if (this.memoryTimer !== undefined) clearInterval(this.memoryTimer);
    this.memoryTimer = undefined;
  }

  /** Runs the launch's clean-up, once. */
  private cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    try {
      this.plan.cleanup?.();
    } catch {
      /* best effort: temporary files only */
    }
  }

  private attach(): void {
    const cap = this.options.outputCapBytes ?? 64 * 1024;
    const collect = (chunk: Buffer) => {
      if (this.outputBytes >= cap) {
        this.droppedBytes += chunk.length;
        return;
      }
      const text = chunk.toString('utf8', 0, Math.min(chunk.length, cap - this.outputBytes));
      this.outputBytes += chunk.length;
      this.output.push(text);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.toGrader.on('data', (chunk: Buffer) => this.onChannelData(chunk));
    // Only student code would write there (the runner reads that pair).
    this.toRunner.on('data', () => this.violation(new ChannelViolation('bytes on the grader-to-runner pair, written by student code')));
    // The runner's end closing, or a write to a runner that died: its exit says why.
    this.toGrader.on('error', () => undefined);
    this.toRunner.on('error', () => undefined);
    this.child.on('error', (err) => {
      this.fail(new RunnerKilledError('the runner', `could not start: ${err.message}`));
      this.stopWatching();
      this.cleanup();
    });
    this.child.on('exit', (code, signal) => {
      this.fail(new RunnerKilledError('the runner', describeExit(code, signal)));
      this.stopWatching();
      this.cleanup();
    });
  }

  private handshakeWaiter: { resolve(): void; reject(err: RunnerFailure): void } | undefined;

  private handshake(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = expireAfterPendingIo(this.options.startTimeoutMs, () => {
        if (this.handshakeWaiter === undefined) return; // the answer came with the pending I/O
        const err = new RunnerTimeoutError('loading solution.ts', this.options.startTimeoutMs);
        this.dead = err;
        this.handshakeWaiter = undefined;
        reject(err);
        this.kill();
      });
      // The bundle has been read once the handshake is over, either way: the launch's
      // temporary files can go.
      this.handshakeWaiter = {
        resolve: () => {
          clearTimeout(timer);
          this.cleanup();
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          this.cleanup();
          reject(err);
        },
      };
      const init: ParentMessage = {
        type: 'init',
        bundlePath: this.plan.bundlePath ?? this.options.bundlePath,
        probesPath: this.plan.probesPath !== undefined ? this.plan.probesPath : this.options.probesPath,
        backend: this.options.backend,
        setup: this.options.setup ?? {},
        limits: this.limits,
      };
      this.send(init);
    });
  }

  /** Seals and writes one message to the runner. */
  private send(message: ParentMessage): void {
    this.toRunner.write(this.sealer.seal(encodeFrameValue(message, { reserve: FRAME_HEADER_BYTES, maxBytes: OUTGOING_FRAME_CAP })));
  }

  /**
   * Bytes from the runner. Anything that is not an authenticated, bounded, well-formed frame
   * is a protocol violation: the runner is killed and the call in flight fails, saying so.
   */
  private onChannelData(chunk: Buffer): void {
    if (this.dead !== undefined) return;
    let bodies: Uint8Array[];
    try {
      bodies = this.reader.push(chunk);
    } catch (err) {
      return this.violation(err);
    }
    for (const body of bodies) {
      if (this.dead !== undefined) return;
      let raw: unknown;
      try {
        raw = decodeFrameValue(body);
      } catch (err) {
        return this.violation(err);
      }
      this.onMessage(raw, body.length + FRAME_HEADER_BYTES);
    }
  }

  private violation(err: unknown): void {
    const what =
      err instanceof ChannelViolation && /authentication/.test(err.message)
        ? "a reply did not come from the grader's runner (it failed authentication: student code wrote on the runner's channel)"
        : err instanceof ChannelViolation || err instanceof CodecError
          ? `it broke the protocol: ${err.message}`
          : `it broke the protocol: ${String(err)}`;
    this.fail(new RunnerKilledError('the runner', what));
    this.kill();
  }

  /** Whether a progress report may be passed on: the runner's rate, with room for bursts in transit. */
  private takeProgressToken(): boolean {
    const t = Date.now();
    this.progressTokens = Math.min(2 * this.limits.progressBurst, this.progressTokens + ((t - this.progressCheckedAt) / 1000) * this.limits.progressPerSecond);
    this.progressCheckedAt = t;
    if (this.progressTokens < 1) return false;
    this.progressTokens -= 1;
    return true;
  }

  private onMessage(raw: unknown, frameBytes: number): void {
    const parsed = RunnerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.fail(new RunnerKilledError('the runner', 'it sent a malformed message'));
      this.kill();
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'ready':
        this.backend = msg.backend;
        this.exports = msg.exports;
        this.handshakeWaiter?.resolve();
        this.handshakeWaiter = undefined;
        return;
      case 'init-error':
        this.handshakeWaiter?.reject(new StudentCodeError(msg.error, 'loading solution.ts'));
        this.handshakeWaiter = undefined;
        this.kill();
        return;
      case 'progress':
        // The runner never sends a larger one: only a broken runner does.
        if (frameBytes > this.limits.maxProgressBytes) return this.violation(new ChannelViolation(`a progress report of ${frameBytes} bytes, over the limit of ${this.limits.maxProgressBytes}`));
        if (this.pending.has(msg.id) && this.takeProgressToken()) this.options.onProgress?.(msg.id, msg.data);
        return;
      case 'entered': {
        const waiter = this.pending.get(msg.id);
        if (waiter !== undefined) waiter.entered = msg.export;
        return;
      }
      case 'audit':
        // Only for a call still waiting (at most one audit per call: a flood changes nothing).
        if (this.pending.has(msg.id) && !this.audited.has(msg.id)) {
          this.audited.add(msg.id);
          mergeAudit(this.audit, msg.exports);
        }
        return;
      case 'result': {
        const waiter = this.pending.get(msg.id);
        if (waiter === undefined) return; // a late or forged reply: ignored
        this.pending.delete(msg.id);
        clearTimeout(waiter.timer);
        if (msg.ok) waiter.resolve(msg.value);
        else waiter.reject(new StudentCodeError(msg.error, waiter.where));
        return;
      }
    }
  }

  /**
   * Calls a student export or a probe. Rejects with StudentCodeError, RunnerTimeoutError or
   * RunnerKilledError; after the latter two the runner is gone.
   */
  call(target: CallTarget, name: string, args: unknown[], timeoutMs: number, where?: string): Promise<unknown> {
    const label = where ?? (target === 'export' ? `${name}()` : target === 'audit' ? 'the audit of earlier calls' : `the test harness for ${name}`);
    if (this.dead !== undefined) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = expireAfterPendingIo(timeoutMs, () => {
        const waiter = this.pending.get(id);
        if (waiter === undefined) return; // answered (or failed) meanwhile
        this.pending.delete(id);
        this.kill();
        reject(new RunnerTimeoutError(label, timeoutMs, waiter.entered));
      });
      this.pending.set(id, { resolve, reject, where: label, timer });
      const msg: ParentMessage = { type: 'call', id, target, name, args };
      try {
        this.send(msg);
      } catch (err) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new RunnerKilledError(label, `could not send the call: ${(err as Error).message}`));
      }
    });
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** What the submission printed (capped). */
  printed(): string {
    const text = this.output.join('');
    return this.droppedBytes > 0 ? `${text}\n… ${countEn(this.droppedBytes, 'more byte', 'more bytes')} of output dropped` : text;
  }

  private fail(err: RunnerFailure): void {
    if (this.dead === undefined) this.dead = err;
    this.handshakeWaiter?.reject(err);
    this.handshakeWaiter = undefined;
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(
        err instanceof RunnerKilledError ? new RunnerKilledError(waiter.where, err.reason, waiter.entered) : err,
      );
      this.pending.delete(id);
    }
  }

  /**
   * Kills the runner's whole process group. Under bubblewrap the group is bwrap itself,
   * whose death kills its pid namespace (--die-with-parent on the namespace's init), and so
   * every process the submission could have started.
   */
  kill(): void {
    const pid = this.child.pid;
    if (pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
    }
    this.stopWatching();
    this.cleanup();
    this.fail(this.dead ?? new RunnerKilledError('the runner', 'stopped by the grader'));
  }
}

/**
 * A timer for a runner's deadline that lets already-arrived I/O go first. When the
 * grader's own event loop was blocked past the deadline (a synchronous type check while
 * the first runner boots, a busy machine), the timers phase would otherwise fire before
 * the runner's answer, already waiting in the IPC pipe, is read: the deadline is then
 * checked once more after the poll phase (setImmediate), and the caller's `expire` must
 * do nothing if the answer was handled meanwhile. Returns a handle for clearTimeout.
 */
function expireAfterPendingIo(ms: number, expire: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(expire), ms);
}

/**
 * How the runner ended, for the student. A wrapper (bwrap, unshare) reports its child's
 * death by signal N as exit code 128 + N.
 */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  let name: string | undefined = signal ?? undefined;
  if (name === undefined && code !== null && code > 128 && code < 128 + 65) {
    name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
  }
  if (name === undefined) return `exited with code ${code}`;
  const hints: Record<string, string> = {
    SIGKILL: ' (out of memory?)',
    SIGABRT: ' (out of memory?)',
    SIGXCPU: ' (CPU time limit)',
    SIGXFSZ: ' (file size limit)',
  };
  return `killed by ${name}${hints[name] ?? ''}`;
}

/** The runner sees none of the grader's environment (tokens, secrets). */
export function minimalEnv(): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    NODE_ENV: 'production',
  };
}
