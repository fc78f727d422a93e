/**
 * Grades every example submission of every assignment (the course's and the engine's demo
 * fixture) and checks the verdict its expected.json states (each example is graded once per
 * jest run and shared with the other test files that need it: graded-examples.ts). The cases are split into shards,
 * one test file each (examples-*-of-2.test.ts), so that jest's workers grade them in parallel:
 * one file would put every MNIST training on one core.
 */
import * as path from 'node:path';
import { discoverAssignments } from '../../grader/spec/discover';
import { listExamples } from '../../grader/spec/examples';
import { PACKAGE_ROOT } from '../../grader/paths';
import { gradeExampleOnce } from './graded-examples';

const catalogues = [PACKAGE_ROOT, path.join(PACKAGE_ROOT, 'tests', 'fixtures')];
const cases = catalogues.flatMap((root) => {
  const { assignments, broken } = discoverAssignments(root);
  if (broken.length > 0) throw new Error(`broken assignments: ${JSON.stringify(broken)}`);
  return assignments.flatMap((assignment) => listExamples(assignment).map((example) => ({ assignment, example })));
});

/**
 * Jest's guard against a hang, not a time limit: the grading bounds itself by its spec's
 * limits.totalMs, so the guard is the longest of those, doubled for a busy machine.
 */
const HANG_GUARD_MS = 2 * Math.max(...cases.map((c) => c.assignment.spec.limits.totalMs)) + 60_000;

/** Defines the tests of shard `shard` (1-based) of `shards`; cases alternate between shards. */
export function defineExampleVerdictTests(shard: number, shards: number): void {
  describe(`example submissions get their expected verdicts (shard ${shard} of ${shards})`, () => {
    const mine = cases.filter((_, i) => i % shards === shard - 1);
    it('finds examples', () => {
      expect(mine.length).toBeGreaterThan(0);
    });

    test.each(mine.map((c) => [`${c.assignment.id}/${c.example.name}`, c] as const))('%s', async (_label, { assignment, example }) => {
      const result = await gradeExampleOnce(assignment, example);
      const summary = result.tests.map((t) => `${t.name}: ${t.status} ${t.score}/${t.max_score}\n${t.output}`).join('\n');
      expect({ status: result.status, output: result.status === example.expected.status ? '' : result.output ?? summary }).toEqual({ status: example.expected.status, output: '' });
      if (example.expected.status !== 'graded') {
        expect(result.score).toBe(0);
        return;
      }
      for (const t of result.tests) {
        const shouldFail = example.expected.failing.includes(t.name);
        expect({ test: t.name, passed: t.status === 'passed', summary: shouldFail === (t.status !== 'passed') ? '' : summary }).toEqual({ test: t.name, passed: !shouldFail, summary: '' });
        const status = example.expected.statuses[t.name];
        if (status !== undefined) expect({ test: t.name, status: t.status }).toEqual({ test: t.name, status });
        const message = example.expected.messages[t.name];
        if (message !== undefined) expect(t.output.toLowerCase()).toContain(message.toLowerCase());
      }
      for (const name of example.expected.failing) {
        expect(result.tests.map((t) => t.name)).toContain(name);
      }
      const expectedScore = result.tests.filter((t) => t.status === 'passed').reduce((s, t) => s + t.max_score, 0);
      expect(result.score).toBeCloseTo(expectedScore, 6);
      expect(result.score).toBeLessThanOrEqual(result.max_score);
    }, HANG_GUARD_MS);
  });
}
