/**
 * A student's first push is the starter itself: it must compile against the contract without
 * a single diagnostic, and every test must fail with the starter's 'TODO' error, not with a
 * grader error. (Child processes run the compiled runner: `npm run build` first.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileSubmission } from '../../grader/compile';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { getAssignment } from '../../grader/spec/discover';

const IDS = ['autograd-graph', 'backprop', 'momentum-sgd', 'mnist-loader', 'mnist-test-loop', 'mnist-mlp', 'mnist-cnn', 'autoencoder'] as const;

/** A submission root holding <id>/solution.ts = the starter. */
function starterSubmission(id: string): string {
  const assignment = getAssignment(id);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `starter-${id}-`));
  fs.mkdirSync(path.join(root, id));
  fs.copyFileSync(path.join(assignment.dir, 'starter.ts'), path.join(root, id, 'solution.ts'));
  return root;
}

describe.each(IDS)('the %s starter', (id) => {
  let root: string;
  beforeAll(() => {
    root = starterSubmission(id);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('compiles against the contract with no errors and no warnings', async () => {
    const assignment = getAssignment(id);
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `starter-out-${id}-`));
    try {
      const outcome = await compileSubmission({
        dir: path.join(root, id),
        entry: 'solution.ts',
        contract: assignment.contractPath !== null ? { path: assignment.contractPath, typeName: 'Contract' } : undefined,
        outDir,
      });
      expect(outcome.kind === 'compile_error' ? outcome.diagnostics : outcome.kind).toBe('ok');
      if (outcome.kind === 'ok') expect(outcome.warnings).toEqual([]);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  it("scores 0, every test failing with the starter's TODO", async () => {
    const result = await gradeAssignment({ assignment: getAssignment(id), submissionDir: root, backend: 'wasm' });
    expect(result.status).toBe('graded');
    expect(result.score).toBe(0);
    for (const test of result.tests) {
      expect({ test: test.name, status: test.status, todo: test.output.includes('TODO') }).toEqual({ test: test.name, status: 'error', todo: true });
    }
  });
});
