/**
 * The grader's side of a judge process (judge-main.ts): a Node child with a V8 heap cap, a
 * resident-memory limit watched from outside and a wall-clock limit per request. It is started
 * on first use, retired after any failure (it died, timed out, ran out of memory, answered
 * nonsense), so the next request gets a fresh one, and closed after a while unused. Requests
 * go one at a time. The child holds neither the grader's nor the event loop's life: the grader
 * exits when it is done whether or not a judge is idle.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DIST_ROOT } from '../paths';
import { canWatchProcessTree, treeResidentKb } from '../runner/process-tree';
import type { LocalizedText } from '../spec/assignment-spec';
import { JudgeReplySchema, type JudgeReply, type JudgeRequest, type LoadRequest } from './judge-protocol';
import type { ModelBudget } from './model-budget';
import type { ModelFacts } from './model-facts';

export const JUDGE_MAIN = path.join(DIST_ROOT, 'grader', 'judge', 'judge-main.js');

export interface JudgeOptions {
  /** The tensor backend the judge loads (the grading's, so that numbers agree). */
  backend: string;
  /** V8 old-space cap, MiB. */
  heapMb?: number;
  /** Resident memory allowed to the judge, MiB (wasm memory and buffers included). */
  memoryLimitMb?: number;
  /** Wall time allowed to one request (a load, or a predict over all its images). */
  requestTimeoutMs?: number;
  /** Wall time allowed to start (Node, TF.js, the backend). */
  startTimeoutMs?: number;
  /** A judge unused this long is closed (the next request starts another). */
  idleMs?: number;
  memoryPollMs?: number;
}

const DEFAULTS = { heapMb: 1024, memoryLimitMb: 2048, requestTimeoutMs: 120_000, startTimeoutMs: 120_000, idleMs: 60_000, memoryPollMs: 100 };

export type JudgeFailureKind = 'timeout' | 'memory' | 'died' | 'broken';

/** The judge failed (not the model's refusal): what happened, for the student and the log. */
export class JudgeFailure extends Error {
  constructor(
    readonly kind: JudgeFailureKind,
    readonly text: LocalizedText,
    readonly detail: string,
  ) {
    super(`${text.en} (${detail})`);
    this.name = 'JudgeFailure';
  }
}

/** The model was refused by the judge (over budget, unreadable, not loadable). */
export class ModelRefused extends Error {
  constructor(readonly text: LocalizedText) {
    super(text.en);
    this.name = 'ModelRefused';
  }
}

/** The model could not take the inputs (TF.js's message), or has several outputs. */
export class PredictRejected extends Error {
  constructor(
    readonly detail: string,
    readonly outputs?: number,
  ) {
    super(detail);
    this.name = 'PredictRejected';
  }
}

export interface JudgedHandle {
  readonly handle: number;
  /** The judge process that holds it: a handle of a retired judge is gone. */
  readonly generation: number;
  readonly facts: ModelFacts;
  readonly budget: ModelBudget;
}

interface Live {
  child: ChildProcess;
  generation: number;
  /** Set when the child exits: the reason every pending and later request fails. */
  gone?: string;
  onGone: Array<(why: string) => void>;
  stderr: string;
}

function failureText(kind: JudgeFailureKind, options: Required<Omit<JudgeOptions, 'backend'>>, what: string): LocalizedText {
  switch (kind) {
    case 'timeout':
      return {
        en: `the grader's judge process, which runs ${what}, took longer than ${Math.round(options.requestTimeoutMs / 1000)} s and was stopped; the model is too slow to evaluate.`,
        ru: `процесс проверки, который запускает ${what}, работал дольше ${Math.round(options.requestTimeoutMs / 1000)} с и был остановлен: модель слишком медленная для оценки.`,
      };
    case 'memory':
      return {
        en: `the grader's judge process, which runs ${what}, needed more than ${options.memoryLimitMb} MB of memory and was stopped; the model is too large to evaluate.`,
        ru: `процессу проверки, который запускает ${what}, понадобилось больше ${options.memoryLimitMb} МБ памяти, и он был остановлен: модель слишком велика для оценки.`,
      };
    case 'died':
      return {
        en: `the grader's judge process, which runs ${what}, stopped unexpectedly (usually: it ran out of memory); the model could not be evaluated.`,
        ru: `процесс проверки, который запускает ${what}, неожиданно завершился (обычно — нехватка памяти): модель не удалось оценить.`,
      };
    case 'broken':
      return {
        en: `the grader's judge process, which runs ${what}, failed; the model could not be evaluated.`,
        ru: `процесс проверки, который запускает ${what}, дал сбой: модель не удалось оценить.`,
      };
  }
}

