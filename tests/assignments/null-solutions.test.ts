/**
 * A submission that does nothing earns nothing. Each starter with its TODO errors replaced by
 * `return undefined` (a generator that yields nothing, a train() that resolves at once) is
 * graded: every test must fail, including the ones that check that nothing bad happened
 * (inputs left alone, no tensor leaked, weights unchanged), because doing nothing is not doing
 * the work without side effects. (Child processes run the compiled runner: npm run build.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { discoverAssignments } from '../../grader/spec/discover';

const TODO_THROW = /throw new Error\((['"`])TODO[^]*?\1\);/g;

/** The starter with every `throw new Error('TODO…')` turned into a return of nothing. */
export function nullSolution(starter: string): string {
  return starter.replace(TODO_THROW, 'return undefined as never;');
}

const { assignments } = discoverAssignments();

describe.each(assignments.map((a) => [a.id, a] as const))('%s: the starter returning nothing', (id, assignment) => {
  it('scores 0, every test failed', async () => {
    const starter = fs.readFileSync(path.join(assignment.dir, 'starter.ts'), 'utf8');
    const source = nullSolution(starter);
    expect(source).not.toBe(starter);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `null-${id}-`));
    try {
      fs.mkdirSync(path.join(root, id));
      fs.writeFileSync(path.join(root, id, 'solution.ts'), source);
      const result = await gradeAssignment({ assignment, submissionDir: root, backend: 'wasm' });
      const errors = result.tests.filter((t) => t.status === 'error').map((t) => `${t.name}: ${t.output}`);
      expect({ status: result.status, why: result.status === 'graded' ? '' : [result.output, ...errors].join('\n') }).toEqual({ status: 'graded', why: '' });
      const passed = result.tests.filter((t) => t.status === 'passed').map((t) => `${t.name}: ${t.score}/${t.max_score}`);
      expect(passed).toEqual([]);
      expect(result.score).toBe(0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
