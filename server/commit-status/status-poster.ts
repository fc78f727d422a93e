/**
 * Sends commit statuses to the git host, in the background: a failed post (network error,
 * timeout, 408, 429, 5xx) is tried again with exponential backoff, a bounded number of
 * times; a refusal (another 4xx: bad token, unknown repository) is not. Nothing here
 * throws to its caller or waits on it: grading and storage never depend on the host.
 *
 * One commit's status for one context is one slot, and the newest status wins: a status
 * waiting for its retry is replaced by a newer one (the final result never loses to a stale
 * "pending" still being retried), and statuses of one slot are sent one at a time, in order.
 */
import { EventEmitter } from 'node:events';
import type { CommitStatusConfig } from '../../grader/config/course-config-schema';
import { backoffMs } from '../../grader/queue/backoff';
import { formatDuration } from '../../grader/queue/service-log';
import { PROVIDER_STATES, statusRequest, type CommitStatus, type StatusRequest } from './status-requests';

export interface PosterTimes {
  /** Tries per status, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** One request's limit. */
  timeoutMs: number;
  /** Requests open at once (a class regraded at once must not flood the host's API). */
  concurrency: number;
}

export const DEFAULT_POSTER_TIMES: Readonly<PosterTimes> = Object.freeze({ attempts: 5, baseMs: 2_000, maxMs: 60_000, timeoutMs: 15_000, concurrency: 4 });

/** What happened to one status (tests and the log follow these). */
export type DeliveryEvent =
  | { type: 'posted'; status: CommitStatus; attempt: number; httpStatus: number }
  | { type: 'retry'; status: CommitStatus; attempt: number; error: string; inMs: number }
  | { type: 'failed'; status: CommitStatus; attempt: number; error: string }
  | { type: 'superseded'; status: CommitStatus };

interface Slot {
  next?: CommitStatus;
  running: boolean;
  /** What the host last accepted here (a repeat is not sent again). */
  lastPosted?: string;
  lastPhase?: CommitStatus['phase'];
  /** Ends a backoff early: a newer status came, or the poster closes. */
  wake?: () => void;
}

type Attempt = { ok: true; httpStatus: number } | { ok: false; retry: boolean; error: string };

const FINAL: ReadonlySet<CommitStatus['phase']> = new Set(['success', 'failure', 'error']);

function keyOf(s: CommitStatus): string {
  return `${s.repoPath}@${s.sha}#${s.context}`;
}

export class StatusPoster extends EventEmitter {
  private readonly times: PosterTimes;
  private readonly slots = new Map<string, Slot>();
  private readonly inFlight = new Set<AbortController>();
  /** Requests waiting for one of the `concurrency` places. */
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private closed = false;

  constructor(
    private readonly config: CommitStatusConfig,
    private readonly log: (line: string) => void,
    times: Partial<PosterTimes> = {},
  ) {
    super();
    this.times = { ...DEFAULT_POSTER_TIMES, ...times };
  }

  /** Queues a status; returns at once. */
  post(status: CommitStatus): void {
    if (this.closed) return;
    const key = keyOf(status);
    const slot = this.slots.get(key) ?? { running: false };
    this.slots.set(key, slot);
    if (slot.next !== undefined) this.emitDelivery({ type: 'superseded', status: slot.next });
    slot.next = status;
    slot.wake?.();
    if (!slot.running) void this.drain(key, slot);
  }

  /** True when nothing is waiting or being sent. */
  idle(): boolean {
    return [...this.slots.values()].every((s) => !s.running);
  }

  /** Stops: waiting retries are dropped, requests in flight aborted. */
  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) slot.wake?.();
    for (const controller of this.inFlight) controller.abort();
    for (const go of this.waiting.splice(0)) go();
  }

  private async acquire(): Promise<void> {
    if (this.active < this.times.concurrency) {
      this.active += 1;
      return;
    }
    // The place is handed over by release(), still counted.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active -= 1;
  }

  private emitDelivery(event: DeliveryEvent): void {
    this.emit('delivery', event);
  }

  private async drain(key: string, slot: Slot): Promise<void> {
    slot.running = true;
    try {
      while (slot.next !== undefined && !this.closed) {
        const status = slot.next;
        slot.next = undefined;
        const fingerprint = `${PROVIDER_STATES[this.config.provider][status.phase]}\n${status.description}\n${status.targetUrl}`;
        if (fingerprint === slot.lastPosted) continue;
        if (await this.deliver(status, slot)) {
          slot.lastPosted = fingerprint;
          slot.lastPhase = status.phase;
        }
      }
    } catch (err) {
      this.log(`commit status: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      slot.running = false;
      // A slot at rest on a final status is forgotten (the map does not grow with every commit).
      if (slot.next === undefined && (slot.lastPhase === undefined || FINAL.has(slot.lastPhase))) this.slots.delete(key);
      if (this.idle()) this.emit('idle');
    }
  }

  /** Sends one status, retrying; false when it was not accepted (refused, gave up, replaced, closed). */
  private async deliver(status: CommitStatus, slot: Slot): Promise<boolean> {
    const where = `${status.repoPath}@${status.sha.slice(0, 12)} ${status.context}`;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(statusRequest(this.config, status));
      if (outcome.ok) {
        this.emitDelivery({ type: 'posted', status, attempt, httpStatus: outcome.httpStatus });
        return true;
      }
      if (this.closed) return false;
      if (!outcome.retry || attempt >= this.times.attempts) {
        const error = outcome.retry ? `${outcome.error} (gave up after ${attempt} attempts)` : outcome.error;
        this.log(`commit status ${status.phase} for ${where} not posted: ${error}`);
        this.emitDelivery({ type: 'failed', status, attempt, error });
        return false;
      }
      if (slot.next !== undefined) return this.superseded(status);
      const inMs = backoffMs(attempt, { baseMs: this.times.baseMs, maxMs: this.times.maxMs });
      this.log(`commit status ${status.phase} for ${where}: ${outcome.error}; trying again in ${formatDuration(inMs)}`);
      this.emitDelivery({ type: 'retry', status, attempt, error: outcome.error, inMs });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, inMs);
        slot.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      slot.wake = undefined;
      if (this.closed) return false;
      if (slot.next !== undefined) return this.superseded(status);
    }
  }

  private superseded(status: CommitStatus): false {
    this.emitDelivery({ type: 'superseded', status });
    return false;
  }

  private async attempt(request: StatusRequest): Promise<Attempt> {
    await this.acquire();
    try {
      if (this.closed) return { ok: false, retry: false, error: 'closed' };
      return await this.send(request);
    } finally {
      this.release();
    }
  }

  private async send(request: StatusRequest): Promise<Attempt> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.times.timeoutMs} ms`)), this.times.timeoutMs);
    try {
      const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: controller.signal, redirect: 'error' });
      const text = (await res.text()).slice(0, 300).replace(/\s+/g, ' ');
      if (res.ok) return { ok: true, httpStatus: res.status };
      const retry = res.status === 408 || res.status === 429 || res.status >= 500;
      return { ok: false, retry, error: `${request.url} answered ${res.status}${text !== '' ? `: ${text}` : ''}` };
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return { ok: false, retry: true, error: `${request.url}: ${reason instanceof Error ? reason.message : String(reason)}${reason === err ? cause : ''}` };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }
}
