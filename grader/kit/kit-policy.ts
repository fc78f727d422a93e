/**
 * What the student kit must not carry besides the reference and the hidden tests: helper
 * modules of a spec that embody the solution. In the kit each is replaced by a replay of what
 * its functions returned at build time (like the reference, see replay-format.ts); its
 * non-function exports (constants) are copied as data.
 *
 *   momentum-sgd/variants.ts  the look-alike update rules that name a student's mistake. Its
 *       'lecture' rule and `minimizeWith` are the reference's momentumStep and minimize line
 *       for line (the others differ from it by one term each).
 *   backprop/float64.ts       the typical mistakes' gradients, as the four backprop equations
 *       in float64 with switches for each slip: with the switches off it is the solution.
 *   mnist-test-loop/trusted-training.ts  the lecture's training loop that makes the trained
 *       model the tests evaluate: mnist-mlp's solution. The kit replays the weights it
 *       returned; verdicts depend on them, so a call that was not recorded is an error.
 *
 * Both serve only to name a mistake once a test has already failed. Their calls are
 * recorded while every example submission of the assignment is graded (the examples are the
 * typical mistakes), so the kit names the mistakes the examples show; a call that was never
 * recorded returns a value that matches no answer ('no-match'), and the message then says
 * what differs without naming the slip. Verdicts and points never depend on them.
 *
 * Kept as they are, by decision: autograd-graph/mistakes.ts (elementwise formulas of wrong
 * graphs; the right one is stated in the statement), mnist-test-loop's hint arithmetic
 * (the per-sample loss of given logits, the statement's formula) and its lecture-mlp.ts (the
 * network's shape, which the statement gives), and the probes (they run
 * inside the runner, next to the student's code, and hold no secret by design).
 *
 * This list belongs next to each spec (a `kit` field of AssignmentSpec would do); it lives
 * here until the spec type has one.
 */

export interface ReplayedHelper {
  /** The file, relative to the assignment folder. */
  file: string;
  /** 'no-match' for hint helpers; 'error' when verdicts depend on the values. */
  onMissing: 'error' | 'no-match';
}

export const REPLAYED_HELPERS: Readonly<Record<string, readonly ReplayedHelper[]>> = {
  'momentum-sgd': [{ file: 'variants.ts', onMissing: 'no-match' }],
  backprop: [{ file: 'float64.ts', onMissing: 'no-match' }],
  'mnist-test-loop': [{ file: 'trusted-training.ts', onMissing: 'error' }],
};

export function replayedHelpers(assignmentId: string): readonly ReplayedHelper[] {
  return REPLAYED_HELPERS[assignmentId] ?? [];
}
