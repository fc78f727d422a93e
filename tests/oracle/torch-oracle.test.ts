/**
 * The references of autograd-graph, backprop and momentum-sgd against the lecture's own tool:
 * the same seeded inputs go to PyTorch (float64, tests/oracle/torch_oracle.py), and the
 * float32 references must agree within tolerance. So do the trusted side's float64 helpers
 * (backprop's analytic form and finite differences) and the look-alike update rules the
 * momentum spec names (Nesterov, dampening), against torch.optim.SGD's own options.
 *
 * Runs where `/usr/bin/python3 -c "import torch"` works (or $ORACLE_PYTHON's); elsewhere the
 * suite is skipped with a message saying why.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { compareStructure, fromTf, plainTensor, toTf, type Expected, type PlainTensor } from '../../grader/compare';
import { initBackend } from '../../grader/tensors';
import { SeededRandom } from '../../grader/util/rng';
import * as autogradRef from '../../reference/autograd-graph';
import * as backpropRef from '../../reference/backprop';
import * as momentumRef from '../../reference/momentum-sgd';
import { backward64 } from '../../assignments/backprop/float64';
import { finiteDifferenceGradients } from '../../assignments/backprop/finite-difference';
import { makeNetwork, plainGradients, referenceBackward, referenceForward, type Network } from '../../assignments/backprop/network';
import { buildLoss, type Problem } from '../../assignments/momentum-sgd/probes';
import { QUADRATIC_OPTIONS, ROSENBROCK_OPTIONS, quadratic, rosenbrock } from '../../assignments/momentum-sgd/problems';
import { stepWith, type UpdateRule } from '../../assignments/momentum-sgd/variants';

/** ORACLE_PYTHON points the check at another interpreter (one with torch in a virtualenv, say). */
const PYTHON = process.env.ORACLE_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'torch_oracle.py');

function torchAvailable(): { ok: true } | { ok: false; why: string } {
  const check = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (check.error !== undefined) return { ok: false, why: `${PYTHON} cannot run (${check.error.message})` };
  if (check.status !== 0) return { ok: false, why: `${PYTHON} cannot import torch: ${check.stderr.trim().split('\n').pop() ?? ''}` };
  return { ok: true };
}

const availability = torchAvailable();
if (!availability.ok) {
  // Said once, in the test output: the cross-check did not run, and why.
  console.warn(`tests/oracle skipped: ${availability.why}`);
}
const describeWithTorch = availability.ok ? describe : describe.skip;

// ---------------------------------------------------------------------------------------------
// What crosses to Python and back: {shape, data} tensors, parsed with schemas on the way back.

interface Wire {
  shape: number[];
  data: number[];
}

function wire(t: PlainTensor): Wire {
  return { shape: [...t.shape], data: Array.from(t.data as Float32Array) };
}

const WireSchema = z.object({ shape: z.array(z.number().int().nonnegative()), data: z.array(z.number()) });
const WireList = z.array(WireSchema);

const OracleSchema = z.object({
  torch: z.string(),
  autograd: z.array(z.object({ f: WireSchema, dx: WireSchema, dy: WireSchema })),
  backprop: z.array(
    z.object({ zs: WireList, activations: WireList, loss: z.number(), deltas: WireList, dW: WireList, db: WireList }),
  ),
  steps: z.array(z.object({ params: WireList, velocities: WireList })),
  schedules: z.array(z.object({ params: WireList })),
  minimize: z.array(z.object({ params: WireList })),
});
type Oracle = z.infer<typeof OracleSchema>;

/** A float64 answer as a plain (float32) tensor, to compare with the references. */
function fromWire(w: Wire): PlainTensor {
  return plainTensor(w.data, w.shape);
}

function runOracle(request: unknown): Oracle {
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`torch_oracle.py failed (${run.status}): ${run.stderr}`);
  return OracleSchema.parse(JSON.parse(run.stdout));
}

function expectClose(expected: Expected, actual: unknown, rtol: number, atol: number, label: string): void {
  const cmp = compareStructure(expected, actual, { rtol, atol, label });
  expect(cmp.message).toBe('');
}

// ---------------------------------------------------------------------------------------------
// The seeded inputs.

const rng = new SeededRandom(20240523);

function randomTensor(shape: number[], range = 2): PlainTensor {
  return plainTensor(rng.floats(shape.reduce((a, b) => a * b, 1), -range, range), shape);
}

const AUTOGRAD_CASES: Array<{ x: PlainTensor; y: PlainTensor }> = [
  { x: plainTensor([11], []), y: plainTensor([3], []) },
  { x: randomTensor([4, 3]), y: randomTensor([4, 3]) },
  { x: randomTensor([3, 4]), y: randomTensor([4]) },
  { x: randomTensor([6], 20), y: randomTensor([]) },
];

