/**
 * Update rules that look like the lecture's momentum but are not: what a student's result is
 * compared with when it differs from the reference, so that the message can name the rule the
 * student actually wrote. Trusted side only (float32 tf, like the reference).
 */
import * as tf from '@tensorflow/tfjs';
import type { MinimizeOptions, MomentumOptions } from '../../reference/momentum-sgd';

export type UpdateRule =
  /** v ← βv + g; θ ← θ − αv (the lecture, torch.optim.SGD(momentum=β)). */
  | 'lecture'
  /** v ← βv + g; θ ← θ − α(g + βv) (torch's nesterov=True). */
  | 'nesterov'
  /** v ← βv + (1 − β)g; θ ← θ − αv (an EMA: torch's dampening=β). */
  | 'dampened'
  /** v ← βv + αg; θ ← θ − v (equal to the lecture only while α is constant). */
  | 'lr-in-velocity'
  /** θ ← θ − α·v_old, then v ← βv + g. */
  | 'old-velocity'
  /** v ← βv + g; θ ← θ + αv. */
  | 'ascent'
  /** v ← g; θ ← θ − αg (β ignored). */
  | 'no-momentum';

export type WrongRule = Exclude<UpdateRule, 'lecture'>;

export const WRONG_RULES: readonly WrongRule[] = ['nesterov', 'dampened', 'lr-in-velocity', 'old-velocity', 'ascent', 'no-momentum'];

export function stepWith(
  rule: UpdateRule,
  params: tf.Tensor[],
  velocities: tf.Tensor[],
  grads: tf.Tensor[],
  { lr, momentum }: MomentumOptions,
): { params: tf.Tensor[]; velocities: tf.Tensor[] } {
  return tf.tidy(() => {
    const next = velocities.map((v, i) => {
      switch (rule) {
        case 'dampened':
          return v.mul(momentum).add(grads[i].mul(1 - momentum));
        case 'lr-in-velocity':
          return v.mul(momentum).add(grads[i].mul(lr));
        case 'no-momentum':
          return grads[i].clone();
        default:
          return v.mul(momentum).add(grads[i]);
      }
    });
    const moved = params.map((p, i) => {
      switch (rule) {
        case 'nesterov':
          return p.sub(grads[i].add(next[i].mul(momentum)).mul(lr));
        case 'lr-in-velocity':
          return p.sub(next[i]);
        case 'old-velocity':
          return p.sub(velocities[i].mul(lr));
        case 'ascent':
          return p.add(next[i].mul(lr));
        default:
          return p.sub(next[i].mul(lr));
      }
    });
    return { params: moved, velocities: next };
  });
}

/** Where a minimize loop starts its velocity: the lecture's zeros, or a copy of the params (a slip). */
export type VelocityStart = 'zeros' | 'params';

/** minimize with another update rule; `extraSteps` models an off-by-one loop, `start` a velocity not started at zero. */
export function minimizeWith(
  rule: UpdateRule,
  loss: (params: tf.Tensor[]) => tf.Scalar,
  init: tf.Tensor[],
  { lr, momentum, steps }: MinimizeOptions,
  extraSteps = 0,
  start: VelocityStart = 'zeros',
): tf.Tensor[] {
  let params = init.map((t) => t.clone());
  let velocities = init.map((t) => (start === 'params' ? t.clone() : tf.zerosLike(t)));
  for (let step = 0; step < steps + extraSteps; step++) {
    const next = tf.tidy(() => {
      const grads = tf.grads((...ps: tf.Tensor[]) => loss(ps))(params);
      return stepWith(rule, params, velocities, grads, { lr, momentum });
    });
    tf.dispose([...params, ...velocities]);
    ({ params, velocities } = next);
  }
  tf.dispose(velocities);
  return params;
}
