import * as tf from '@tensorflow/tfjs';

/** The graph as a class; (x + y)² is the squared difference of x and −y. */
class Graph {
  f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.square(x).add(tf.mul(x, y)).add(tf.squaredDifference(x, tf.neg(y))));
  }

  gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => this.f(a, b).sum())([x, y]);
    value.dispose();
    const [dx, dy] = grads;
    return { dx, dy };
  }
}

const graph = new Graph();

export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return graph.f(x, y);
}

export function gradF(x: tf.Tensor, y: tf.Tensor): { dx: tf.Tensor; dy: tf.Tensor } {
  return graph.gradF(x, y);
}