export class Judge {
  private readonly options: Required<Omit<JudgeOptions, 'backend'>> & { backend: string };
  private live: Live | undefined;
  private generation = 0;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: JudgeOptions) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Loads a model; throws ModelRefused (the student's message) or JudgeFailure. */
  load(artifacts: LoadRequest['artifacts'], what: string): Promise<JudgedHandle> {
    return this.serial(async () => {
      const live = await this.ensure(what);
      const reply = await this.request(live, { type: 'load', id: this.nextId++, what, artifacts }, what);
      if (reply.type === 'refused') throw new ModelRefused(reply.text);
      if (reply.type !== 'loaded') throw this.retire(live, 'broken', what, `unexpected reply '${reply.type}' to load`);
      return { handle: reply.handle, generation: live.generation, facts: reply.facts, budget: reply.budget };
    });
  }

  /** Runs the model on `inputs` (shape [n, ...]); throws PredictRejected or JudgeFailure. */
  predict(model: JudgedHandle, inputs: Float32Array, shape: number[], batchSize: number, what: string): Promise<{ values: Float32Array; shape: number[] }> {
    return this.serial(async () => {
      const live = this.live;
      if (live === undefined || live.generation !== model.generation || live.gone !== undefined) {
        throw new JudgeFailure('died', failureText('died', this.options, what), 'the judge that held the model is gone');
      }
      const reply = await this.request(live, { type: 'predict', id: this.nextId++, handle: model.handle, inputs, shape, batchSize }, what);
      if (reply.type === 'predict-failed') throw new PredictRejected(reply.message, reply.outputs);
      if (reply.type !== 'predicted') throw this.retire(live, 'broken', what, `unexpected reply '${reply.type}' to predict`);
      return { values: reply.values, shape: reply.shape };
    });
  }

  /** Frees the model in its judge (nothing to do when that judge is gone). */
  dispose(model: JudgedHandle): Promise<void> {
    return this.serial(async () => {
      const live = this.live;
      if (live === undefined || live.generation !== model.generation || live.gone !== undefined) return;
      await this.request(live, { type: 'dispose', id: this.nextId++, handle: model.handle }, 'the model').catch(() => undefined);
    });
  }

  /** Stops the judge process; a later request starts a fresh one unless `final`. */
  close(final = true): void {
    this.closed = this.closed || final;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    if (this.live !== undefined) this.kill(this.live, 'closed');
  }

  /** The judge's process id (tests), when one runs. */
  get pid(): number | undefined {
    return this.live?.gone === undefined ? this.live?.child.pid : undefined;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private kill(live: Live, why: string): void {
    if (live.gone === undefined) {
      live.gone = why;
      for (const f of live.onGone.splice(0)) f(why);
    }
    try {
      live.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    if (this.live === live) this.live = undefined;
  }

  private retire(live: Live, kind: JudgeFailureKind, what: string, detail: string): JudgeFailure {
    this.kill(live, detail);
    return new JudgeFailure(kind, failureText(kind, this.options, what), detail);
  }

  private async ensure(what: string): Promise<Live> {
    if (this.closed) throw new JudgeFailure('broken', failureText('broken', this.options, what), 'the judge is closed');
    if (this.live !== undefined && this.live.gone === undefined) return this.live;
    const child = fork(JUDGE_MAIN, [], {
      execArgv: [`--max-old-space-size=${this.options.heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Nothing of the grader's environment (tokens, secrets): the judge needs none of it.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GRADER_BACKEND: this.options.backend },
    });
    const live: Live = { child, generation: ++this.generation, onGone: [], stderr: '' };
    this.live = live;
    child.stderr?.on('data', (chunk: Buffer) => {
      live.stderr = (live.stderr + chunk.toString('utf8')).slice(-2_000);
    });
    child.on('exit', (code, signal) => {
      if (live.gone === undefined) {
        live.gone = `exited (${signal ?? `code ${code}`})${live.stderr !== '' ? `: ${live.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        for (const f of live.onGone.splice(0)) f(live.gone);
      }
      if (this.live === live) this.live = undefined;
    });
    child.on('error', () => this.kill(live, 'could not be started'));
    this.unref(live);
    const ready = await this.reply(live, (m) => m.type === 'ready', this.options.startTimeoutMs, what);
    if (ready.type !== 'ready') throw this.retire(live, 'broken', what, 'no ready message');
    return live;
  }

  /** Lets the grader exit with an idle judge (ref'd again while a request waits). */
  private unref(live: Live): void {
    live.child.unref();
    (live.child.channel as { unref?: () => void } | null | undefined)?.unref?.();
    (live.child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  private ref(live: Live): void {
    live.child.ref();
    (live.child.channel as { ref?: () => void } | null | undefined)?.ref?.();
  }

  private async request(live: Live, message: JudgeRequest, what: string): Promise<JudgeReply> {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    try {
      live.child.send(message);
    } catch (err) {
      throw this.retire(live, 'died', what, `could not send: ${(err as Error).message}`);
    }
    try {
      const reply = await this.reply(live, (m) => 'id' in m && m.id === message.id, this.options.requestTimeoutMs, what);
      if (reply.type === 'error') throw this.retire(live, 'broken', what, reply.message);
      return reply;
    } finally {
      if (live.gone === undefined) {
        this.idleTimer = setTimeout(() => this.kill(live, 'idle'), this.options.idleMs);
        this.idleTimer.unref();
      }
    }
  }

  /** The next message matching `wanted`, within `timeoutMs`, while the memory is watched. */
  private reply(live: Live, wanted: (m: JudgeReply) => boolean, timeoutMs: number, what: string): Promise<JudgeReply> {
    return new Promise<JudgeReply>((resolve, reject) => {
      this.ref(live);
      const done = () => {
        clearTimeout(timer);
        clearInterval(watch);
        live.child.off('message', onMessage);
        const i = live.onGone.indexOf(onGone);
        if (i >= 0) live.onGone.splice(i, 1);
        if (live.gone === undefined) this.unref(live);
      };
      const onMessage = (raw: unknown) => {
        const parsed = JudgeReplySchema.safeParse(raw);
        if (!parsed.success) {
          done();
          reject(this.retire(live, 'broken', what, `malformed reply: ${parsed.error.message.slice(0, 300)}`));
          return;
        }
        if (!wanted(parsed.data)) return;
        done();
        resolve(parsed.data);
      };
      const onGone = (why: string) => {
        done();
        reject(new JudgeFailure('died', failureText('died', this.options, what), why));
      };
      const timer = setTimeout(() => {
        done();
        reject(this.retire(live, 'timeout', what, `no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      const watch = setInterval(() => {
        if (!canWatchProcessTree() || live.child.pid === undefined) return;
        const { kb } = treeResidentKb(live.child.pid);
        if (kb > this.options.memoryLimitMb * 1024) {
          done();
          reject(this.retire(live, 'memory', what, `resident memory ${Math.round(kb / 1024)} MB`));
        }
      }, this.options.memoryPollMs);
      if (live.gone !== undefined) {
        onGone(live.gone);
        return;
      }
      live.onGone.push(onGone);
      live.child.on('message', onMessage);
    });
  }
}
