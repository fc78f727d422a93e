import * as tf from '@tensorflow/tfjs';

export interface MomentumOptions {
  lr: number;
  momentum: number;
}

export interface MinimizeOptions extends MomentumOptions {
  steps: number;
}

/** The optimiser as a class that owns its velocities; tensors freed by hand, no tf.tidy. */
class Momentum {
  private velocities: tf.Tensor[] | undefined;

  constructor(private readonly lr: number, private readonly beta: number) {}

  step(params: tf.Tensor[], grads: tf.Tensor[]): tf.Tensor[] {
    const old = this.velocities ?? params.map((p) => tf.zerosLike(p));
    const next: tf.Tensor[] = [];
    const moved: tf.Tensor[] = [];
    for (let i = 0; i < params.length; i++) {
      const scaled = old[i].mul(this.beta);
      next.push(scaled.add(grads[i]));
      scaled.dispose();
      const delta = next[i].mul(this.lr);
      moved.push(params[i].sub(delta));
      delta.dispose();
    }
    tf.dispose(old);
    this.velocities = next;
    return moved;
  }

  dispose(): void {
    if (this.velocities) tf.dispose(this.velocities);
  }
}

export function momentumStep(params: tf.Tensor[], velocities: tf.Tensor[], grads: tf.Tensor[], options: MomentumOptions) {
  const newVelocities: tf.Tensor[] = [];
  const newParams: tf.Tensor[] = [];
  params.forEach((p, i) => {
    const scaled = velocities[i].mul(options.momentum);
    const v = scaled.add(grads[i]);
    scaled.dispose();
    const delta = v.mul(options.lr);
    newParams.push(p.sub(delta));
    delta.dispose();
    newVelocities.push(v);
  });
  return { params: newParams, velocities: newVelocities };
}

export function minimize(loss: (params: tf.Tensor[]) => tf.Scalar, init: tf.Tensor[], options: MinimizeOptions): tf.Tensor[] {
  const opt = new Momentum(options.lr, options.momentum);
  const f = tf.valueAndGrads((...ps: tf.Tensor[]) => loss(ps));
  let params = init.map((t) => t.clone());
  for (let s = 0; s < options.steps; s++) {
    const { value, grads } = f(params);
    const next = opt.step(params, grads);
    value.dispose();
    tf.dispose(grads);
    tf.dispose(params);
    params = next;
  }
  opt.dispose();
  return params;
}
