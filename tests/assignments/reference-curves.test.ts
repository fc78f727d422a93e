/**
 * The reference curves recorded in assignments/<id>/reference-curve.json (the reports' loss
 * curves and the bands' reference values) are what the references train to today: each
 * reference is re-trained with its spec's settings on wasm (about a minute for all three) and
 * compared epoch by epoch within 1e-2 relative. When this fails after a deliberate change (a
 * reference, a spec's settings, the data set), record them again:
 *
 *   npm run build && node dist/tests/tools/record-reference-curves.js
 */
import { findReferenceCurve, lossCurveFigure } from '../../assignments/mnist-mlp/student-models';
import { loadMnist } from '../../grader/data';
import { FigureSchema } from '../../grader/report/figures';
import { CURVE_BACKEND, CURVE_IDS, trainReferenceCurve } from '../tools/reference-curves';
import { recordedCurve } from './figure-checks';

const RTOL = 1e-2;

function near(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= RTOL * Math.abs(expected);
}

describe('without a matching recording', () => {
  it('finds nothing for an assignment without a recorded curve', () => {
    expect(findReferenceCurve('no-such-assignment', 'mnist', { epochs: 1 })).toBeUndefined();
  });

  it("draws the student's series alone, NaN and Infinity as gaps", () => {
    const figure = lossCurveFigure([0.5, NaN, null, Infinity, 0.2], undefined);
    expect(FigureSchema.safeParse(JSON.parse(JSON.stringify(figure))).success).toBe(true);
    expect(figure).toEqual({ kind: 'loss-curve', metric: 'train-loss', series: [{ role: 'student', values: [0.5, null, null, null, 0.2] }] });
  });
});

describe.each(CURVE_IDS)('%s: the recorded reference curve', (id) => {
  it('is recorded for the grading data set and the spec\'s settings, and found by the spec', async () => {
    const recorded = recordedCurve(id);
    const data = await loadMnist();
    expect({ dataset: recorded.dataset, backend: recorded.backend }).toEqual({ dataset: data.name, backend: CURVE_BACKEND });
    expect(findReferenceCurve(id, data.name, recorded.settings)).toEqual(recorded);
    // Another data set or other settings: the figures show the student alone.
    expect(findReferenceCurve(id, `${data.name} (another)`, recorded.settings)).toBeUndefined();
    expect(findReferenceCurve(id, data.name, { ...recorded.settings, epochs: (recorded.settings.epochs ?? 0) + 1 })).toBeUndefined();
    expect(findReferenceCurve(id, data.name, { ...recorded.settings, extra: 1 })).toBeUndefined();
  });

  it(`matches a fresh training of the reference within ${RTOL} relative per epoch`, async () => {
    const recorded = recordedCurve(id);
    const fresh = await trainReferenceCurve(id);
    expect({ dataset: fresh.dataset, backend: fresh.backend, settings: fresh.settings }).toEqual({
      dataset: recorded.dataset,
      backend: recorded.backend,
      settings: recorded.settings,
    });
    expect(fresh.losses).toHaveLength(recorded.losses.length);
    const epochs = fresh.losses.map((loss, epoch) => ({ epoch, fresh: loss, recorded: recorded.losses[epoch], near: near(loss, recorded.losses[epoch]) }));
    expect(epochs.filter((e) => !e.near)).toEqual([]);
    expect(Object.keys(fresh.test).sort()).toEqual(Object.keys(recorded.test).sort());
    const measured = Object.entries(fresh.test).map(([key, value]) => ({ key, fresh: value, recorded: recorded.test[key], near: near(value, recorded.test[key]) }));
    expect(measured.filter((m) => !m.near)).toEqual([]);
  }, 240_000);
});
