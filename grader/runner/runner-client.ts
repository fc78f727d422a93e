/**
 * The grader's side of one runner process: start it, call into it with time limits, and
 * turn every way it can fail into a RunnerFailure. A failed runner is not reused; the caller
 * starts a fresh one for the next test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DIST_ROOT } from '../paths';
import { RunnerMessageSchema, type ParentMessage, type RunnerSetup } from './protocol';
import { RunnerKilledError, RunnerTimeoutError, StudentCodeError, type RunnerFailure } from './runner-errors';

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
   * Wraps the node command line in an isolation layer (bubblewrap, unshare). Returns the
   * command to spawn. The default runs node directly.
   */
  launcher?: (nodeCommand: string[]) => { command: string; args: string[]; env?: NodeJS.ProcessEnv };
  onProgress?: (callId: number, data: unknown) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: RunnerFailure): void;
  where: string;
  timer: NodeJS.Timeout;
}

export class RunnerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: RunnerFailure | undefined;
  private outputBytes = 0;
  private droppedBytes = 0;
  private readonly output: string[] = [];
  backend = '';
  exports: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: RunnerOptions,
  ) {}

  /** Starts a runner and loads the submission; rejects with a RunnerFailure if it cannot. */
  static async start(options: RunnerOptions): Promise<RunnerClient> {
    const nodeCommand = [
      process.execPath,
      `--max-old-space-size=${options.heapMb}`,
      '--stack-size=2000',
      RUNNER_MAIN,
    ];
    const launch = options.launcher?.(nodeCommand) ?? {
      command: nodeCommand[0],
      args: nodeCommand.slice(1),
      env: minimalEnv(),
    };
    const child = spawn(launch.command, launch.args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: launch.env ?? minimalEnv(),
      detached: true, // its own process group, so the whole tree can be killed
    });
    const client = new RunnerClient(child, options);
    client.attach();
    await client.handshake();
    return client;
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
    this.child.on('message', (raw: unknown) => this.onMessage(raw));
    this.child.on('error', (err) => this.fail(new RunnerKilledError('the runner', `could not start: ${err.message}`)));
    this.child.on('exit', (code, signal) => {
      const how = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
      const hint = signal === 'SIGKILL' || code === 134 ? ' (out of memory?)' : '';
      this.fail(new RunnerKilledError('the runner', `${how}${hint}`));
    });
  }

  private handshakeWaiter: { resolve(): void; reject(err: RunnerFailure): void } | undefined;

  private handshake(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new RunnerTimeoutError('loading solution.ts', this.options.startTimeoutMs);
        this.dead = err;
        this.handshakeWaiter = undefined;
        reject(err);
        this.kill();
      }, this.options.startTimeoutMs);
      this.handshakeWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const init: ParentMessage = {
        type: 'init',
        bundlePath: this.options.bundlePath,
        probesPath: this.options.probesPath,
        backend: this.options.backend,
        setup: this.options.setup ?? {},
      };
      this.child.send(init);
    });
  }

  private onMessage(raw: unknown): void {
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
        if (this.pending.has(msg.id)) this.options.onProgress?.(msg.id, msg.data);
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
  call(target: 'export' | 'probe', name: string, args: unknown[], timeoutMs: number, where?: string): Promise<unknown> {
    const label = where ?? (target === 'export' ? `${name}()` : `the test harness for ${name}`);
    if (this.dead !== undefined) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        reject(new RunnerTimeoutError(label, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, where: label, timer });
      const msg: ParentMessage = { type: 'call', id, target, name, args };
      try {
        this.child.send(msg);
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
    return this.droppedBytes > 0 ? `${text}\n… ${this.droppedBytes} more bytes of output dropped` : text;
  }

  private fail(err: RunnerFailure): void {
    if (this.dead === undefined) this.dead = err;
    this.handshakeWaiter?.reject(err);
    this.handshakeWaiter = undefined;
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(
        err instanceof RunnerKilledError ? new RunnerKilledError(waiter.where, err.reason) : err,
      );
      this.pending.delete(id);
    }
  }

  /** Kills the runner's whole process group. */
  kill(): void {
    const pid = this.child.pid;
    if (pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
    }
    this.fail(this.dead ?? new RunnerKilledError('the runner', 'stopped by the grader'));
  }
}

/** The runner sees none of the grader's environment (tokens, secrets). */
export function minimalEnv(): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    NODE_ENV: 'production',
  };
}
