import { exportThatThrew, exportsReturningUndefined, resetCallRecord, watchedExport, watchedExports } from '../../grader/runner/watch-exports';

describe('watched exports', () => {
  it('tags what a function throws with its export name, and passes calls through', async () => {
    const f = watchedExport('f', (x: number) => {
      if (x < 0) throw new RangeError('negative');
      return x * 2;
    }) as (x: number) => number;
    expect(f(2)).toBe(4);
    let caught: unknown;
    try {
      f(-1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect(exportThatThrew(caught)).toBe('f');
    expect(exportThatThrew(new Error('other'))).toBeUndefined();
  });

  it('tags rejections, primitives and generator errors; innermost export wins', async () => {
    const g = watchedExport('g', async () => {
      throw new Error('async');
    }) as () => Promise<void>;
    const rejection = await g().catch((e: unknown) => e);
    expect(exportThatThrew(rejection)).toBe('g');

    const p = watchedExport('p', () => {
      throw 'text';
    }) as () => void;
    expect(() => p()).toThrow();
    expect(exportThatThrew('text')).toBe('p');

    function* gen(): Generator<number> {
      yield 1;
      throw new Error('in the generator');
    }
    const batches = watchedExport('batches', gen) as typeof gen;
    const it = batches();
    expect(Object.prototype.toString.call(it)).toBe('[object Generator]');
    const seen: number[] = [];
    let caught: unknown;
    try {
      for (const v of it) seen.push(v);
    } catch (e) {
      caught = e;
    }
    expect(seen).toEqual([1]);
    expect(exportThatThrew(caught)).toBe('batches');

    const inner = watchedExport('inner', () => {
      throw new Error('deep');
    }) as () => void;
    const outer = watchedExport('outer', () => inner()) as () => void;
    let deep: unknown;
    try {
      outer();
    } catch (e) {
      deep = e;
    }
    expect(exportThatThrew(deep)).toBe('inner');
  });

  it('keeps classes constructible, statics and identity', () => {
    class Model {
      static kind = 'mlp';
      constructor(readonly size: number) {}
    }
    const W = watchedExport('Model', Model) as typeof Model;
    const m = new W(3);
    expect(m).toBeInstanceOf(Model);
    expect(m.size).toBe(3);
    expect(W.kind).toBe('mlp');
    expect(watchedExport('Model', Model)).toBe(W);
    class Sub extends W {}
    expect(new Sub(2)).toBeInstanceOf(Sub);
  });

  it('records undefined returns per call, and views exports lazily', () => {
    resetCallRecord();
    const view = watchedExports({ stub: () => undefined, ok: () => 1, value: 5 });
    expect(Object.keys(view).sort()).toEqual(['ok', 'stub', 'value']);
    expect(view.value).toBe(5);
    (view.ok as () => number)();
    (view.stub as () => void)();
    expect(exportsReturningUndefined()).toEqual(['stub']);
    resetCallRecord();
    expect(exportsReturningUndefined()).toEqual([]);
  });
});
