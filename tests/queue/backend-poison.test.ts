/**
 * A job that breaks the grading process's own tensor backend (the backend-poison fixture:
 * a wasm abort, as when a reference computation exhausts wasm memory) must not reach the
 * next job: the child is retired, the job is graded once more in a fresh process, and a
 * later student's correct submission is graded correctly. Real grading processes, real
 * wasm, real runners.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GradeChildPool, gradingEnv } from '../../grader/queue/grade-child';
import { GradeResultSchema } from '../../grader/results/result-schema';
import { FIXTURES_ROOT, tempDir } from '../repo/git-helpers';

jest.setTimeout(240_000);

const CATALOGUE = path.join(FIXTURES_ROOT, 'backend-poison');

type Plan = { poison: 'never' | 'always' | 'once'; marker?: string; swallow?: boolean };

describe('GradeChildPool after a grading process broke its tensor backend', () => {
  let root: string;
  const pools: GradeChildPool[] = [];
  beforeAll(() => {
    root = tempDir('backend-poison');
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A submission root whose backend-poison/solution.ts adds correctly and returns `plan`. */
  function submission(name: string, plan: Plan): string {
    const dir = path.join(root, name, 'backend-poison');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'solution.ts'),
      [
        "import * as tf from '@tensorflow/tfjs';",
        `export function plan() { return ${JSON.stringify(plan)}; }`,
        'export function add(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return tf.add(a, b); }',
        '',
      ].join('\n'),
    );
    return path.dirname(dir);
  }

  const pool = () => {
    const p = new GradeChildPool({ env: gradingEnv({ secretVariables: [] }), maxJobsPerChild: 25, maxIdle: 2 });
    pools.push(p);
    return p;
  };
  const grade = async (p: GradeChildPool, submissionDir: string, lang: 'en' | 'ru' = 'en') =>
    GradeResultSchema.parse(
      await p.grade({ type: 'grade', assignmentId: 'backend-poison', submissionDir, catalogueRoot: CATALOGUE, backend: 'wasm', lang }, { timeoutMs: 120_000 }),
    );

  it('retires a child whose job ended in a grader error, retries once in a fresh process, stores the error with its reason, and grades the next job correctly', async () => {
    const p = pool();
    p.warm(1);
    const poisoned = await grade(p, submission('poisons-always', { poison: 'always' }));
    expect(poisoned).toMatchObject({ status: 'error', score: 0 });
    expect(poisoned.output).toMatch(/^\[grader\] The grader failed on this submission twice, each time in a fresh grading process/);
    expect(poisoned.output).toMatch(/First: .*Aborted.*\. Second: .*Aborted/);
    expect(p.retried).toBe(1);
    expect(p.retired).toBe(2);

    // Another student's correct submission: a fresh child, a correct grade.
    const next = await grade(p, submission('correct', { poison: 'never' }));
    expect(next).toMatchObject({ status: 'graded', score: 10, max_score: 10 });
    expect(p.spawned).toBe(3);
    expect(p.retired).toBe(2);
    expect(p.idleCount()).toBe(1);
    // The healthy child is kept: the next job reuses it.
    expect(await grade(p, submission('correct-again', { poison: 'never' }))).toMatchObject({ status: 'graded', score: 10 });
    expect(p.spawned).toBe(3);
  });

  it('retires a child whose backend failed behind a graded result, and stores the grade of the retry in a fresh process', async () => {
    const p = pool();
    const marker = path.join(root, 'poisoned-once');
    // The spec swallows the abort and fails the test: without the backend check, 0/10 would be stored.
    const result = await grade(p, submission('poisons-once', { poison: 'once', marker, swallow: true }), 'ru');
    expect(fs.existsSync(marker)).toBe(true);
    expect(result).toMatchObject({ status: 'graded', score: 10, max_score: 10 });
    expect(p.retried).toBe(1);
    expect(p.retired).toBe(1);
    expect(p.spawned).toBe(2);
  });

  it('says in Russian when the grader failed twice in a Russian course', async () => {
    const p = pool();
    const result = await grade(p, submission('poisons-always-swallowed', { poison: 'always', swallow: true }), 'ru');
    // The graded-looking 0/10 computed on a broken backend is stored as the grader's error.
    expect(result).toMatchObject({ status: 'error', score: 0 });
    expect(result.output).toMatch(/^\[grader\] Проверяющая программа дважды дала сбой на этой посылке.*wasm backend aborted/);
    expect(p.spawned).toBe(2);
    expect(p.retired).toBe(2);
  });
});
