/**
 * The demo course's semester as data: when each assignment is due, and what each of the
 * three sample students pushed when. Every submission is one of the assignment's shipped
 * examples (assignments/<id>/examples/<name>/), so the demo grades what the example suite
 * already pins down.
 *
 * Times are days relative to the demo's anchor (the hour the demo data folder was created):
 * negative is before it. Pushes are recorded with these times as the server's receipt times,
 * so lateness, the history and the charts look like a semester, and exactly the pushes
 * marked late below are late.
 */

/**
 * How much is graded: `light` the five quick assignments; `standard` (the default) those plus
 * one MNIST training (Anna's mnist-mlp, for the report's digit pictures); `all` everything.
 * A larger scope only adds pushes at the end of each history, so a data folder can grow from
 * one scope to a larger one without rewriting any commit.
 */
export const DEMO_SCOPES = ['light', 'standard', 'all'] as const;
export type DemoScope = (typeof DEMO_SCOPES)[number];

export function scopeIncludes(scope: DemoScope, needed: DemoScope): boolean {
  return DEMO_SCOPES.indexOf(needed) <= DEMO_SCOPES.indexOf(scope);
}

export interface DemoAssignment {
  id: string;
  /** Due at anchor + dueDay days. */
  dueDay: number;
  /** Enabled (graded) from this scope on; listed but disabled below it. */
  scope: DemoScope;
}

export const DEMO_ASSIGNMENTS: readonly DemoAssignment[] = [
  { id: 'autograd-graph', dueDay: -21, scope: 'light' },
  { id: 'backprop', dueDay: -14, scope: 'light' },
  { id: 'momentum-sgd', dueDay: -10, scope: 'light' },
  { id: 'mnist-loader', dueDay: -7, scope: 'light' },
  { id: 'mnist-test-loop', dueDay: -3, scope: 'light' },
  { id: 'mnist-mlp', dueDay: 4, scope: 'standard' },
  { id: 'mnist-cnn', dueDay: 11, scope: 'all' },
  { id: 'autoencoder', dueDay: 18, scope: 'all' },
];

/** The course's late policy: 10 % per started day (no hard cutoff, so a push to the demo is always graded). */
export const DEMO_LATE_POLICY = { percentPerDay: 10 } as const;

export interface DemoPush {
  /** Received at anchor + day days (committed ten minutes before). */
  day: number;
  message: string;
  /** Assignment folders this commit sets: assignment id → example name. */
  folders: Record<string, string>;
  /** The smallest scope this push belongs to. */
  scope: DemoScope;
  /**
   * Recorded only once the student's earlier pushes are being graded: the queue drops a
   * queued job when a newer push of the same folder arrives (rightly: only the latest counts),
   * and this push exists to show the older result next to the newer one.
   */
  afterEarlierGraded?: boolean;
}

export interface DemoStudent {
  id: string;
  name: string;
  /** One line for the console: what this student's pages show. */
  story: string;
  pushes: readonly DemoPush[];
}

export const DEMO_STUDENTS: readonly DemoStudent[] = [
  {
    id: 'anna',
    name: 'Anna Ivanova',
    story: 'every assignment correct, each pushed days before the due date',
    pushes: [
      { day: -23, message: 'autograd-graph: f and gradF with tf.grads', folders: { 'autograd-graph': 'correct' }, scope: 'light' },
      { day: -16, message: 'backprop: forward and the four equations', folders: { backprop: 'correct' }, scope: 'light' },
      { day: -12, message: 'momentum-sgd: step and minimize', folders: { 'momentum-sgd': 'correct' }, scope: 'light' },
      { day: -9, message: 'mnist-loader: seeded shuffle per epoch', folders: { 'mnist-loader': 'correct' }, scope: 'light' },
      { day: -5, message: 'mnist-test-loop: loss and accuracy over all samples', folders: { 'mnist-test-loop': 'correct' }, scope: 'light' },
      { day: -1, message: 'mnist-mlp: two hidden layers, Adam', folders: { 'mnist-mlp': 'correct' }, scope: 'standard' },
      { day: -0.5, message: 'mnist-cnn: two conv blocks', folders: { 'mnist-cnn': 'correct' }, scope: 'all' },
      { day: -0.25, message: 'autoencoder: dense encoder and decoder', folders: { autoencoder: 'correct' }, scope: 'all' },
    ],
  },
  {
    id: 'boris',
    name: 'Boris Petrov',
    story: 'a typical bug in four assignments; fixes his test loop the day before it is due (two results, the score goes up)',
    pushes: [
      { day: -21.5, message: 'autograd-graph', folders: { 'autograd-graph': 'swapped-gradients' }, scope: 'light' },
      { day: -14.5, message: 'backprop', folders: { backprop: 'dw-transposed' }, scope: 'light' },
      { day: -10.2, message: 'momentum-sgd', folders: { 'momentum-sgd': 'correct' }, scope: 'light' },
      { day: -7.3, message: 'mnist-loader', folders: { 'mnist-loader': 'same-order-every-epoch' }, scope: 'light' },
      { day: -4.5, message: 'mnist-test-loop', folders: { 'mnist-test-loop': 'mean-of-batch-means' }, scope: 'light' },
      {
        day: -3.8,
        message: 'mnist-test-loop: average over samples, not over batches',
        folders: { 'mnist-test-loop': 'correct' },
        scope: 'light',
        afterEarlierGraded: true,
      },
      { day: -0.8, message: 'mnist-mlp', folders: { 'mnist-mlp': 'softmax-output' }, scope: 'all' },
      { day: -0.6, message: 'mnist-cnn', folders: { 'mnist-cnn': 'leaks-tensors' }, scope: 'all' },
      { day: -0.4, message: 'autoencoder', folders: { autoencoder: 'ignores-noise' }, scope: 'all' },
    ],
  },
  {
    id: 'chen',
    name: 'Chen Wei',
    story: 'autograd-graph does not compile, mnist-loader never pushed, mnist-test-loop pushed half a day late (-10 %)',
    pushes: [
      { day: -21.1, message: 'autograd-graph: return the gradients', folders: { 'autograd-graph': 'returns-array' }, scope: 'light' },
      { day: -14.1, message: 'backprop', folders: { backprop: 'correct' }, scope: 'light' },
      { day: -10.05, message: 'momentum-sgd with tf.variable', folders: { 'momentum-sgd': 'correct-variables' }, scope: 'light' },
      { day: -2.5, message: 'mnist-test-loop (sorry, late)', folders: { 'mnist-test-loop': 'correct' }, scope: 'light' },
      { day: -0.7, message: 'mnist-mlp', folders: { 'mnist-mlp': 'unscaled-pixels' }, scope: 'all' },
      { day: -0.55, message: 'mnist-cnn', folders: { 'mnist-cnn': 'no-conv' }, scope: 'all' },
      { day: -0.3, message: 'autoencoder', folders: { autoencoder: 'no-sigmoid' }, scope: 'all' },
    ],
  },
];

/** A student's pushes in a scope, oldest first (always a prefix of the larger scopes' lists). */
export function pushesInScope(student: DemoStudent, scope: DemoScope): DemoPush[] {
  return student.pushes.filter((p) => scopeIncludes(scope, p.scope));
}
