/**
 * The seed a test draws its inputs with (ctx.rng). Visible tests keep a seed of the
 * assignment and the test alone: the student kit records reference values for them, and
 * students may reproduce them on their laptop. Hidden tests mix in the submission's hidden-
 * inputs key (grader/config/hidden-inputs.ts: a course secret and the commit), so their
 * inputs differ between submissions and stay the same when one commit is regraded. Without a
 * key (`grader grade` without a course, the examples) they keep the fixed seed of old.
 */
import type { TestSpec } from '../spec/assignment-spec';
import { stableSeed } from '../util/hash';

export function testSeed(assignmentId: string, test: Pick<TestSpec, 'name' | 'visibility'>, hiddenInputsKey: string | undefined): number {
  const base = `${assignmentId}/${test.name}`;
  if (test.visibility === 'visible' || hiddenInputsKey === undefined) return stableSeed(base);
  return stableSeed(`${base}#${hiddenInputsKey}`);
}
