/**
 * A forged probe reply on a real assignment: momentum-sgd's mutates-inputs example plus a
 * forger (tests/fixtures/hostile/forged-probe) that answers the "inputsUnchanged" probe
 * call itself with "nothing changed", through process.send and raw frames. On the old Node
 * IPC channel that reply was accepted and the submission got full marks; now it must get
 * no more than the honest mutates-inputs example, fail that test, and the next submission
 * must be graded normally.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { resolveSandbox, type ResolvedSandbox } from '../../grader/sandbox';
import { getAssignment, type LoadedAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import { HOSTILE_ROOT } from './hostile-harness';
import { canRunHostile } from './hostile-suite';

const describeIf = canRunHostile ? describe : describe.skip;

describeIf('a forged reply to a probe call of momentum-sgd', () => {
  let assignment: LoadedAssignment;
  let sandbox: ResolvedSandbox;
  beforeAll(() => {
    assignment = getAssignment('momentum-sgd');
    sandbox = resolveSandbox({ require: true, allowInsecure: false });
  });

  async function gradeExample(name: string) {
    const example = listExamples(assignment).find((e) => e.name === name);
    if (example === undefined) throw new Error(`momentum-sgd has no example ${name}`);
    const root = exampleAsSubmission(assignment, example);
    try {
      return await gradeAssignment({ assignment, submissionDir: root, backend: 'wasm', launcher: sandbox.launcher });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  it('earns no more than the honest submission that mutates its inputs', async () => {
    const honest = await gradeExample('mutates-inputs');
    const forged = await gradeAssignment({ assignment, submissionDir: path.join(HOSTILE_ROOT, 'forged-probe'), backend: 'wasm', launcher: sandbox.launcher });
    const statusOf = (r: typeof forged, name: string) => r.tests.find((t) => t.name === name)?.status;
    expect(forged.status).toBe('graded');
    expect({ inputs: statusOf(forged, 'inputs are left unchanged'), output: forged.tests.find((t) => t.name === 'inputs are left unchanged')?.output.slice(0, 300) }).toEqual({
      inputs: 'failed',
      output: expect.stringMatching(/Changed:/),
    });
    expect(forged.score).toBeLessThanOrEqual(honest.score);
    expect(forged.score).toBeLessThan(forged.max_score);

    const next = await gradeExample('correct');
    expect({ status: next.status, score: next.score }).toEqual({ status: 'graded', score: next.max_score });
  }, 300_000);
});
