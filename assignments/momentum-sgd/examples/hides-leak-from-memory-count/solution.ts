import * as tf from '@tensorflow/tfjs';

// A forgery: the leak of leaks-tensors, hidden from every tensor count a submission can reach.
// tf.memory() and the engine's memory() report the count frozen at load time, the engine's own
// counter ignores every change, and the engine's tracking is (tried to be) switched off.
const engine = tf.engine() as unknown as Record<string, unknown> & { state: Record<string, unknown> };
const frozen = tf.memory();
const fake = () => ({ ...frozen });
(Object.getPrototypeOf(engine) as Record<string, unknown>).memory = fake;
engine.memory = fake;
const shown = engine.state.numTensors;
Object.defineProperty(engine.state, 'numTensors', { get: () => shown, set: () => undefined });
for (const name of ['trackTensor', 'disposeTensor']) {
  try {
    engine[name] = () => undefined;
  } catch {
    // locked by the grader
  }
}

export interface MomentumOptions {
  lr: number;
  momentum: number;
}

export interface MinimizeOptions extends MomentumOptions {
  steps: number;
}

export function momentumStep(
  params: tf.Tensor[],
  velocities: tf.Tensor[],
  grads: tf.Tensor[],
  { lr, momentum }: MomentumOptions,
): { params: tf.Tensor[]; velocities: tf.Tensor[] } {
  return tf.tidy(() => {
    const newVelocities = velocities.map((v, i) => v.mul(momentum).add(grads[i]));
    const newParams = params.map((p, i) => p.sub(newVelocities[i].mul(lr)));
    return { params: newParams, velocities: newVelocities };
  });
}

export function minimize(
  loss: (params: tf.Tensor[]) => tf.Scalar,
  init: tf.Tensor[],
  { lr, momentum, steps }: MinimizeOptions,
): tf.Tensor[] {
  let params = init.map((p) => p.clone());
  let velocities = init.map((p) => tf.zerosLike(p));
  for (let i = 0; i < steps; i++) {
    // No tidy, no dispose: the gradients and the old params and velocities stay alive.
    const grads = tf.grads((...ps: tf.Tensor[]) => loss(ps))(params);
    const next = momentumStep(params, velocities, grads, { lr, momentum });
    params = next.params;
    velocities = next.velocities;
  }
  tf.dispose(velocities);
  return params;
}
