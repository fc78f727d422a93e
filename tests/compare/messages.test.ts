/**
 * The catalogue: both languages implement every message (the compiler checks the keys; this
 * checks that each renders to a real, distinct text), and Russian texts are Russian.
 */
import { CATALOGUES, LANGS, messagesFor, type Catalogue } from '../../grader/compare/messages';

const sample = {
  what: 'W',
  expected: 'E',
  actual: 'A',
  length: 3,
  keys: 'a, b',
  key: '"k"',
  error: 'boom',
  value: 'V',
  name: 'f',
  type: 'Float32Array',
  shape: '[2]',
  dtype: 'float32',
  problem: 'P',
  got: 'G',
  size: 2,
  index: 1,
  mismatched: 1,
  total: 5,
  rtol: '1e-5',
  atol: '1e-6',
  abs: '0.1',
  rel: '0.2',
  cause: 'C',
  count: 2,
  first: '[0]',
  factor: '2',
  offset: '0.5',
  message: '"m"',
};

function render(c: Catalogue, key: keyof Catalogue): string {
  return (c[key] as (p: typeof sample) => string)(sample);
}

describe('message catalogue', () => {
  const keys = Object.keys(CATALOGUES.en) as Array<keyof Catalogue>;

  it('has the same keys in every language', () => {
    for (const lang of LANGS) expect(Object.keys(CATALOGUES[lang]).sort()).toEqual([...keys].sort());
  });

  it.each(keys)('renders %s in every language', (key) => {
    for (const lang of LANGS) {
      const text = render(CATALOGUES[lang], key);
      expect(typeof text).toBe('string');
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/\[object Object\]/);
      if (key !== 'whatUndefined') expect(text).not.toMatch(/\bundefined\b/);
    }
  });

  it('writes Russian in Cyrillic (except for code-like descriptions)', () => {
    const codeLike = new Set<keyof Catalogue>([
      'whatUndefined',
      'whatNull',
      'whatBigint',
      'whatSymbol',
      'whatPromise',
      'whatMap',
      'whatSet',
      'whatDate',
      'whatTypedArray',
    ]);
    for (const key of keys) {
      if (codeLike.has(key)) continue;
      expect(render(CATALOGUES.ru, key)).toMatch(/[а-яё]/i);
    }
  });

  it('declines Russian nouns after numbers', () => {
    const ru = CATALOGUES.ru;
    expect(ru.valuesDiffer({ mismatched: 1, total: 1, rtol: 'r', atol: 'a' })).toContain('в 1 из 1 элемента');
    expect(ru.valuesDiffer({ mismatched: 2, total: 3, rtol: 'r', atol: 'a' })).toContain('в 2 из 3 элементов');
    expect(ru.valuesDiffer({ mismatched: 2, total: 11, rtol: 'r', atol: 'a' })).toContain('из 11 элементов');
    expect(ru.valuesDiffer({ mismatched: 2, total: 101, rtol: 'r', atol: 'a' })).toContain('из 101 элемента');
    expect(ru.tensorLength({ length: 1, shape: '[2]', size: 2 })).toBe('в данных 1 значение, а форме [2] нужно 2');
    expect(ru.tensorLength({ length: 3, shape: '[2]', size: 2 })).toBe('в данных 3 значения, а форме [2] нужно 2');
    expect(ru.moreFailures({ count: 5 })).toBe('… и ещё 5 расхождений.');
  });

  it('falls back to English for an unknown language', () => {
    expect(messagesFor('de')).toBe(CATALOGUES.en);
    expect(messagesFor('ru')).toBe(CATALOGUES.ru);
  });
});