const NETWORKS: Network[] = [
  makeNetwork(rng, [3, 4, 2], 5),
  makeNetwork(rng, [3, 5, 4, 2], 6),
  makeNetwork(rng, [2, 3, 2], 1),
  makeNetwork(rng, [4, 6, 5, 3], 7),
  makeNetwork(rng, [5, 3], 4),
];

interface StepCase {
  params: PlainTensor[];
  velocities: PlainTensor[];
  grads: PlainTensor[];
  lr: number;
  momentum: number;
}

function stepCase(shapes: number[][], lr: number, momentum: number): StepCase {
  const many = () => shapes.map((s) => randomTensor(s));
  return { params: many(), velocities: many(), grads: many(), lr, momentum };
}

const STEP_CASES: StepCase[] = [stepCase([[3], [2, 2]], 0.05, 0.9), stepCase([[], [2, 3, 4]], 0.3, 0.5), stepCase([[4]], 0.05, 0)];

/** For each rule the spec names, the torch.optim.SGD options that implement it. */
const TORCH_RULES: Array<{ rule: UpdateRule; nesterov: boolean; dampening: (momentum: number) => number }> = [
  { rule: 'lecture', nesterov: false, dampening: () => 0 },
  { rule: 'nesterov', nesterov: true, dampening: () => 0 },
  { rule: 'dampened', nesterov: false, dampening: (momentum) => momentum },
];

/** Every step case under every rule (torch refuses Nesterov without momentum). */
const STEP_RUNS = STEP_CASES.flatMap((c) => TORCH_RULES.filter((r) => c.momentum > 0 || r.rule === 'lecture').map((r) => ({ c, r })));

const SCHEDULE = {
  shapes: [[3], [2, 2]],
  lrs: [0.1, 0.05, 0.2, 0.02, 0.1],
  momentum: 0.9,
};
const schedule = {
  params: SCHEDULE.shapes.map((s) => randomTensor(s)),
  gradsPerStep: SCHEDULE.lrs.map(() => SCHEDULE.shapes.map((s) => randomTensor(s))),
};

const MINIMIZE_CASES: Array<{ problem: Problem; init: PlainTensor[]; lr: number; momentum: number; steps: number }> = [
  { ...quadratic(rng), ...QUADRATIC_OPTIONS },
  { ...quadratic(rng), ...QUADRATIC_OPTIONS, steps: 3 },
  { ...rosenbrock(), ...ROSENBROCK_OPTIONS },
];

// ---------------------------------------------------------------------------------------------

