/** What a grading reports while it runs, as the live page and the kit's progress bar read it. */
import { JobProgressSchema, toJobProgress } from '../../grader/queue/job-progress';

const hiddenIf = (name: string) => (name.startsWith('secret') ? 'hidden' : 'visible');

describe('toJobProgress', () => {
  it('keeps epochs, their total and the loss; drops what is not finite', () => {
    const p = toJobProgress({ type: 'progress', assignment: 'mnist-mlp', test: 'train', data: { epoch: 2, epochs: 5, loss: 0.31, ms: 900 } }, hiddenIf);
    expect(p).toEqual({ type: 'epoch', test: 'train', visibility: 'visible', epoch: 2, epochs: 5, loss: 0.31 });
    const diverged = toJobProgress({ type: 'progress', assignment: 'a', test: 'secret training', data: { epoch: 0, epochs: 2.5, loss: NaN } }, hiddenIf);
    expect(diverged).toEqual({ type: 'epoch', test: 'secret training', visibility: 'hidden', epoch: 0, epochs: null, loss: null });
    expect(JobProgressSchema.parse(diverged)).toEqual(diverged);
  });

  it('ignores progress that is not about epochs, and carries test results with their visibility', () => {
    expect(toJobProgress({ type: 'progress', assignment: 'a', test: 't', data: { something: 1 } }, hiddenIf)).toBeUndefined();
    const finished = toJobProgress(
      {
        type: 'test-finished',
        assignment: 'a',
        index: 1,
        total: 3,
        test: { name: 'secret one', score: 1, max_score: 2, status: 'failed', visibility: 'hidden', output: 'x' },
      },
      hiddenIf,
    );
    expect(finished).toEqual({ type: 'test-finished', test: 'secret one', visibility: 'hidden', status: 'failed', score: 1, maxScore: 2, index: 1, total: 3 });
  });

  it('reads an old-style epoch event without a total', () => {
    expect(JobProgressSchema.parse({ type: 'epoch', test: 't', visibility: 'visible', epoch: 1, loss: 2 })).toMatchObject({ epochs: null });
  });
});
