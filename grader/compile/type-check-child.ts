/**
 * The grader's side of the type-check child process (type-check-child-main.ts).
 *
 * A submission's types decide how much work the TypeScript checker does, and the checker is
 * synchronous: in the grader's own process, 64 KiB of type-level code could hold it for
 * hours. So the check runs in a child process with a wall-clock limit (the child is killed)
 * and a heap limit (node's --max-old-space-size: V8 ends the child). Either is reported to
 * the caller as a limit, never thrown; only the grader's own failures (a broken contract, a
 * child that cannot start or dies for no known reason) are thrown.
 *
 * One warm child is kept between checks (TypeScript loaded, its libraries and tfjs's
 * declarations parsed after the first check, or by warmUpTypeChecker), so a normal check
 * costs about what it cost in process. A child that
 * hit a limit or failed is killed and the next check starts a fresh one. An idle child does
 * not keep the grader's process alive, and exits when its parent goes away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DIST_ROOT } from '../paths';
import { ContractSetupError } from './contract-types';
import type { CompileDiagnostic } from './diagnostics';
import type { TypeCheckInput } from './type-check';
import { TypeCheckReplySchema, type TypeCheckRequest } from './type-check-protocol';

export const TYPE_CHECK_CHILD_MAIN = path.join(DIST_ROOT, 'grader', 'compile', 'type-check-child-main.js');

export interface TypeCheckLimits {
  /** Wall-clock time for one check, from the moment the started child receives it (a cold child parses the libraries within it). */
  timeoutMs: number;
  /** The child's V8 heap (--max-old-space-size). */
  heapMb: number;
}

/**
 * A normal submission checks in well under a second on a warm child (about 2 s cold) with a
 * heap of about 130 MB, mostly tfjs's declarations: the limits leave a wide margin for a
 * slow machine and stop type-level code long before it costs minutes or gigabytes.
 */
export const DEFAULT_TYPE_CHECK_LIMITS: Readonly<TypeCheckLimits> = Object.freeze({ timeoutMs: 20_000, heapMb: 512 });

/** Start-up (node, loading TypeScript) is the grader's cost, with its own wide limit. */
const START_TIMEOUT_MS = 120_000;

/** Checks one child does before it is replaced (bounds whatever a long life accumulates). */
const CHECKS_PER_CHILD = 200;

const STDERR_KEEP = 4000;

/** What V8 prints when a heap limit ends the process. */
const HEAP_EXHAUSTED = /heap out of memory|Reached heap limit|Ineffective mark-compacts near heap limit/;

export type TypeCheckOutcome =
  | { kind: 'checked'; diagnostics: CompileDiagnostic[] }
  /** The submission's types used up a limit: a compile error of the submission. */
  | { kind: 'limit'; limit: 'time' | 'memory'; limits: TypeCheckLimits };

let nextId = 1;

function isRefCounted(h: unknown): h is { ref(): void; unref(): void } {
  return typeof h === 'object' && h !== null && 'ref' in h && typeof h.ref === 'function' && 'unref' in h && typeof h.unref === 'function';
}

class TypeCheckChild {
  private readonly process: ChildProcess;
  /** Resolves once TypeScript is loaded and warmed up; rejects when the child cannot start. */
  readonly ready: Promise<void>;
  /** Resolves when the process has gone. */
  readonly gone: Promise<void>;
  checks = 0;
  private exited = false;
  private stderrTail = '';

  constructor(readonly heapMb: number) {
    this.process = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, TYPE_CHECK_CHILD_MAIN], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    this.gone = new Promise((resolve) => {
      const done = () => {
        this.exited = true;
        resolve();
      };
      this.process.on('close', done);
      this.process.on('error', done);
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.process.off('message', onMessage);
        this.process.off('close', onClose);
      };
      const onMessage = (raw: unknown) => {
        const parsed = TypeCheckReplySchema.safeParse(raw);
        if (!parsed.success || parsed.data.type !== 'ready') return;
        cleanup();
        resolve();
      };
      const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
        cleanup();
        reject(new Error(`the type-check process exited (${signal ?? `code ${code}`}) before it was ready${this.tail()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        this.kill();
        reject(new Error(`the type-check process was not ready within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      // Only a check in progress keeps the grader's process alive (see hold).
      timer.unref();
      this.process.on('message', onMessage);
      this.process.on('close', onClose);
    });
    this.ready.catch(() => undefined); // observed by check(), or the child is simply dropped
    this.hold(false);
  }

  /** Has the child parse the libraries now (it answers nothing; a check sent later waits for it). */
  warmUp(): void {
    if (this.usable) this.process.send({ type: 'warm-up' }, () => undefined);
  }

  get usable(): boolean {
    return !this.exited && this.process.connected;
  }

  kill(): void {
    if (this.exited) return;
    // Held until it has gone, so that whoever awaits `gone` sees it go.
    this.hold(true);
    this.process.kill('SIGKILL');
  }

  /** While a check is in progress the child keeps the event loop alive; idle, it does not. */
  private hold(busy: boolean): void {
    // stderr is a pipe socket: it holds the loop too.
    const handles: unknown[] = [this.process, this.process.channel, this.process.stderr];
    for (const h of handles) {
      if (!isRefCounted(h)) continue;
      if (busy) h.ref();
      else h.unref();
    }
  }