describeWithTorch('the references agree with PyTorch (float64)', () => {
  let oracle: Oracle;

  beforeAll(async () => {
    await initBackend('cpu');
    oracle = runOracle({
      autograd: AUTOGRAD_CASES.map((c) => ({ x: wire(c.x), y: wire(c.y) })),
      backprop: NETWORKS.map((net) => ({
        layers: net.layers.map((l) => ({ W: wire(l.W), b: wire(l.b) })),
        x: wire(net.x),
        y: wire(net.y),
      })),
      steps: STEP_RUNS.map(({ c, r }) => ({
        params: c.params.map(wire),
        velocities: c.velocities.map(wire),
        grads: c.grads.map(wire),
        lr: c.lr,
        momentum: c.momentum,
        nesterov: r.nesterov,
        dampening: r.dampening(c.momentum),
      })),
      schedules: [{ params: schedule.params.map(wire), gradsPerStep: schedule.gradsPerStep.map((gs) => gs.map(wire)), lrs: SCHEDULE.lrs, momentum: SCHEDULE.momentum }],
      minimize: MINIMIZE_CASES.map((c) => ({ problem: c.problem, init: c.init.map(wire), lr: c.lr, momentum: c.momentum, steps: c.steps })),
    });
  }, 180_000);

  describe('autograd-graph', () => {
    it.each(AUTOGRAD_CASES.map((c, i) => [i, c] as const))('case %i: f and the gradients of sum(f)', (i, c) => {
      const torch = oracle.autograd[i];
      const x = toTf(c.x);
      const y = toTf(c.y);
      const value = autogradRef.f(x, y);
      const { dx, dy } = autogradRef.gradF(x, y);
      expectClose(
        { f: fromWire(torch.f), dx: fromWire(torch.dx), dy: fromWire(torch.dy) },
        { f: fromTf(value), dx: fromTf(dx), dy: fromTf(dy) },
        1e-5,
        1e-5,
        `autograd case ${i}`,
      );
      tf.dispose([x, y, value, dx, dy]);
    });

    it("gives the lecture's point: f(11, 3) = 350, df/dx = 53, df/dy = 39", () => {
      expect(oracle.autograd[0].f.data).toEqual([350]);
      expect(oracle.autograd[0].dx.data).toEqual([53]);
      expect(oracle.autograd[0].dy.data).toEqual([39]);
    });
  });

  describe('backprop', () => {
    const torchGradients = (i: number) => {
      const t = oracle.backprop[i];
      return { deltas: t.deltas.map(fromWire), dW: t.dW.map(fromWire), db: t.db.map(fromWire) };
    };

    it.each(NETWORKS.map((net, i) => [net.sizes.join('-'), net.batch, i] as const))(
      'network %s, batch %i: forward and the gradients of the loss',
      (_sizes, _batch, i) => {
        const net = NETWORKS[i];
        const t = oracle.backprop[i];
        expectClose({ zs: t.zs.map(fromWire), activations: t.activations.map(fromWire) }, referenceForward(backpropRef, net), 1e-5, 1e-6, 'forward');
        // Gradients are 1e-6…1e-1 here; float32 rounding stays near 1e-9 absolute.
        expectClose(torchGradients(i), referenceBackward(backpropRef, net), 1e-4, 1e-7, 'backward');
      },
    );

    it.each(NETWORKS.map((net, i) => [net.sizes.join('-'), net.batch, i] as const))(
      'network %s, batch %i: the float64 helpers of the spec',
      (_sizes, _batch, i) => {
        const net = NETWORKS[i];
        // Both in float64, so only the float32 cast of the comparison separates them.
        expectClose(torchGradients(i), plainGradients(backward64(net.layers64, net.x64, net.y64)), 1e-6, 1e-9, 'float64 backprop');
        expectClose(torchGradients(i), plainGradients(finiteDifferenceGradients(net.layers64, net.x64, net.y64)), 1e-5, 1e-9, 'finite differences');
      },
    );
  });

  describe('momentum-sgd', () => {
    it.each(STEP_RUNS.map(({ c, r }, k) => [r.rule, c.lr, c.momentum, k, c] as const))(
      'one step, rule %s (lr %d, momentum %d) equals torch.optim.SGD',
      (rule, _lr, _momentum, k, c) => {
        const torch = oracle.steps[k];
        const run = () => {
          const args = [c.params.map(toTf), c.velocities.map(toTf), c.grads.map(toTf)] as const;
          return rule === 'lecture' ? momentumRef.momentumStep(...args, c) : stepWith(rule, ...args, c);
        };
        const out = tf.tidy(run);
        expectClose(
          { params: torch.params.map(fromWire), velocities: torch.velocities.map(fromWire) },
          { params: out.params.map(fromTf), velocities: out.velocities.map(fromTf) },
          1e-5,
          1e-6,
          `step (${rule})`,
        );
        tf.dispose(out);
      },
    );

    it('five steps with a changing learning rate equal torch.optim.SGD with its lr changed between steps', () => {
      const run = (rule: UpdateRule) =>
        tf.tidy(() => {
          let state = { params: schedule.params.map(toTf), velocities: schedule.params.map((p) => tf.zerosLike(toTf(p))) };
          SCHEDULE.lrs.forEach((lr, i) => {
            const grads = schedule.gradsPerStep[i].map(toTf);
            const options = { lr, momentum: SCHEDULE.momentum };
            state = rule === 'lecture' ? momentumRef.momentumStep(state.params, state.velocities, grads, options) : stepWith(rule, state.params, state.velocities, grads, options);
          });
          return state.params;
        });
      const expected = { params: oracle.schedules[0].params.map(fromWire) };
      const lecture = run('lecture');
      expectClose(expected, { params: lecture.map(fromTf) }, 1e-5, 1e-6, 'schedule');
      // The test that this schedule is for: α folded into v must come out different.
      const folded = run('lr-in-velocity');
      expect(compareStructure(expected, { params: folded.map(fromTf) }, { rtol: 1e-4, atol: 1e-5 }).ok).toBe(false);
      tf.dispose([...lecture, ...folded]);
    });

    it.each(MINIMIZE_CASES.map((c, i) => [c.problem.kind, c.steps, i] as const))(
      'minimize on the %s, %i steps, ends where torch.optim.SGD does (within the spec tolerance)',
      (_kind, _steps, i) => {
        const c = MINIMIZE_CASES[i];
        const built = buildLoss(tf, c.problem);
        const init = c.init.map(toTf);
        const out = momentumRef.minimize(built.loss, init, c);
        // The momentum spec's own tolerance: a correct float32 trajectory must pass it.
        expectClose(oracle.minimize[i].params.map(fromWire), out.map(fromTf), 1e-4, 1e-5, `minimize ${c.problem.kind}`);
        tf.dispose([...init, ...out]);
        built.dispose();
      },
    );
  });
});

if (!availability.ok) {
  // Keeps the skip visible in a summary that lists tests.
  test.skip(`PyTorch cross-check skipped: ${availability.why}`, () => undefined);
}
