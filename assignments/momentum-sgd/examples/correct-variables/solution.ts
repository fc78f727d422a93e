import * as tf from '@tensorflow/tfjs';

export interface MomentumOptions {
  lr: number;
  momentum: number;
}

export interface MinimizeOptions extends MomentumOptions {
  steps: number;
}

export function momentumStep(params: tf.Tensor[], velocities: tf.Tensor[], grads: tf.Tensor[], options: MomentumOptions) {
  const newVelocities = velocities.map((v, i) => tf.tidy(() => grads[i].add(v.mul(options.momentum))));
  const newParams = params.map((p, i) => tf.tidy(() => p.add(newVelocities[i].mul(-options.lr))));
  return { params: newParams, velocities: newVelocities };
}

// The PyTorch way: variables updated in place, gradients by tf.variableGrads.
export function minimize(loss: (params: tf.Tensor[]) => tf.Scalar, init: tf.Tensor[], options: MinimizeOptions): tf.Tensor[] {
  const vars = init.map((t) => tf.variable(t));
  // Inside tidy, so that the zeros the variables start from are freed (variables survive tidy).
  const vels = init.map((t) => tf.tidy(() => tf.variable(tf.zerosLike(t), false)));
  for (let step = 0; step < options.steps; step++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(vars), vars);
      value.dispose();
      vars.forEach((theta, i) => {
        const v = vels[i].mul(options.momentum).add(grads[theta.name]);
        vels[i].assign(v);
        theta.assign(theta.sub(v.mul(options.lr)));
      });
    });
  }
  const result = vars.map((v) => v.clone());
  tf.dispose([...vars, ...vels]);
  return result;
}
