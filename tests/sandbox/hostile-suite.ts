/**
 * One describe block for a group of hostile cases: each is graded, then the host is checked,
 * then the correct submission is graded with the same sandbox.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOSTILE_ROOT, forbiddenStrings, gradeCorrect, gradeHostile, leftoverFiles, setUpWorld, TIGHT_LIMITS, waitForNoLeftovers, type HostileCase, type HostileWorld } from './hostile-harness';
import { warmUpTypeChecker } from '../../grader/compile';
import { modeAvailability } from '../../grader/sandbox';

/** Hostile code runs only where an OS sandbox works (on a laptop without one, skipped). */
export const canRunHostile = process.platform === 'linux' && (modeAvailability('bwrap').available || modeAvailability('unshare').available);

/** Time a grading may take beyond the assignment's total limit: compiling, the last kill. */
const SLACK_MS = 5_000;

export function hostileSuite(title: string, cases: HostileCase[], targets: boolean): void {
  const describeIf = canRunHostile ? describe : describe.skip;
  describeIf(title, () => {
    let world: HostileWorld;
    beforeAll(async () => {
      world = await setUpWorld(targets);
      // Warms the type checker and the file cache (a cold first grading can take seconds on
      // a loaded machine), and shows that grading works before any attack.
      warmUpTypeChecker();
      const first = await gradeCorrect(world, true);
      const summary = first.tests.map((t) => `${t.name}: ${t.status} ${t.output.slice(0, 300)}`).join('\n');
      expect({ score: first.score, summary: first.score === first.max_score ? '' : `${first.status} ${first.output ?? ''}\n${summary}` }).toEqual({ score: first.max_score, summary: '' });
    });
    afterAll(async () => {
      await world?.close();
    });

    it('has a fixture for every case', () => {
      for (const c of cases) expect(fs.existsSync(path.join(HOSTILE_ROOT, c.name, 'demo-add'))).toBe(true);
    });

    test.each(cases.map((c) => [`${c.name}: ${c.note}`, c] as const))('%s', async (_label, c) => {
      const filesBefore = new Set(leftoverFiles());
      const connectionsBefore = world.connections();
      const started = Date.now();
      const result = await gradeHostile(world, c.name);
      const elapsed = Date.now() - started;

      // The verdict, within the limit, never full marks.
      const summary = result.tests.map((t) => `${t.name}: ${t.status} ${t.output.slice(0, 300)}`).join('\n');
      expect({ status: result.status, output: result.status === c.status ? '' : (result.output ?? '') }).toEqual({ status: c.status, output: '' });
      if (c.tests !== undefined) expect({ statuses: result.tests.map((t) => t.status), summary }).toEqual({ statuses: c.tests, summary });
      expect(result.score).toBeLessThan(result.max_score);
      expect(elapsed).toBeLessThan(TIGHT_LIMITS.totalMs + SLACK_MS);
      expect(result.duration_ms).toBeLessThan(TIGHT_LIMITS.totalMs + SLACK_MS);

      // Nothing stolen reaches the result (the student's report).
      const json = JSON.stringify(result);
      for (const secret of forbiddenStrings(world)) expect({ found: json.includes(secret), secret }).toEqual({ found: false, secret });
      expect(json.length).toBeLessThan(100_000);

      // Nothing left on the host.
      expect(await waitForNoLeftovers()).toEqual([]);
      expect(leftoverFiles().filter((f) => !filesBefore.has(f))).toEqual([]);
      expect(world.connections()).toBe(connectionsBefore);

      // The next submission is graded normally.
      const next = await gradeCorrect(world);
      expect({ status: next.status, score: next.score, tests: next.tests.map((t) => t.status) }).toEqual({
        status: 'graded',
        score: 10,
        tests: ['passed', 'passed', 'passed'],
      });
    });

    if (targets) {
      it('left no connection on the listener', () => {
        expect(world.connections()).toBe(0);
      });
    }
  });
}
