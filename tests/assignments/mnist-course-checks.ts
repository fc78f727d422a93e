/**
 * Checks shared by the test files of the MNIST assignments (mnist-loader, mnist-test-loop,
 * mnist-mlp, mnist-cnn, autoencoder): the statement, spec and examples agree; the starter
 * compiles cleanly and, graded as it is, fails every test with its TODO; the reference exports
 * exactly the student's functions. (Child processes run the compiled runner: `npm run build`.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Contract as ClassifierContract } from '../../assignments/mnist-mlp/contract';
import { predictAll } from '../../assignments/mnist-mlp/student-models';
import { compileSubmission } from '../../grader/compile';
import { loadMnist, sliceDataset } from '../../grader/data';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { AssignmentSpecSchema, maxScore } from '../../grader/spec/assignment-spec';
import { getAssignment } from '../../grader/spec/discover';
import { listExamples } from '../../grader/spec/examples';

/** The table rows `| name | points |` (or `| name | points | requirements |`, the generated table) of a statement. */
function tableRows(text: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\|\s*(.+?)\s*\|\s*(\d+(?:\.\d+)?)\s*\|(?:[^|]*\|)?$/.exec(line.trim());
    if (match !== null) rows.set(match[1], Number(match[2]));
  }
  return rows;
}

export function statementChecks(id: string): void {
  describe(`${id}: statement, spec and examples`, () => {
    const assignment = getAssignment(id);
    const { spec } = assignment;

    it('has a valid spec worth 10 points, with visible and hidden tests, naming its data set', async () => {
      expect(AssignmentSpecSchema.safeParse(spec).success).toBe(true);
      expect(maxScore(spec)).toBe(10);
      expect(spec.tests.some((t) => t.visibility === 'visible')).toBe(true);
      expect(spec.tests.some((t) => t.visibility === 'hidden')).toBe(true);
      expect(spec.dataset).toBeDefined();
      expect(await spec.dataset?.()).toMatch(/\S/);
    });

    it.each(['README.md', 'README.ru.md'])('%s lists every visible test with its points, and the hidden ones together', (file) => {
      const rows = tableRows(fs.readFileSync(path.join(assignment.dir, file), 'utf8'));
      for (const test of spec.tests.filter((t) => t.visibility === 'visible')) {
        expect({ test: test.name, points: rows.get(test.name) }).toEqual({ test: test.name, points: test.points });
      }
      const hiddenPoints = spec.tests.filter((t) => t.visibility === 'hidden').reduce((s, t) => s + t.points, 0);
      const hiddenRow = [...rows.entries()].find(([name]) => /^(hidden tests|скрытые тесты)/.test(name));
      expect(hiddenRow?.[1]).toBe(hiddenPoints);
    });

    it('ships a correct example and at least four typical wrong ones, naming only existing tests', () => {
      const examples = listExamples(assignment);
      const names = new Set(spec.tests.map((t) => t.name));
      expect(examples.some((e) => e.expected.status === 'graded' && e.expected.failing.length === 0)).toBe(true);
      expect(examples.filter((e) => e.expected.failing.length > 0 || e.expected.status !== 'graded').length).toBeGreaterThanOrEqual(4);
      for (const example of examples) {
        const mentioned = [...example.expected.failing, ...Object.keys(example.expected.statuses), ...Object.keys(example.expected.messages)];
        for (const name of mentioned) expect({ example: example.name, test: name, exists: names.has(name) }).toEqual({ example: example.name, test: name, exists: true });
      }
    });

    it('has a starter, a contract and both statements', () => {
      for (const file of ['starter.ts', 'contract.ts', 'README.md', 'README.ru.md']) {
        expect(fs.existsSync(path.join(assignment.dir, file))).toBe(true);
      }
      expect(spec.contract).toBe('contract.ts');
    });
  });
}

export function starterChecks(id: string): void {
  describe(`${id}: the starter`, () => {
    let root: string;
    beforeAll(() => {
      const assignment = getAssignment(id);
      root = fs.mkdtempSync(path.join(os.tmpdir(), `starter-${id}-`));
      fs.mkdirSync(path.join(root, id));
      fs.copyFileSync(path.join(assignment.dir, 'starter.ts'), path.join(root, id, 'solution.ts'));
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
      expect(result.dataset).toMatch(/\S/);
      for (const test of result.tests) {
        expect({ test: test.name, status: test.status, todo: test.output.includes('TODO') }).toEqual({ test: test.name, status: 'error', todo: true });
      }
    });
  });
}

/** The names of the functions a module exports, sorted. */
export function exportedFunctions(module: object): string[] {
  return Object.entries(module)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name)
    .sort();
}

/** Trains the reference's model on the first `count` training images and tests it on the test split. */
export async function referenceOnSlice(
  module: Pick<ClassifierContract, 'buildModel' | 'train'>,
  count: number,
  epochs: number,
): Promise<{ losses: number[]; accuracy: number; leaked: number }> {
  const data = await loadMnist();
  const model = module.buildModel();
  const losses: number[] = [];
  const before = tf.memory().numTensors;
  await module.train(model, sliceDataset(data.train, 0, count), { epochs, seed: 42, onEpochEnd: (_e, loss) => losses.push(loss) });
  const leaked = tf.memory().numTensors - before;
  const { values } = predictAll(model, data.test, 'the reference');
  let correct = 0;
  for (let i = 0; i < data.test.count; i++) {
    const row = values.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === data.test.labels[i]) correct++;
  }
  model.dispose();
  return { losses, accuracy: correct / data.test.count, leaked };
}

