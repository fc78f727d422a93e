/**
 * Parity of the kit with the server: for an example submission placed in a kit built from the
 * repository, `grader check --json` run by the kit's own grader gives exactly the verdicts and
 * points of the visible tests that the server's grading (gradeAssignment on the same folder,
 * shared with the example-verdict suite) gives them; and the check exits 0 exactly when all of them pass. The
 * messages that name a mistake (expected.json `messages`) come out of the kit too: its replays
 * of the reference and of the hint helpers give the same words.
 *
 * Each example also gets the visible verdicts its expected.json states, so that two gradings
 * broken the same way cannot pass for parity.
 *
 * The cases are split between two test files (light and heavy assignments) so that jest runs
 * them on both cores, each with a kit of its own assignments.
 */
import type { GradeResult } from '../../grader/results/result-schema';
import { buildKit } from '../../grader/kit/build-kit';
import { discoverAssignments } from '../../grader/spec/discover';
import { listExamples } from '../../grader/spec/examples';
import { gradeExampleOnce } from '../run/graded-examples';
import { freshKitDir, placeExample, removeKit, runKitGrader, verdictOf } from './kit-helpers';

export interface ParityPlan {
  /** Assignment id → the examples to check, or 'all'. */
  examples: Record<string, string[] | 'all'>;
  /** Per-example time limit. */
  timeoutMs: number;
}

export function defineParityTests(label: string, plan: ParityPlan): void {
  const { assignments } = discoverAssignments();
  const ids = Object.keys(plan.examples);
  const cases = assignments
    .filter((a) => ids.includes(a.id))
    .flatMap((assignment) => {
      const wanted = plan.examples[assignment.id];
      return listExamples(assignment)
        .filter((e) => wanted === 'all' || wanted.includes(e.name))
        .map((example) => ({ assignment, example }));
    });

  describe(`check in a kit gives the server's visible verdicts and points (${label})`, () => {
    let kit: string;
    beforeAll(async () => {
      kit = freshKitDir(`parity-${label}`);
      await buildKit({ out: kit, only: ids });
    }, 600_000);
    afterAll(() => removeKit(kit));

    it('has every case it was asked for', () => {
      for (const id of ids) {
        const wanted = plan.examples[id];
        const found = cases.filter((c) => c.assignment.id === id).map((c) => c.example.name);
        expect({ id, found: wanted === 'all' ? found.length > 0 : found.sort().join() === [...wanted].sort().join() }).toEqual({ id, found: true });
      }
    });

    test.each(cases.map((c) => [`${c.assignment.id}/${c.example.name}`, c] as const))(
      '%s',
      async (_name, { assignment, example }) => {
        placeExample(kit, assignment, example);
        const run = runKitGrader(kit, ['check', assignment.id, '--json', '--no-html', '--no-progress', '--backend', 'wasm'], { timeoutMs: plan.timeoutMs });
        expect({ stderr: run.status === null ? run.stderr : '', signal: run.signal }).toEqual({ stderr: '', signal: null });
        const checked = JSON.parse(run.stdout) as GradeResult;
        // The server's grading of the same files (shared with the example-verdict suite, which grades every example).
        const graded = await gradeExampleOnce(assignment, example);
        const visible = graded.tests.filter((t) => t.visibility === 'visible');
        expect(checked.status).toBe(graded.status);
        expect(checked.tests.map(verdictOf)).toEqual(visible.map(verdictOf));
        expect(checked.score).toBeCloseTo(visible.reduce((s, t) => s + t.score, 0), 9);
        expect(checked.max_score).toBe(visible.reduce((s, t) => s + t.max_score, 0));
        const allPass = graded.status === 'graded' && visible.every((t) => t.status === 'passed');
        expect(run.status).toBe(allPass ? 0 : 1);
        // And the verdicts are the ones the example is known to get (parity of two broken gradings would prove nothing).
        expect(checked.status).toBe(example.expected.status);
        if (example.expected.status === 'graded') {
          expect(checked.tests.filter((t) => t.status !== 'passed').map((t) => t.name)).toEqual(visible.map((t) => t.name).filter((n) => example.expected.failing.includes(n)));
        }
        for (const [test, message] of Object.entries(example.expected.messages)) {
          const mine = checked.tests.find((t) => t.name === test);
          if (mine !== undefined) expect({ test, output: mine.output.toLowerCase().includes(message.toLowerCase()) ? '' : mine.output }).toEqual({ test, output: '' });
        }
      },
      plan.timeoutMs * 3,
    );
  });
}
