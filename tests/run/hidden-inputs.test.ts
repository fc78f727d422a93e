/**
 * Hidden tests' inputs per submission: the engine grading demo-train with keys made from a
 * course secret and a commit (grader/config/hidden-inputs.ts, grader/run/test-seed.ts).
 * The submission reports the numbers it was given as epoch progress
 * (tests/fixtures/live-progress), which is how these tests see what each test drew.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hiddenInputsKey } from '../../grader/config/hidden-inputs';
import { Secret } from '../../grader/config/secret';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { testSeed } from '../../grader/run/test-seed';
import { getAssignment } from '../../grader/spec/discover';
import { stableSeed } from '../../grader/util/hash';
import { tempDir } from '../repo/git-helpers';
import { HIDDEN_TEST, LEAK_ASSIGNMENT, LEAK_SOLUTION, LIVE_PROGRESS_ROOT, VISIBLE_TESTS } from '../fixtures/live-progress/leak-solution';


const demo = getAssignment(LEAK_ASSIGNMENT, LIVE_PROGRESS_ROOT);
const COURSE_SECRET = new Secret('a-course-secret-for-the-test-0123456789', 'TEST');
const COMMIT_A = 'a'.repeat(40);
const COMMIT_B = 'b'.repeat(40);

/** The first numbers each test gave the submission (what it reported as epoch and loss). */
async function inputsSeen(submissionDir: string, key: string | undefined): Promise<Map<string, unknown>> {
  const seen = new Map<string, unknown>();
  const result = await gradeAssignment({
    assignment: demo,
    submissionDir,
    backend: 'wasm',
    ...(key !== undefined ? { hiddenInputsKey: key } : {}),
    onEvent: (e) => {
      if (e.type === 'progress' && !seen.has(e.test)) seen.set(e.test, e.data);
    },
  });
  // The leak only reports; it must grade like a correct solution (or the inputs were not drawn).
  expect(result.tests.map((t) => t.status)).toEqual(['passed', 'passed', 'passed']);
  expect(JSON.stringify(result)).not.toContain(key ?? 'no key');
  return seen;
}

describe('hidden inputs per commit', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('hidden-inputs');
    fs.mkdirSync(path.join(root, LEAK_ASSIGNMENT));
    fs.writeFileSync(path.join(root, LEAK_ASSIGNMENT, 'solution.ts'), LEAK_SOLUTION);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('gives two commits different hidden inputs, one commit the same ones twice, and leaves visible inputs as they were', async () => {
    const a1 = await inputsSeen(root, hiddenInputsKey(COURSE_SECRET, COMMIT_A));
    const b = await inputsSeen(root, hiddenInputsKey(COURSE_SECRET, COMMIT_B));
    const a2 = await inputsSeen(root, hiddenInputsKey(COURSE_SECRET, COMMIT_A));
    const local = await inputsSeen(root, undefined);
    for (const seen of [a1, b, a2, local]) expect([...seen.keys()].sort()).toEqual([...VISIBLE_TESTS, HIDDEN_TEST].sort());

    expect(a1.get(HIDDEN_TEST)).not.toEqual(b.get(HIDDEN_TEST));
    expect(a2.get(HIDDEN_TEST)).toEqual(a1.get(HIDDEN_TEST));
    // Without a course the hidden test keeps its fixed seed, which no commit's key gives.
    expect(local.get(HIDDEN_TEST)).not.toEqual(a1.get(HIDDEN_TEST));
    // The visible test before the hidden one draws what it drew without any key (the kit's values).
    expect(a1.get(VISIBLE_TESTS[0])).toEqual(local.get(VISIBLE_TESTS[0]));
    expect(b.get(VISIBLE_TESTS[0])).toEqual(local.get(VISIBLE_TESTS[0]));
  });
});

describe('testSeed and hiddenInputsKey', () => {
  it('keeps the seeds visible tests always had, and hidden ones without a key', () => {
    const key = hiddenInputsKey(COURSE_SECRET, COMMIT_A);
    // The seed every visible test had before hidden inputs became per commit.
    expect(testSeed('demo-add', { name: 'add on a vector', visibility: 'visible' }, key)).toBe(stableSeed('demo-add/add on a vector'));
    expect(testSeed('demo-add', { name: 'add on a matrix', visibility: 'hidden' }, undefined)).toBe(stableSeed('demo-add/add on a matrix'));
    expect(testSeed('demo-add', { name: 'add on a matrix', visibility: 'hidden' }, key)).not.toBe(stableSeed('demo-add/add on a matrix'));
  });

  it('makes the key from the secret and the commit, and shows neither', () => {
    const key = hiddenInputsKey(COURSE_SECRET, COMMIT_A);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(hiddenInputsKey(COURSE_SECRET, COMMIT_A)).toBe(key);
    expect(hiddenInputsKey(COURSE_SECRET, COMMIT_B)).not.toBe(key);
    expect(hiddenInputsKey(new Secret('another-course-secret-0123456789', 'TEST'), COMMIT_A)).not.toBe(key);
    expect(key).not.toContain(COMMIT_A);
  });
});

describe('hidden inputs per commit in a course assignment', () => {
  it("draws momentum-sgd's hidden Rosenbrock start per commit, and grades the correct solution in full with either", async () => {
    const sgd = getAssignment('momentum-sgd');
    const { exampleAsSubmission, listExamples } = await import('../../grader/spec/examples');
    const example = listExamples(sgd).find((e) => e.name === 'correct');
    if (example === undefined) throw new Error('momentum-sgd has no correct example');
    const submission = exampleAsSubmission(sgd, example);
    try {
      const startOf = async (key: string) => {
        const result = await gradeAssignment({ assignment: sgd, submissionDir: submission, backend: 'wasm', hiddenInputsKey: key });
        expect(result.score).toBe(result.max_score);
        const test = result.tests.find((t) => t.name === 'minimize on the Rosenbrock function');
        // The figure's student path starts at the drawn start.
        const figures = (test?.details as { figures?: Array<{ paths?: Array<{ role: string; points: number[][] }> }> } | undefined)?.figures;
        return figures?.[0]?.paths?.find((p) => p.role === 'student')?.points[0];
      };
      const a = await startOf(hiddenInputsKey(COURSE_SECRET, COMMIT_A));
      const b = await startOf(hiddenInputsKey(COURSE_SECRET, COMMIT_B));
      for (const start of [a, b]) {
        expect(start).toHaveLength(2);
        expect(Math.abs((start?.[0] ?? NaN) + 1.2)).toBeLessThanOrEqual(0.2);
        expect(Math.abs((start?.[1] ?? NaN) - 1)).toBeLessThanOrEqual(0.2);
      }
      expect(a).not.toEqual(b);
      expect(await startOf(hiddenInputsKey(COURSE_SECRET, COMMIT_A))).toEqual(a);
    } finally {
      fs.rmSync(submission, { recursive: true, force: true });
    }
  });
});
