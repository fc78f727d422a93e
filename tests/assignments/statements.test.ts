/**
 * The three assignments of issue 5 keep their statements, specs and examples in agreement:
 * points add up to 10 and the examples name only tests that exist. (The statements' grading
 * tables are rendered from the specs: requirement-coverage.test.ts checks them.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssignmentSpecSchema, maxScore } from '../../grader/spec/assignment-spec';
import { discoverAssignments } from '../../grader/spec/discover';
import { listExamples } from '../../grader/spec/examples';

const IDS = ['autograd-graph', 'backprop', 'momentum-sgd'] as const;
const catalogue = discoverAssignments();

function loaded(id: string) {
  const found = catalogue.assignments.find((a) => a.id === id);
  if (found === undefined) throw new Error(`${id} is not discovered: ${JSON.stringify(catalogue.broken.filter((b) => b.id === id))}`);
  return found;
}

describe.each(IDS)('%s', (id) => {
  const assignment = loaded(id);
  const { spec } = assignment;

  it('has a valid spec worth 10 points, with visible and hidden tests', () => {
    expect(AssignmentSpecSchema.safeParse(spec).success).toBe(true);
    expect(maxScore(spec)).toBe(10);
    expect(spec.tests.some((t) => t.visibility === 'visible')).toBe(true);
    expect(spec.tests.some((t) => t.visibility === 'hidden')).toBe(true);
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

  it('has a starter, a contract and a reference beside the spec', () => {
    for (const file of ['starter.ts', 'contract.ts', 'README.md', 'README.ru.md']) {
      expect(fs.existsSync(path.join(assignment.dir, file))).toBe(true);
    }
    expect(spec.contract).toBe('contract.ts');
  });
});
