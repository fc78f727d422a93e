import { acceptResult } from '../../grader/queue/accept-result';
import { GradeResultSchema } from '../../grader/results/result-schema';

const good = {
  assignment: 'demo-add',
  status: 'graded',
  score: 2,
  max_score: 10,
  backend: 'wasm',
  duration_ms: 5,
  grader_version: '0.1.0',
  commit: 'a'.repeat(40),
  tests: [
    { name: 't1', score: 2, max_score: 2, status: 'passed', visibility: 'visible', output: 'ok' },
    { name: 't2', score: 0, max_score: 8, status: 'failed', visibility: 'hidden', output: 'no' },
  ],
};
const ctx = { assignmentId: 'demo-add', commit: 'a'.repeat(40), maxScore: () => 10, notes: [] };

describe('acceptResult', () => {
  it('keeps a valid result as it is', () => {
    expect(acceptResult(good, ctx)).toEqual(GradeResultSchema.parse(good));
  });

  it('puts the export notes in front of the output', () => {
    const r = acceptResult({ ...good, output: 'printed' }, { ...ctx, notes: ['skipped demo-add/x.ts: a symbolic link'] });
    expect(r.output).toBe('[grader] skipped demo-add/x.ts: a symbolic link\n\nprinted');
    expect(acceptResult(good, { ...ctx, notes: ['n'] }).output).toBe('[grader] n');
  });

  it('normalises what does not fit the contract, never throws', () => {
    for (const raw of [undefined, null, 'text', 42, [], { ...good, score: 'lots' }, { ...good, tests: 'none' }, { ...good, assignment: 'other' }]) {
      const r = acceptResult(raw, ctx);
      expect(GradeResultSchema.safeParse(r).success).toBe(true);
      expect(r.assignment).toBe('demo-add');
      expect(r.max_score).toBe(10);
    }
    expect(acceptResult(null, ctx).status).toBe('error');
    expect(acceptResult(null, { ...ctx, maxScore: () => undefined }).max_score).toBe(0);
  });
});
