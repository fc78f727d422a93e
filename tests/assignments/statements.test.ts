/**
 * The three assignments of issue 5 keep their statements, specs and examples in agreement:
 * points add up to 10, every visible test is listed in both statements with its points (and
 * the hidden ones as one row), and the examples name only tests that exist.
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

/** The table rows `| name | points |` of a statement. */
function tableRows(text: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\|\s*(.+?)\s*\|\s*(\d+(?:\.\d+)?)\s*\|$/.exec(line.trim());
    if (match !== null) rows.set(match[1], Number(match[2]));
  }
  return rows;
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

  it.each(['README.md', 'README.ru.md'])('%s lists every visible test with its points, and the hidden ones together', (file) => {
    const rows = tableRows(fs.readFileSync(path.join(assignment.dir, file), 'utf8'));
    for (const test of spec.tests.filter((t) => t.visibility === 'visible')) {
      expect({ test: test.name, points: rows.get(test.name) }).toEqual({ test: test.name, points: test.points });
    }
    const hiddenPoints = spec.tests.filter((t) => t.visibility === 'hidden').reduce((s, t) => s + t.points, 0);
    const hiddenRow = [...rows.entries()].find(([name]) => /^(hidden tests|скрытые тесты)/.test(name));
    expect(hiddenRow?.[1]).toBe(hiddenPoints);
    // No hidden test is named in a statement.
    for (const test of spec.tests.filter((t) => t.visibility === 'hidden')) expect(rows.has(test.name)).toBe(false);
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
