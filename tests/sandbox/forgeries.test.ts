/**
 * Forged verdicts on real assignments (tests/fixtures/hostile/forgeries, found by an
 * adversarial review): each submission keeps one bug and hides it from the check that
 * grades it. Each must fail that check, get no more than the honest submission with the same
 * bug, and leave the result 'graded' (a submission must not make the grader report its own
 * failure); after them a correct submission is graded normally.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { resolveSandbox, type ResolvedSandbox } from '../../grader/sandbox';
import { getAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import { HOSTILE_ROOT } from './hostile-harness';
import { canRunHostile } from './hostile-suite';

const describeIf = canRunHostile ? describe : describe.skip;

interface Forgery {
  fixture: string;
  assignment: string;
  /** What it really does, in one line. */
  does: string;
  mustFail: string[];
  /** The honest submission's score (the examples' expected verdicts). */
  atMost: number;
}

const FORGERIES: Forgery[] = [
  {
    fixture: 'stack-detects-probes-autograd-graph',
    assignment: 'autograd-graph',
    does: 'hand-written gradients and disposed inputs, except while the checking probe is on the stack',
    mustFail: ['gradF uses autograd', 'inputs are left alone'],
    atMost: 8,
  },
  {
    fixture: 'stack-detects-probes-momentum-sgd',
    assignment: 'momentum-sgd',
    does: 'mutated inputs and a leak every step, except while the checking probe is on the stack',
    mustFail: ['inputs are left unchanged', 'no tensor leaked over 1,000 steps'],
    atMost: 8,
  },
  {
    fixture: 'stack-detects-probes-mnist-loader',
    assignment: 'mnist-loader',
    does: 'the whole data set as tensors up front, never freed, except while the laziness or leak probe is on the stack',
    mustFail: ['lazy: 60,000 samples never become tensors at once', 'no tensors leak beyond the yielded batches'],
    atMost: 9,
  },
  { fixture: 'deferred-mutation-autograd-graph', assignment: 'autograd-graph', does: 'disposes x and y a microtask after returning', mustFail: ['inputs are left alone'], atMost: 9 },
  { fixture: 'deferred-mutation-momentum-sgd', assignment: 'momentum-sgd', does: "changes the caller's arrays a microtask after returning", mustFail: ['inputs are left unchanged'], atMost: 9 },
  { fixture: 'own-datasync-autograd-graph', assignment: 'autograd-graph', does: "hand-written gradients whose own dataSync answers autograd's values", mustFail: ['gradF uses autograd'], atMost: 9 },
  { fixture: 'options-tojson-momentum-sgd', assignment: 'momentum-sgd', does: "counts down the caller's options.steps and hides it with a toJSON", mustFail: ['inputs are left unchanged'], atMost: 9 },
  { fixture: 'tape-autograd-backprop', assignment: 'backprop', does: "backward by walking the engine's tape, where autograd is forbidden", mustFail: ['backward: dW and db', 'backward: hidden-layer deltas'], atMost: 3 },
  { fixture: 'patched-model-save-mnist-test-loop', assignment: 'mnist-test-loop', does: "trains the model on the test batches and gives it a save that writes the old weights", mustFail: ["the model's weights do not change"], atMost: 8.5 },
  { fixture: 'offset-leak-mnist-test-loop', assignment: 'mnist-test-loop', does: "leaks logits and disposes the models of earlier calls to offset the count", mustFail: ['no tensors leak'], atMost: 8.5 },
  {
    fixture: 'ghost-tensor-mnist-loader',
    assignment: 'mnist-loader',
    does: "an eager loader whose memory comes from the wasm module's raw malloc export, in tensors the engine never tracked",
    mustFail: ['lazy: 60,000 samples never become tensors at once', 'no tensors leak beyond the yielded batches'],
    atMost: 9,
  },
  {
    fixture: 'pretrained-weights-mnist-mlp',
    assignment: 'mnist-mlp',
    does: 'an int8 network trained elsewhere in 34 KB of source, loaded by train() with a made-up falling loss',
    mustFail: ['test accuracy at least 80 %', 'training is reproducible with the seed'],
    atMost: 2,
  },
  { fixture: 'grader-error-via-save-mnist-test-loop', assignment: 'mnist-test-loop', does: 'a correct test loop whose model save writes another model (once made the grader report an internal error)', mustFail: [], atMost: 10 },
];

describeIf('forged verdicts on real assignments', () => {
  let sandbox: ResolvedSandbox;
  beforeAll(() => {
    sandbox = resolveSandbox({ require: true, allowInsecure: false });
  });

  it.each(FORGERIES)('$fixture ($does) is held', async (f) => {
    const assignment = getAssignment(f.assignment);
    const result = await gradeAssignment({ assignment, submissionDir: path.join(HOSTILE_ROOT, 'forgeries', f.fixture), backend: 'wasm', launcher: sandbox.launcher });
    const failing = result.tests.filter((t) => t.status !== 'passed').map((t) => t.name);
    expect({ status: result.status, errors: result.tests.filter((t) => t.status === 'error').map((t) => t.name) }).toEqual({ status: 'graded', errors: [] });
    expect(failing).toEqual(expect.arrayContaining(f.mustFail));
    expect(result.score).toBeLessThanOrEqual(f.atMost);
  }, 300_000);

  it('grades a correct submission normally afterwards', async () => {
    const assignment = getAssignment('momentum-sgd');
    const example = listExamples(assignment).find((e) => e.name === 'correct');
    if (example === undefined) throw new Error('momentum-sgd has no correct example');
    const root = exampleAsSubmission(assignment, example);
    try {
      const next = await gradeAssignment({ assignment, submissionDir: root, backend: 'wasm', launcher: sandbox.launcher });
      expect({ status: next.status, score: next.score }).toEqual({ status: 'graded', score: next.max_score });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);
});