  private tail(): string {
    const t = this.stderrTail.trim();
    return t === '' ? '' : `:\n${t}`;
  }

  async check(input: TypeCheckInput, limits: TypeCheckLimits): Promise<TypeCheckOutcome> {
    this.hold(true);
    try {
      await this.ready;
      return await this.run(input, limits);
    } finally {
      this.hold(false);
    }
  }

  private run(input: TypeCheckInput, limits: TypeCheckLimits): Promise<TypeCheckOutcome> {
    const id = nextId++;
    const child = this.process;
    const request: TypeCheckRequest = {
      type: 'check',
      id,
      dir: input.dir,
      entry: input.entry,
      sources: [...input.sources],
      ...(input.contract !== undefined ? { contract: { path: input.contract.path, typeName: input.contract.typeName } } : {}),
    };
    return new Promise<TypeCheckOutcome>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('close', onClose);
        fn();
      };
      const onMessage = (raw: unknown) => {
        const parsed = TypeCheckReplySchema.safeParse(raw);
        if (!parsed.success) {
          this.kill();
          settle(() => reject(new Error('the type-check process sent a malformed reply')));
          return;
        }
        const reply = parsed.data;
        if (reply.type === 'ready' || reply.id !== id) return;
        this.checks += 1;
        if (reply.type === 'checked') {
          settle(() => resolve({ kind: 'checked', diagnostics: reply.diagnostics }));
          return;
        }
        const error = reply.name === 'ContractSetupError' ? new ContractSetupError(reply.message) : new Error(`the type checker failed: ${reply.name}: ${reply.message}`);
        settle(() => reject(error));
      };
      // 'close' comes after stderr has been read to its end: V8's last words are in the tail.
      const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
        if (HEAP_EXHAUSTED.test(this.stderrTail)) {
          settle(() => resolve({ kind: 'limit', limit: 'memory', limits }));
          return;
        }
        settle(() => reject(new Error(`the type-check process exited (${signal ?? `code ${code}`}) during a check${this.tail()}`)));
      };
      const timer = setTimeout(() => {
        this.kill();
        settle(() => resolve({ kind: 'limit', limit: 'time', limits }));
      }, limits.timeoutMs);
      child.on('message', onMessage);
      child.on('close', onClose);
      if (!this.usable) {
        settle(() => reject(new Error(`the type-check process is gone${this.tail()}`)));
        return;
      }
      child.send(request, (err) => {
        if (err !== null) settle(() => reject(new Error(`cannot talk to the type-check process: ${err.message}`)));
      });
    });
  }
}

/** The warm child waiting for the next check (at most one is kept). */
let idle: TypeCheckChild | undefined;
const live = new Set<TypeCheckChild>();

function startChild(heapMb: number): TypeCheckChild {
  const child = new TypeCheckChild(heapMb);
  live.add(child);
  void child.gone.then(() => live.delete(child));
  return child;
}

function takeChild(heapMb: number): TypeCheckChild {
  const warm = idle;
  idle = undefined;
  if (warm !== undefined && warm.usable && warm.heapMb === heapMb) return warm;
  warm?.kill();
  return startChild(heapMb);
}

function giveBack(child: TypeCheckChild): void {
  if (idle === undefined && child.usable && child.checks < CHECKS_PER_CHILD) idle = child;
  else child.kill();
}

/**
 * Starts a type-check child now (if none is waiting), so that its start-up overlaps the
 * reading and bundling of the folder; the next check uses it. Cheap to call again.
 */
export function prestartTypeChecker(heapMb: number = DEFAULT_TYPE_CHECK_LIMITS.heapMb): TypeCheckChild {
  if (idle !== undefined && idle.usable && idle.heapMb === heapMb) return idle;
  idle?.kill();
  idle = startChild(heapMb);
  return idle;
}

/**
 * For a long-lived grader (a grading process waiting for its first job, a server): starts
 * the type-check child and has it parse TypeScript's libraries and tfjs's declarations
 * now, so that the first check is as fast as the later ones.
 */
export function warmUpTypeChecker(heapMb: number = DEFAULT_TYPE_CHECK_LIMITS.heapMb): void {
  const child = prestartTypeChecker(heapMb);
  void child.ready.then(() => child.warmUp(), () => undefined);
}

/**
 * Type-checks in the child process within `limits`. Resolves with the diagnostics or with
 * the limit the submission used up; rejects for the grader's own failures.
 */
export async function typeCheckInChild(input: TypeCheckInput, limits: TypeCheckLimits = DEFAULT_TYPE_CHECK_LIMITS): Promise<TypeCheckOutcome> {
  const child = takeChild(limits.heapMb);
  let outcome: TypeCheckOutcome;
  try {
    outcome = await child.check(input, limits);
  } catch (err) {
    child.kill();
    throw err;
  }
  if (outcome.kind === 'checked') giveBack(child);
  else child.kill();
  return outcome;
}

/** Type-check processes alive now, warm or busy (for tests). */
export function typeCheckProcessCount(): number {
  return live.size;
}

/** Ends every type-check child (tests; a process that wants to exit at once). */
export async function closeTypeCheckers(): Promise<void> {
  idle = undefined;
  const all = [...live];
  for (const child of all) child.kill();
  await Promise.all(all.map((c) => c.gone));
}
