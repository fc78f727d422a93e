/**
 * The engine on the demo assignment (tests/fixtures): determinism, visibility, missing
 * folders, and the result contract. The verdicts of each typical submission (passing,
 * failing, throwing, compile error, timeout, crash) are checked by example-verdicts.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { GradeResultSchema } from '../../grader/results/result-schema';
import { getAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import { PACKAGE_ROOT } from '../../grader/paths';

const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');
const demo = getAssignment('demo-add', FIXTURES);
const example = (name: string) => {
  const found = listExamples(demo).find((e) => e.name === name);
  if (found === undefined) throw new Error(`no example ${name}`);
  return exampleAsSubmission(demo, found);
};

describe('gradeAssignment', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  it('grades the correct solution fully, and the result matches the contract', async () => {
    const root = example('correct');
    roots.push(root);
    const result = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm' });
    expect(GradeResultSchema.safeParse(result).success).toBe(true);
    expect(result).toMatchObject({ assignment: 'demo-add', status: 'graded', score: 10, max_score: 10, backend: 'wasm' });
    expect(result.tests.map((t) => [t.name, t.status, t.visibility])).toEqual([
      ['add on a vector', 'passed', 'visible'],
      ['add on a matrix', 'passed', 'hidden'],
      ['sumOf with a closure', 'passed', 'visible'],
    ]);
  });

  it('gives the same JSON twice, apart from timings', async () => {
    const root = example('subtracts');
    roots.push(root);
    // Measurements (time, memory) differ from run to run; everything else must not.
    const strip = (r: object) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'duration_ms' || k === 'peak_memory_kb' ? 0 : v)));
    const a = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm' });
    const b = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm' });
    expect(a.score).toBe(5);
    expect(strip(a)).toEqual(strip(b));
  });

  it('runs only visible tests with visibleOnly', async () => {
    const root = example('correct');
    roots.push(root);
    const result = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'cpu', visibleOnly: true });
    expect(result.tests.map((t) => t.name)).toEqual(['add on a vector', 'sumOf with a closure']);
    expect(result.max_score).toBe(7);
    expect(result.backend).toBe('cpu');
  });

  it('reports a missing folder as missing with every test at zero', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-submission-'));
    roots.push(root);
    const result = await gradeAssignment({ assignment: demo, submissionDir: root });
    expect(result.status).toBe('missing');
    expect(result.score).toBe(0);
    expect(result.tests).toHaveLength(3);
    expect(result.tests.every((t) => t.score === 0)).toBe(true);
  });

  it('reports compile errors with file and line', async () => {
    const root = example('syntax-error');
    roots.push(root);
    const result = await gradeAssignment({ assignment: demo, submissionDir: root });
    expect(result.status).toBe('compile_error');
    expect(result.output).toMatch(/solution\.ts:4:\d+/);
    expect(result.compile_errors?.[0]).toMatchObject({ file: 'solution.ts', line: 4 });
  });

  it('enforces the total time limit across tests', async () => {
    const root = example('loops-forever');
    roots.push(root);
    const tight = { ...demo, spec: { ...demo.spec, limits: { ...demo.spec.limits, totalMs: 2_500, testMs: 2_000 } } };
    const result = await gradeAssignment({ assignment: tight, submissionDir: root });
    expect(result.tests.map((t) => t.status)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(result.tests[2].output).toMatch(/total time limit/);
  });
});
