/**
 * Type-level code that asks the TypeScript checker for minutes of work and gigabytes
 * (tests/fixtures/type-bomb) is stopped by the type-check child's time or memory limit: a
 * compile error that says so, in the report's language, while the grader's own event loop
 * keeps running; the next submission is checked and graded normally by a fresh child.
 * Timings are guards (jest timeouts), never assertions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeTypeCheckers, compileSubmission, type CompileOutcome, type TypeCheckLimits } from '../../grader/compile';
import { typeCheckProcessCount } from '../../grader/compile/type-check-child';
import { PACKAGE_ROOT } from '../../grader/paths';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { getAssignment } from '../../grader/spec/discover';
import { cleanUpTemp, tempDir } from './helpers';

const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');
const BOMB_ROOT = path.join(FIXTURES, 'type-bomb', 'submissions');
const demo = getAssignment('demo-add', FIXTURES);
const CONTRACT = { path: path.join(FIXTURES, 'assignments', 'demo-add', 'contract.ts'), typeName: 'Contract' };

/** A submission root holding demo-add/solution.ts copied from one of demo-add's examples. */
function exampleRoot(example: string): string {
  const root = tempDir('type-check-limits-');
  fs.mkdirSync(path.join(root, 'demo-add'));
  fs.copyFileSync(path.join(demo.dir, 'examples', example, 'solution.ts'), path.join(root, 'demo-add', 'solution.ts'));
  return root;
}

function compile(root: string, extra: { typeCheckLimits?: TypeCheckLimits; lang?: 'en' | 'ru' } = {}): Promise<CompileOutcome> {
  return compileSubmission({ dir: path.join(root, 'demo-add'), contract: CONTRACT, outDir: tempDir('type-check-out-'), ...extra });
}

/** Counts event-loop turns while `work` runs: an in-process synchronous check would allow none. */
async function countingTicks<T>(work: Promise<T>): Promise<{ value: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 50);
  try {
    return { value: await work, ticks };
  } finally {
    clearInterval(timer);
  }
}

function limitError(outcome: CompileOutcome) {
  if (outcome.kind !== 'compile_error') throw new Error(`expected compile_error, got ${JSON.stringify(outcome).slice(0, 500)}`);
  return outcome.diagnostics.filter((d) => d.severity === 'error');
}

afterAll(async () => {
  await closeTypeCheckers();
  cleanUpTemp();
});

describe('type check limits', () => {
  it('stops a check that runs past its time limit, and the next check works', async () => {
    const { value, ticks } = await countingTicks(compile(BOMB_ROOT, { typeCheckLimits: { timeoutMs: 3_000, heapMb: 4096 } }));
    expect(limitError(value)).toEqual([
      expect.objectContaining({ file: 'solution.ts', code: 'TYPECHECK_LIMIT', message: expect.stringMatching(/^type checking was stopped: it ran past its time limit of 3 s\./) }),
    ]);
    expect(ticks).toBeGreaterThan(0);
    // The killed child is not reused: a fresh one checks the next submission.
    const next = await compile(exampleRoot('correct'));
    expect(next).toMatchObject({ kind: 'ok', warnings: [] });
    const wrong = await compile(exampleRoot('missing-export'));
    expect(limitError(wrong)).toEqual([expect.objectContaining({ code: 'CONTRACT_EXPORT' })]);
  }, 120_000);

  it('stops a check that runs out of its heap, in Russian for a Russian course', async () => {
    const outcome = await compile(BOMB_ROOT, { typeCheckLimits: { timeoutMs: 300_000, heapMb: 160 }, lang: 'ru' });
    expect(limitError(outcome)).toEqual([
      expect.objectContaining({ code: 'TYPECHECK_LIMIT', message: expect.stringMatching(/^проверка типов остановлена: ей не хватило предела памяти в 160 МБ\./) }),
    ]);
    expect(await compile(exampleRoot('correct'))).toMatchObject({ kind: 'ok' });
  }, 300_000);

  it('keeps one warm child between normal checks', async () => {
    await closeTypeCheckers();
    const root = exampleRoot('correct');
    for (let i = 0; i < 3; i++) expect(await compile(root)).toMatchObject({ kind: 'ok' });
    expect(typeCheckProcessCount()).toBe(1);
  }, 120_000);

  it('grades the attack as a compile error with the default limits, then grades the next submission normally', async () => {
    const { value: attacked, ticks } = await countingTicks(gradeAssignment({ assignment: demo, submissionDir: BOMB_ROOT, backend: 'wasm', lang: 'ru' }));
    expect(attacked).toMatchObject({ status: 'compile_error', score: 0 });
    expect(attacked.compile_errors).toEqual([
      expect.objectContaining({ code: 'TYPECHECK_LIMIT', severity: 'error', message: expect.stringMatching(/^проверка типов остановлена: (она шла дольше предела в 20 с|ей не хватило предела памяти в 512 МБ)\./) }),
    ]);
    expect(attacked.tests.every((t) => t.score === 0)).toBe(true);
    expect(ticks).toBeGreaterThan(0);

    const next = await gradeAssignment({ assignment: demo, submissionDir: exampleRoot('correct'), backend: 'wasm' });
    expect(next).toMatchObject({ status: 'graded', score: 10, max_score: 10 });
  }, 180_000);
});
