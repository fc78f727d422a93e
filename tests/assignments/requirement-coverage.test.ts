/**
 * Requirement coverage is a checked property: every requirement a statement states is graded
 * by a test that names it, and broken by an example that loses points on exactly the tests
 * grading what it breaks. The statements' grading tables are the ones rendered from the specs.
 * (That each example really gets its verdict is checked by tests/run/examples-*.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { testsOfRequirement } from '../../grader/spec/assignment-spec';
import { discoverAssignments } from '../../grader/spec/discover';
import { listExamples } from '../../grader/spec/examples';
import { renderGradingTable, TABLE_BEGIN, TABLE_END } from '../../grader/spec/grading-table';

const { assignments, broken } = discoverAssignments();

it('discovers every course assignment', () => {
  expect(broken).toEqual([]);
  expect(assignments.length).toBeGreaterThanOrEqual(8);
});

describe.each(assignments.map((a) => [a.id, a] as const))('%s', (_id, assignment) => {
  const { spec } = assignment;
  const requirements = spec.requirements ?? [];
  const examples = listExamples(assignment);
  const graded = examples.filter((e) => e.expected.status === 'graded');

  it('states its requirements, and every test grades at least one', () => {
    expect(requirements.length).toBeGreaterThan(0);
    const untagged = spec.tests.filter((t) => (t.requirements ?? []).length === 0).map((t) => t.name);
    expect(untagged).toEqual([]);
  });

  it('grades every requirement by at least one test', () => {
    const ungraded = requirements.filter((r) => testsOfRequirement(spec, r.id).length === 0).map((r) => r.id);
    expect(ungraded).toEqual([]);
  });

  it('breaks every requirement in an example that fails a test grading it', () => {
    const unbroken = requirements
      .filter((r) => {
        const graders = new Set(testsOfRequirement(spec, r.id).map((t) => t.name));
        return !graded.some((e) => e.expected.breaks.includes(r.id) && e.expected.failing.some((name) => graders.has(name)));
      })
      .map((r) => r.id);
    expect(unbroken).toEqual([]);
  });

  it('has examples that lose points only on the tests grading what they break', () => {
    const declared = new Set(requirements.map((r) => r.id));
    const problems: string[] = [];
    for (const e of graded) {
      const { breaks, failing } = e.expected;
      for (const id of breaks) if (!declared.has(id)) problems.push(`${e.name}: breaks the unknown requirement '${id}'`);
      if (failing.length > 0 && breaks.length === 0) problems.push(`${e.name}: fails tests but names no requirement it breaks`);
      if (failing.length === 0 && breaks.length > 0) problems.push(`${e.name}: breaks ${breaks.join(', ')} but fails no test`);
      for (const name of failing) {
        const test = spec.tests.find((t) => t.name === name);
        if (test !== undefined && !(test.requirements ?? []).some((id) => breaks.includes(id))) {
          problems.push(`${e.name}: fails '${name}', which grades none of ${breaks.join(', ')}`);
        }
      }
      for (const id of breaks) {
        const graders = new Set(testsOfRequirement(spec, id).map((t) => t.name));
        if (!failing.some((name) => graders.has(name))) problems.push(`${e.name}: breaks '${id}' but fails no test grading it`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has correct examples in more than one style', () => {
    const correct = graded.filter((e) => e.expected.failing.length === 0);
    expect(correct.length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['README.md', 'en'],
    ['README.ru.md', 'ru'],
  ] as const)('%s holds the grading table rendered from the spec (npm run statements)', (file, lang) => {
    const text = fs.readFileSync(path.join(assignment.dir, file), 'utf8');
    const begin = text.indexOf(TABLE_BEGIN);
    const end = text.indexOf(TABLE_END);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    expect(text.slice(begin, end + TABLE_END.length)).toBe(renderGradingTable(spec, lang));
  });
});
