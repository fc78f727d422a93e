/**
 * What one viewer's live feed relays of a job's progress (report-events.ts sends it).
 *
 * Before the release, a student's feed carries nothing of a hidden test: not its start or
 * end, name, status or points, nor any epoch frame sent while it ran. Epoch frames carry
 * numbers the submission chose, and the runner that ran a hidden test is the same process
 * for the tests after it, so once a hidden test has started no epoch frame reaches the
 * student at all (the code could have kept the hidden inputs and send them later under a
 * visible test's name). Visible tests are numbered among the visible tests only, so the
 * numbering shows neither where hidden tests sit nor how many there are.
 *
 * Epoch frames come as fast as the submission likes: they are coalesced (the latest per
 * test waits for the next flush) and a frame larger than the schema's bounds allow is
 * dropped. Test starts and ends come from the trusted grader, one each per test, and pass
 * at once.
 */
import type { JobProgress } from '../../grader/queue/job-progress';

/** A test as the spec lists it (order, name, visibility). */
export interface PlannedTest {
  readonly name: string;
  readonly visibility: 'visible' | 'hidden';
  readonly points: number;
}

/** The largest frame relayed (JSON bytes); what the schema allows stays well under it. */
export const MAX_FRAME_BYTES = 2048;
/** Tests whose latest epoch waits for a flush; more is not a real spec. */
const MAX_PENDING_TESTS = 64;

type Epoch = Extract<JobProgress, { type: 'epoch' }>;

export class LiveFeed {
  /** Index in the spec → index among the visible tests. */
  private readonly visibleIndex = new Map<number, number>();
  private readonly visibleNames = new Set<string>();
  private readonly visibleTotal: number;
  private hiddenStarted = false;
  private readonly pendingEpochs = new Map<string, Epoch>();

  constructor(
    tests: readonly PlannedTest[],
    /** Instructors, and students once the assignment's hidden tests are released. */
    readonly showHidden: boolean,
  ) {
    let n = 0;
    tests.forEach((t, i) => {
      if (t.visibility !== 'visible') return;
      this.visibleIndex.set(i, n++);
      this.visibleNames.add(t.name);
    });
    this.visibleTotal = n;
  }

  /** The frames to send now for one progress event (none, or the event as the viewer may see it). */
  offer(p: JobProgress): JobProgress[] {
    if (JSON.stringify(p).length > MAX_FRAME_BYTES) return [];
    if (p.type === 'compiled') return [p];
    if (p.type === 'epoch') {
      if (!this.showHidden && (this.hiddenStarted || !this.isVisible(p.test, p.visibility))) return [];
      if (!this.pendingEpochs.has(p.test) && this.pendingEpochs.size >= MAX_PENDING_TESTS) return [];
      // Delete first so that the map's order is the order of the latest frames.
      this.pendingEpochs.delete(p.test);
      this.pendingEpochs.set(p.test, p);
      return [];
    }
    if (this.showHidden) return [p];
    const index = this.visibleIndex.get(p.index);
    if (index === undefined || !this.isVisible(p.test, p.visibility)) {
      if (p.type === 'test-started') this.hiddenStarted = true;
      return [];
    }
    return [{ ...p, index, total: this.visibleTotal }];
  }

  /** The latest epoch of each test since the last flush. */
  flush(): JobProgress[] {
    const frames = [...this.pendingEpochs.values()];
    this.pendingEpochs.clear();
    return frames;
  }

  /** Both the grader's label and the spec must call the test visible. */
  private isVisible(name: string, visibility: 'visible' | 'hidden'): boolean {
    return visibility === 'visible' && this.visibleNames.has(name);
  }
}
