/**
 * An honest submission grades the same in every sandbox mode that works here, on every
 * tensor backend that loads: full marks, nothing printed (the cpu backend's banner is
 * silenced inside the sandbox too), no process left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { modeAvailability, resolveSandbox, type SandboxMode } from '../../grader/sandbox';
import { getAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import { PACKAGE_ROOT } from '../../grader/paths';
import { waitForNoLeftovers } from './hostile-harness';

const demo = getAssignment('demo-add', path.join(PACKAGE_ROOT, 'tests', 'fixtures'));
const modes: SandboxMode[] = ['bwrap', 'unshare', 'none'];
const backends = ['wasm', 'cpu'] as const;

describe('grading an honest submission in each sandbox mode', () => {
  let root: string;
  beforeAll(() => {
    const example = listExamples(demo).find((e) => e.name === 'correct');
    if (example === undefined) throw new Error('no correct example');
    root = exampleAsSubmission(demo, example);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const cases = modes.flatMap((mode) => backends.map((backend) => [mode, backend] as const));
  test.each(cases)('%s / %s', async (mode, backend) => {
    if (mode !== 'none' && !modeAvailability(mode).available) return;
    const sandbox = resolveSandbox({ require: false, allowInsecure: true, mode });
    const result = await gradeAssignment({ assignment: demo, submissionDir: root, backend, launcher: sandbox.launcher });
    expect({ status: result.status, score: result.score, output: result.output ?? '' }).toEqual({ status: 'graded', score: 10, output: '' });
    expect(result.tests.map((t) => t.status)).toEqual(['passed', 'passed', 'passed']);
    expect(await waitForNoLeftovers()).toEqual([]);
  });
});
