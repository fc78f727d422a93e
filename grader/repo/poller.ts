/**
 * Polling for plain git hosts (no webhooks): every interval, `git ls-remote` each student's
 * branch and report a head that differs from the last one seen. A remote that cannot be
 * reached is recorded and tried again at the next round; one student's problem never
 * delays the others more than the round's concurrency allows.
 */
import type { CourseConfig, StudentConfig } from '../config/course-config-schema';
import type { GradeStore } from '../store/grade-store';
import { remoteHead } from './ls-remote';

export interface PollRound {
  checked: number;
  /** Students whose head changed, with the new head. */
  changed: Array<{ studentId: string; commit: string }>;
  deleted: string[];
  errors: Array<{ studentId: string; error: string }>;
}

export interface PollerOptions {
  config: CourseConfig;
  store: GradeStore;
  /** A changed head: record it as a push. */
  onHead(student: StudentConfig, commit: string): void;
  /** ls-remote calls at once. */
  concurrency?: number;
  now?: () => number;
}

export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<PollRound> | undefined;

  constructor(private readonly options: PollerOptions) {}

  /** One round over the roster. Rounds never overlap. */
  pollOnce(): Promise<PollRound> {
    if (this.round !== undefined) return this.round;
    this.round = this.runRound().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async runRound(): Promise<PollRound> {
    const { config, store } = this.options;
    const now = this.options.now ?? Date.now;
    const out: PollRound = { checked: 0, changed: [], deleted: [], errors: [] };
    const pending = [...config.roster];
    const work = async () => {
      for (let student = pending.shift(); student !== undefined; student = pending.shift()) {
        out.checked += 1;
        try {
          const head = await remoteHead(student.repo, student.branch, config.limits.gitTimeoutMs);
          const last = store.findBranchHead(student.id);
          store.setBranchHead(student.id, { commit: head, checkedAt: now(), error: null });
          if (head === null) {
            if (last?.commit_sha !== null && last !== undefined) out.deleted.push(student.id);
            continue;
          }
          if (last?.commit_sha !== head) {
            out.changed.push({ studentId: student.id, commit: head });
            this.options.onHead(student, head);
          }
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          store.setBranchHeadError(student.id, now(), error);
          out.errors.push({ studentId: student.id, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 4) }, work));
    return out;
  }

  /** Polls now and then every `intervalMs`. */
  start(intervalMs: number, onRound?: (round: PollRound) => void): void {
    const run = () => {
      this.pollOnce().then(onRound, () => undefined);
    };
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.round?.catch(() => undefined);
  }
}
