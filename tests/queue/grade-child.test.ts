/**
 * The pool of grading processes with the demo-add fixture: warm reuse, replacement after
 * the job budget, and every way a process can fail becoming a clear GradeChildError.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GradeChildError, GradeChildPool, gradingEnv } from '../../grader/queue/grade-child';
import { GradeResultSchema } from '../../grader/results/result-schema';
import { FIXTURES_ROOT, demoSolution, tempDir } from '../repo/git-helpers';


describe('GradeChildPool', () => {
  let root: string;
  const pools: GradeChildPool[] = [];
  beforeAll(() => {
    root = tempDir('grade-child');
    fs.mkdirSync(path.join(root, 'demo-add'));
    fs.writeFileSync(path.join(root, 'demo-add', 'solution.ts'), demoSolution('correct'));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  const pool = (maxJobsPerChild: number) => {
    const p = new GradeChildPool({ env: gradingEnv({ secretVariables: ['SOME_SECRET'] }), maxJobsPerChild, maxIdle: 2 });
    pools.push(p);
    return p;
  };
  const request = { type: 'grade' as const, assignmentId: 'demo-add', submissionDir: '', catalogueRoot: FIXTURES_ROOT, backend: 'wasm' as const, commit: 'abcdef12' };

  it('grades in a warm process and reuses it up to its job budget', async () => {
    const p = pool(2);
    p.warm(1);
    for (let i = 0; i < 3; i++) {
      const raw = await p.grade({ ...request, submissionDir: root }, { timeoutMs: 60_000 });
      expect(GradeResultSchema.parse(raw)).toMatchObject({ assignment: 'demo-add', status: 'graded', score: 10, commit: 'abcdef12' });
    }
    // jobs 1-2 in the first process, job 3 in a second one.
    expect(p.spawned).toBe(2);
    expect(p.idleCount()).toBe(1);
  });

  it('reports an unknown assignment as not worth retrying', async () => {
    const err = await pool(5)
      .grade({ ...request, submissionDir: root, assignmentId: 'no-such' }, { timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GradeChildError);
    expect(err).toMatchObject({ code: 'UNKNOWN_ASSIGNMENT', retryable: false });
  });

  it('kills a process that takes too long or is aborted, and never reuses it', async () => {
    const p = pool(5);
    const slow = await p.grade({ ...request, submissionDir: root }, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(slow).toMatchObject({ code: 'GRADER_TIMEOUT', retryable: true });
    const abort = new AbortController();
    const pending = p.grade({ ...request, submissionDir: root }, { timeoutMs: 60_000, signal: abort.signal }).catch((e: unknown) => e);
    setTimeout(() => abort.abort(), 20);
    expect(await pending).toMatchObject({ code: 'ABORTED' });
    expect(p.idleCount()).toBe(0);
    expect(await p.grade({ ...request, submissionDir: root }, { timeoutMs: 60_000 })).toMatchObject({ score: 10 });
    expect(p.spawned).toBe(3);
  });

  it('keeps the server secrets out of the grading processes', () => {
    process.env.SOME_SECRET = 'x';
    try {
      expect(gradingEnv({ secretVariables: ['SOME_SECRET'], datasetDir: '/data/mnist' })).toMatchObject({ GRADER_MNIST_DIR: '/data/mnist' });
      expect(gradingEnv({ secretVariables: ['SOME_SECRET'] }).SOME_SECRET).toBeUndefined();
    } finally {
      delete process.env.SOME_SECRET;
    }
  });
});
