/**
 * The typical mistakes of autograd-graph, as formulas of one element: what a student's f or
 * gradients are compared with when they differ from the reference, so that the message can
 * name the mistake. A variant of the graph changes f and, through autograd, both gradients; a
 * slip in a hand derivation changes the gradients only.
 */

import type { LocalizedText } from '../../grader/spec/assignment-spec';

export type Text = LocalizedText;

export interface Mistake {
  /** f as the mistake computes it (absent for slips in the gradients alone). */
  f?: (x: number, y: number) => number;
  /** The gradients of sum(f) as the mistake computes them; n is the number of entries. */
  dx: (x: number, y: number, n: number) => number;
  dy: (x: number, y: number, n: number) => number;
  /** Only recognisable with more than one entry (a mean over one entry is the sum). */
  needsSeveral?: boolean;
  /**
   * A formula written by hand: under broadcasting it keeps the broadcast shape instead of
   * being summed down to its input's shape (autograd's gradients are summed down).
   */
  byHand?: boolean;
  /**
   * Only the broadcast-shaped form is a mistake (the formulas themselves are right): the
   * gradients were not summed over the broadcast axes. Never matched when x and y have one shape.
   */
  unreducedOnly?: boolean;
  /** dx holds the gradient of y and dy that of x: dx has y's shape, dy has x's. */
  swapped?: boolean;
  hint: Text;
}

export const MISTAKES: Mistake[] = [
  {
    f: (x, y) => x * y + (x + y) ** 2,
    dx: (x, y) => y + 2 * (x + y),
    dy: (x, y) => x + 2 * (x + y),
    hint: {
      en: 'These values are those of x·y + (x+y)²: the x² node of the graph is missing.',
      ru: 'Это значения x·y + (x+y)²: в графе пропущен узел x².',
    },
  },
  {
    f: (x, y) => x * x + (x + y) ** 2,
    dx: (x, y) => 2 * x + 2 * (x + y),
    dy: (x, y) => 2 * (x + y),
    hint: {
      en: 'These values are those of x² + (x+y)²: the x·y node of the graph is missing.',
      ru: 'Это значения x² + (x+y)²: в графе пропущен узел x·y.',
    },
  },
  {
    f: (x, y) => x * x + x * y,
    dx: (x, y) => 2 * x + y,
    dy: (x) => x,
    hint: {
      en: 'These values are those of x² + x·y: the (x+y)² node of the graph is missing.',
      ru: 'Это значения x² + x·y: в графе пропущен узел (x+y)².',
    },
  },
  {
    f: (x, y) => x * x + x * y + (x + y),
    dx: (x, y) => 2 * x + y + 1,
    dy: (x) => x + 1,
    hint: {
      en: 'These values are those of x² + x·y + (x+y): the sum x + y is never squared.',
      ru: 'Это значения x² + x·y + (x+y): сумма x + y не возведена в квадрат.',
    },
  },
  {
    f: (x, y) => x * x + x * y + x * x + y * y,
    dx: (x, y) => 4 * x + y,
    dy: (x, y) => x + 2 * y,
    hint: {
      en: '(x+y)² was computed as x² + y², which drops the cross term 2·x·y.',
      ru: '(x+y)² посчитано как x² + y², без удвоенного произведения 2·x·y.',
    },
  },
  {
    dx: (x, y) => 3 * x + 2 * y,
    dy: (x, y) => 4 * x + 3 * y,
    swapped: true,
    hint: {
      en: 'dx and dy are swapped: tf.grads returns the gradients in the order of its inputs.',
      ru: 'dx и dy перепутаны местами: tf.grads возвращает градиенты в порядке входов.',
    },
  },
  {
    dx: (x, y) => 2 * x + 3 * y,
    dy: (x, y) => 3 * x + 4 * y,
    hint: {
      en: 'These are the gradients of f(y, x), not of f(x, y): the parameters of the function given to tf.grads are in another order than the inputs [x, y] it is applied to (e.g. tf.grads((y, x) => …)([x, y])). f itself is right.',
      ru: 'Это градиенты f(y, x), а не f(x, y): параметры функции, переданной в tf.grads, идут в другом порядке, чем входы [x, y], к которым она применяется (например, tf.grads((y, x) => …)([x, y])). Сама f верна.',
    },
  },
  {
    dx: (x, y) => 3 * x + 2 * y,
    dy: (x, y) => 2 * x + y,
    byHand: true,
    hint: {
      en: 'The derivative of (x+y)² is 2·(x+y): the factor 2 of the power rule is missing. Let tf.grads do it.',
      ru: 'Производная (x+y)² равна 2·(x+y): потерян множитель 2. Пусть это сделает tf.grads.',
    },
  },
  {
    dx: (x, y, n) => (4 * x + 3 * y) / n,
    dy: (x, y, n) => (3 * x + 2 * y) / n,
    needsSeveral: true,
    hint: {
      en: 'These are the gradients of mean(f), not of sum(f).',
      ru: 'Это градиенты mean(f), а нужны градиенты sum(f).',
    },
  },
  {
    dx: (x, y) => 4 * x + 3 * y,
    dy: (x, y) => 3 * x + 2 * y,
    unreducedOnly: true,
    hint: {
      en: "The values are right but not summed over the broadcast axes: a gradient must have its input's shape. Differentiate with respect to x and y themselves (tf.grads((a, b) => f(a, b).sum())([x, y])), not copies broadcast to a common shape, and not by a formula written by hand.",
      ru: 'Значения верные, но не просуммированы по осям трансляции: градиент должен иметь форму своего входа. Дифференцируйте по самим x и y (tf.grads((a, b) => f(a, b).sum())([x, y])), а не по их копиям, приведённым к общей форме, и не по формуле, выписанной вручную.',
    },
  },
];
