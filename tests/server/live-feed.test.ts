/** What one viewer's live feed relays (server/pages/live-feed.ts), event by event. */
import type { JobProgress } from '../../grader/queue/job-progress';
import { LiveFeed, MAX_FRAME_BYTES, type PlannedTest } from '../../server/pages/live-feed';

const TESTS: PlannedTest[] = [
  { name: 'visible one', visibility: 'visible', points: 2 },
  { name: 'secret one', visibility: 'hidden', points: 3 },
  { name: 'visible two', visibility: 'visible', points: 5 },
];

type Visibility = PlannedTest['visibility'];
const started = (index: number, visibility: Visibility = TESTS[index].visibility): JobProgress => ({ type: 'test-started', test: TESTS[index].name, visibility, index, total: 3 });
const finished = (index: number, visibility: Visibility = TESTS[index].visibility): JobProgress => ({
  type: 'test-finished',
  test: TESTS[index].name,
  visibility,
  status: 'passed',
  score: TESTS[index].points,
  maxScore: TESTS[index].points,
  index,
  total: 3,
});
const epoch = (index: number, loss: number, visibility: Visibility = TESTS[index].visibility): JobProgress => ({ type: 'epoch', test: TESTS[index].name, visibility, epoch: 0, epochs: 1, loss });

/** A whole grading, with an epoch in every test, as the feed turns it into frames (flushing after each event). */
function replay(feed: LiveFeed): JobProgress[] {
  const events: JobProgress[] = [{ type: 'compiled', ok: true }];
  for (const i of [0, 1, 2]) events.push(started(i), epoch(i, 0.25 + i), finished(i));
  return events.flatMap((e) => [...feed.offer(e), ...feed.flush()]);
}

describe('LiveFeed', () => {
  it('gives a student before the release the visible tests only, numbered among themselves, and no epoch once a hidden test started', () => {
    const frames = replay(new LiveFeed(TESTS, false));
    expect(JSON.stringify(frames)).not.toContain('secret one');
    expect(JSON.stringify(frames)).not.toContain('hidden');
    // The epoch of the visible test after the hidden one could carry what the hidden one was given.
    expect(frames.filter((f) => f.type === 'epoch').map((f) => f.type === 'epoch' && f.loss)).toEqual([0.25]);
    expect(frames.filter((f) => f.type === 'test-finished').map((f) => f.type === 'test-finished' && [f.test, f.index, f.total, f.maxScore])).toEqual([
      ['visible one', 0, 2, 2],
      ['visible two', 1, 2, 5],
    ]);
  });

  it('gives instructors (and students after the release) everything', () => {
    const frames = replay(new LiveFeed(TESTS, true));
    expect(frames.filter((f) => f.type === 'epoch').map((f) => f.type === 'epoch' && f.loss)).toEqual([0.25, 1.25, 2.25]);
    expect(frames.filter((f) => f.type === 'test-finished').map((f) => f.type === 'test-finished' && [f.test, f.index, f.total])).toEqual([
      ['visible one', 0, 3],
      ['secret one', 1, 3],
      ['visible two', 2, 3],
    ]);
  });

  it('trusts neither label alone: a test the spec calls hidden stays out even when an event calls it visible', () => {
    const feed = new LiveFeed(TESTS, false);
    expect(feed.offer(started(1, 'visible'))).toEqual([]);
    expect(feed.offer(epoch(1, 9, 'visible'))).toEqual([]);
    expect(feed.offer(finished(1, 'visible'))).toEqual([]);
    expect(feed.flush()).toEqual([]);
    // A spec that cannot be loaded shows a student nothing of any test.
    const blind = new LiveFeed([], false);
    expect([...blind.offer(started(0)), ...blind.offer(epoch(0, 1)), ...blind.flush()]).toEqual([]);
  });

  it('coalesces a flood of epochs into the latest per test, and drops oversized frames', () => {
    const feed = new LiveFeed(TESTS, true);
    let sentAtOnce = 0;
    for (let i = 0; i < 100_000; i++) sentAtOnce += feed.offer(epoch(0, i)).length;
    expect(sentAtOnce).toBe(0);
    feed.offer(epoch(1, -1));
    expect(feed.flush()).toEqual([epoch(0, 99_999), epoch(1, -1)]);
    expect(feed.flush()).toEqual([]);
    const huge = { ...started(0), test: 'x'.repeat(MAX_FRAME_BYTES) };
    expect(feed.offer(huge)).toEqual([]);
  });
});
