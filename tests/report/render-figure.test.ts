import type { Figure, FigureInput } from '../../grader/report/figures';
import { figureText } from '../../grader/report/figure-text';
import { FIGURE_CSS, renderFigure, renderFigures } from '../../grader/report/render-figure';
import { ALL, SAMPLES, digit, parsed } from './figure-fixtures';
import { countOf, svgElements, xmlProblems } from './xml-check';

const LANGS = ['en', 'ru'] as const;

function render(input: FigureInput, lang: 'en' | 'ru' = 'en'): string {
  return renderFigure(parsed(input), lang);
}

/** The `points` of every polyline with the given class, as point counts. */
function polylinePoints(markup: string, cls: string): number[] {
  return [...markup.matchAll(/<polyline class="([^"]*)" points="([^"]*)"/g)]
    .filter((m) => m[1].split(' ').includes(cls))
    .map((m) => m[2].trim().split(/\s+/).length);
}

function expectNoBadNumbers(markup: string): void {
  expect(markup).not.toMatch(/NaN|Infinity/);
}

describe('renderFigure, every kind', () => {
  it.each(LANGS)('wraps each kind in <figure class="fig fig-KIND"> with a caption (%s)', (lang) => {
    for (const f of ALL) {
      const out = renderFigure(f, lang);
      expect(out.startsWith(`<figure class="fig fig-${f.kind}">`)).toBe(true);
      expect(out.endsWith('</figcaption></figure>')).toBe(true);
      expect(out).not.toContain('<script');
      expectNoBadNumbers(out);
    }
  });

  it.each(LANGS)('produces well-formed markup and well-formed XML for every SVG (%s)', (lang) => {
    for (const f of ALL) {
      const out = renderFigure(f, lang);
      expect({ kind: f.kind, problems: xmlProblems(out, { html: true }) }).toEqual({ kind: f.kind, problems: [] });
      for (const svg of svgElements(out)) {
        expect({ kind: f.kind, problems: xmlProblems(svg) }).toEqual({ kind: f.kind, problems: [] });
        expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* role="img" aria-label="[^"]+"/);
        expect(svg).toMatch(/^<svg[^>]*><title>[^<]+<\/title>/);
      }
    }
  });

  it('is deterministic', () => {
    for (const f of ALL) for (const lang of LANGS) expect(renderFigure(f, lang)).toBe(renderFigure(structuredClone(f), lang));
  });

  it('uses only CSS classes that FIGURE_CSS styles or that only group elements', () => {
    const structural = new Set(['fig', 'fig-series', 'fig-legend', 'fig-legend-entry', 'fig-chart', 'fig-cell-off', 'fig-img-bad']);
    const used = new Set<string>();
    for (const f of ALL) {
      for (const m of renderFigure(f, 'en').matchAll(/class="([^"]*)"/g)) for (const c of m[1].split(' ')) used.add(c);
    }
    const unstyled = [...used].filter(
      (c) => !structural.has(c) && !/^fig-(series-|s-)/.test(c) && !/^fig-(loss-curve|trajectory|bands|confusion|misclassified|reconstructions|tensor-mismatch)$/.test(c) && !FIGURE_CSS.includes(`.${c}`),
    );
    expect(unstyled).toEqual([]);
    expect(FIGURE_CSS).toContain('image-rendering: pixelated');
    expect(FIGURE_CSS).not.toMatch(/url\(|@import|<script/);
  });
});

describe('loss-curve', () => {
  it('draws one polyline point per non-null value, with a gap at null', () => {
    const out = render(SAMPLES.lossCurve);
    // student: [2.3, 1.1, null, 0.5, 0.4] → two pieces of 2 points
    expect(polylinePoints(out, 'fig-s-student')).toEqual([2, 2]);
    expect(polylinePoints(out, 'fig-s-reference')).toEqual([5]);
    expect(countOf(out, /<circle class="fig-pt fig-s-student"/)).toBe(4 + 1); // 4 markers + the legend swatch
    expect(countOf(out, /<rect class="fig-pt fig-s-reference"/)).toBe(5 + 1);
  });

  it('names the series, axes and caption in both languages', () => {
    const en = render(SAMPLES.lossCurve, 'en');
    expect(en).toContain('>your solution</text>');
    expect(en).toContain('>reference</text>');
    expect(en).toContain('>epoch</text>');
    expect(en).toContain('>training loss</text>');
    expect(en).toContain('<figcaption>Training loss per epoch');
    const ru = render(SAMPLES.lossCurve, 'ru');
    expect(ru).toContain('>ваше решение</text>');
    expect(ru).toContain('>эталон</text>');
    expect(ru).toContain('>эпоха</text>');
    expect(ru).toContain('>потери на обучении</text>');
    const recon = render({ kind: 'loss-curve', metric: 'reconstruction-mse', series: [{ role: 'student-noisy', values: [0.1, 0.05] }, { role: 'reference-noisy', values: [0.1, 0.04] }] }, 'ru');
    expect(recon).toContain('>ошибка восстановления (MSE)</text>');
    expect(recon).toContain('>ваше решение, зашумлённый вход</text>');
    expect(recon).toContain('>эталон, зашумлённый вход</text>');
  });

  it('survives null, huge and tiny values without NaN or Infinity', () => {
    for (const values of [
      [null, null, null],
      [1e308, -1e308, 5e-324, null, 0],
      [5e-324, 5e-324],
      [7],
      [],
      [1e-300, 1e300],
    ]) {
      const out = render({ kind: 'loss-curve', series: [{ role: 'student', values }] });
      expectNoBadNumbers(out);
      expect(xmlProblems(out, { html: true })).toEqual([]);
      expect(polylinePoints(out, 'fig-s-student').reduce((a, b) => a + b, 0)).toBe(values.filter((v) => v !== null).length);
    }
    expect(render({ kind: 'loss-curve', series: [{ role: 'student', values: [null] }] })).toContain('>no data</text>');
  });

  it('switches to a log axis when the values span orders of magnitude', () => {
    const out = render({ kind: 'loss-curve', series: [{ role: 'student', values: [2.3, 50, 1e4, 3e7] }, { role: 'reference', values: [2.3, 1, 0.5, 0.3] }] });
    expect(out).toContain('>log scale</text>');
    expect(render(SAMPLES.lossCurve)).not.toContain('log scale');
  });
});

describe('trajectory', () => {
  it('draws contour lines, the paths with start and end markers, and the optimum', () => {
    const out = render(SAMPLES.trajectory);
    const contours = countOf(out, '<path class="fig-contour"');
    expect(contours).toBeGreaterThanOrEqual(6);
    expect(contours).toBeLessThanOrEqual(8);
    // the student's path breaks at the null point
    expect(polylinePoints(out, 'fig-s-student')).toEqual([2, 3]);
    expect(polylinePoints(out, 'fig-s-reference')).toEqual([4]);
    expect(countOf(out, /<circle class="fig-start fig-s-/)).toBe(2);
    expect(countOf(out, /<circle class="fig-end fig-s-/)).toBe(2);
    expect(countOf(out, '<polygon class="fig-optimum"')).toBe(2); // plot + legend
    // the paths are clipped to the sampled box by a nested viewport
    expect(out).toMatch(/<svg x="[\d.]+" y="[\d.]+" width="400" height="400" viewBox="0 0 400 400" overflow="hidden">/);
    expect(out).toContain('>minimum</text>');
    expect(render(SAMPLES.trajectory, 'ru')).toContain('>минимум</text>');
  });

  it('survives a flat grid, a grid of the wrong size, diverging and empty paths', () => {
    const out = render({
      kind: 'trajectory',
      contour: { x: [1, 1], y: [0, 1], rows: 2, cols: 2, values: [3, 3, 3] },
      paths: [{ role: 'student', points: [[0, 0], [1e300, -1e300], [null, 5]] }, { role: 'reference', points: [] }],
    });
    expectNoBadNumbers(out);
    expect(xmlProblems(out, { html: true })).toEqual([]);
    expect(out).not.toContain('fig-contour');
    expect(polylinePoints(out, 'fig-s-student')).toEqual([2]);
  });
});

describe('bands', () => {
  it('draws the bands, thresholds, value and reference', () => {
    const out = render(SAMPLES.bands);
    expect(countOf(out, '<rect class="fig-band"')).toBe(4);
    expect(countOf(out, '<line class="fig-threshold"')).toBe(3);
    expect(countOf(out, '<path class="fig-value-marker"')).toBe(1);
    expect(out).toContain('>your value: 0.9712 → 3 pts</text>');
    expect(out).toContain('>reference: 0.978</text>');
    expect(out).toContain('>higher is better</text>');
    const ru = render(SAMPLES.bands, 'ru');
    expect(ru).toContain('>ваше значение: 0.9712 → 3 балла</text>');
    expect(ru).toContain('>эталон: 0.978</text>');
    expect(ru).toContain('>1 балл</text>');
  });

  it('marks a value off the scale and a missing value', () => {
    const off = render({ kind: 'bands', metric: 'reconstruction-mse', value: 0.35, better: 'lower', bands: [{ threshold: 0.03, points: 2 }, { threshold: 0.02, points: 4 }] });
    expect(off).toContain('→ 0 pts (off the scale)</text>');
    const none = render({ kind: 'bands', metric: 'denoised-mse', value: null, better: 'lower', bands: [{ threshold: 0.04, points: 2 }] }, 'ru');
    expect(none).toContain('нет значения');
    expect(none).not.toContain('fig-value-marker');
    for (const f of [
      { kind: 'bands', metric: 'accuracy', value: 1e300, better: 'higher', bands: [{ threshold: -1e300, points: 1e300 }, { threshold: 1e300, points: 2 }] },
      { kind: 'bands', metric: 'accuracy', value: 0, better: 'higher', bands: [{ threshold: 0, points: 0 }], reference: 0 },
      { kind: 'bands', metric: 'accuracy', value: 97, better: 'higher', bands: [{ threshold: 95, points: 1 }] },
    ] satisfies FigureInput[]) {
      const out = render(f);
      expectNoBadNumbers(out);
      expect(xmlProblems(out, { html: true })).toEqual([]);
    }
  });
});

describe('confusion', () => {
  it('draws 100 cells, counts in the non-zero ones, the diagonal apart', () => {
    const out = render(SAMPLES.confusion);
    const matrix = SAMPLES.confusion.matrix;
    expect(countOf(out, /<rect class="fig-cell /)).toBe(100);
    expect(countOf(out, 'class="fig-cell fig-cell-diag"')).toBe(10);
    const nonZero = matrix.flat().filter((v) => v > 0).length;
    expect(countOf(out, /<text x="[^"]+" y="[^"]+" class="fig-count/)).toBe(nonZero);
    expect(out).toContain('>903</text>');
    expect(out).toContain('>true label</text>');
    expect(out).toContain('>predicted label</text>');
    const ru = render(SAMPLES.confusion, 'ru');
    expect(ru).toContain('>верная метка</text>');
    expect(ru).toContain('>предсказанная метка</text>');
  });

  it('escapes labels and tolerates a ragged matrix and huge counts', () => {
    const out = render({ kind: 'confusion', labels: ['<b>', 'a&b', 'c'], matrix: [[1e300, 2], [3]] });
    expect(out).not.toContain('<b>');
    expect(out).toContain('&lt;b&gt;');
    expect(out).toContain('a&amp;b');
    expect(countOf(out, /<rect class="fig-cell /)).toBe(9);
    expectNoBadNumbers(out);
    expect(xmlProblems(out, { html: true })).toEqual([]);
  });
});

describe('misclassified', () => {
  it('shows each digit as a PNG with its true and predicted label', () => {
    const out = render(SAMPLES.misclassified);
    expect(countOf(out, '<img class="fig-img" src="data:image/png;base64,')).toBe(2);
    expect(out).toContain('width="84" height="84"');
    expect(out).toContain('>true 7 → predicted 1</span>');
    expect(out).toContain('alt="handwritten digit, true label 7, predicted 1"');
    expect(render(SAMPLES.misclassified, 'ru')).toContain('>верно 7 → предсказано 1</span>');
  });

  it('draws a marked placeholder for unreadable image data', () => {
    const out = render({
      kind: 'misclassified',
      items: [
        { image: { ...digit, data: 'not base64!!' }, label: 3, predicted: 8 },
        { image: { ...digit, data: 'AAAA' }, label: 2, predicted: 5 },
        { image: digit, label: 1, predicted: 7 },
      ],
    });
    expect(countOf(out, 'class="fig-img fig-img-bad"')).toBe(2);
    expect(countOf(out, '<img ')).toBe(1);
    expect(out).toContain('image data unreadable');
    expect(xmlProblems(out, { html: true })).toEqual([]);
  });

  it('says so when there is nothing to show', () => {
    expect(render({ kind: 'misclassified', items: [] }, 'ru')).toContain('<p class="fig-empty">');
  });
});

describe('reconstructions', () => {
  it('has rows original / noisy / output, one column per item', () => {
    const out = render(SAMPLES.reconstructions);
    expect([...out.matchAll(/<th scope="row">([^<]*)<\/th>/g)].map((m) => m[1])).toEqual(['original', 'noisy input', 'output']);
    expect(countOf(out, '<img ')).toBe(5);
    expect(countOf(out, '<td>')).toBe(6);
    const ru = render({ kind: 'reconstructions', items: [{ original: digit, output: digit }] }, 'ru');
    expect([...ru.matchAll(/<th scope="row">([^<]*)<\/th>/g)].map((m) => m[1])).toEqual(['оригинал', 'выход']);
  });
});

describe('tensor-mismatch', () => {
  it('lists the worst entries and draws a relative-error map with a legend', () => {
    const out = render(SAMPLES.tensorMismatch);
    expect(out).toContain('<code class="fig-code">dW[1]</code>');
    expect(out).toContain('5 of 12 entries differ');
    expect(countOf(out, /<tr><td>/)).toBe(2);
    expect(out).toContain('<td><code>[1, 2]</code></td><td>0.5</td><td>−0.25</td><td>0.75</td><td>1.5</td>');
    expect(out).toContain('<td>—</td>');
    expect(countOf(out, /<rect class="fig-hm-cell/)).toBe(12 + 1); // cells + the "no value" key
    expect(countOf(out, 'fig-legend-step')).toBe(24);
    expect(out).toContain('10⁻⁷');
    expect(out).toContain('>no value</text>');
    const ru = render(SAMPLES.tensorMismatch, 'ru');
    expect(ru).toContain('отличаются 5 из 12 элементов');
    expect(ru).toContain('>отн. ошибка</th>');
  });

  it('escapes the label everywhere', () => {
    const out = render({ ...SAMPLES.tensorMismatch, label: '<script>alert(1)</script>' });
    expect(out).not.toContain('<script');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(countOf(out, '&lt;script&gt;')).toBeGreaterThanOrEqual(3); // header, caption, heatmap title
    expect(xmlProblems(out, { html: true })).toEqual([]);
    const attr = render({ ...SAMPLES.tensorMismatch, label: '" onload="alert(1)' });
    expect(attr).not.toContain('" onload="');
  });

  it('handles a short grid, no worst entries and no grid', () => {
    const short = render({ kind: 'tensor-mismatch', label: 'x', grid: { rows: 2, cols: 2, values: [1e300] } });
    expect(countOf(short, /<rect class="fig-hm-cell fig-na"/)).toBe(3 + 1);
    expectNoBadNumbers(short);
    const bare = render({ kind: 'tensor-mismatch', label: 'x' });
    expect(bare).not.toContain('<table');
    expect(bare).not.toContain('<svg');
  });
});

describe('renderFigures', () => {
  it('renders every valid figure and notes the malformed ones', () => {
    const out = renderFigures({ figures: [SAMPLES.bands, { kind: 'nonsense' }, { kind: 'confusion', labels: ['a'] }, SAMPLES.lossCurve] }, 'en');
    expect(out.startsWith('<div class="figs">')).toBe(true);
    expect(countOf(out, '<figure ')).toBe(2);
    expect(out).toContain('<p class="fig-note">2 figures could not be shown: their data is malformed.</p>');
    expect(renderFigures({ figures: [{ kind: 'nonsense' }] }, 'ru')).toContain('1 рисунок не удалось показать');
    expect(xmlProblems(out, { html: true })).toEqual([]);
  });

  it('returns nothing without figures and never throws', () => {
    expect(renderFigures(undefined, 'en')).toBe('');
    expect(renderFigures(null, 'en')).toBe('');
    expect(renderFigures({ other: 1 }, 'en')).toBe('');
    expect(renderFigures({ figures: [] }, 'en')).toBe('');
    expect(renderFigures({ figures: 'x' }, 'en')).toContain('fig-note');
    expect(renderFigures('figures', 'en')).toBe('');
  });

  it('renders the same sample in both languages with every string translated', () => {
    const en = renderFigures({ figures: Object.values(SAMPLES) }, 'en');
    const ru = renderFigures({ figures: Object.values(SAMPLES) }, 'ru');
    expect(countOf(en, '<figure ')).toBe(7);
    expect(countOf(ru, '<figure ')).toBe(7);
    // No English word from the string table leaks into what a Russian reader sees or hears
    // (text, alt and aria-label; class names are English on purpose).
    const visible = (markup: string) =>
      [markup.replace(/<[^>]*>/g, ' '), ...[...markup.matchAll(/(?:alt|aria-label|title)="([^"]*)"/g)].map((m) => m[1])].join(' ');
    const words = ['your solution', 'reference', 'epoch', 'predicted', 'original', 'expected', 'minimum', 'loss', 'error', 'true'];
    for (const word of words) expect(visible(en).toLowerCase()).toContain(word);
    for (const word of words) expect(visible(ru).toLowerCase()).not.toContain(word);
  });
});

describe('figure-text', () => {
  it('has the same keys in both languages and Russian plurals', () => {
    const keys = (o: object): string[] =>
      Object.entries(o)
        .flatMap(([k, v]) => (typeof v === 'object' && v !== null ? keys(v).map((x) => `${k}.${x}`) : [k]))
        .sort();
    expect(keys(figureText('ru'))).toEqual(keys(figureText('en')));
    const p = figureText('ru').bands.points;
    expect([1, 2, 5, 11, 21, 22, 25, 1.5].map(p)).toEqual(['1 балл', '2 балла', '5 баллов', '11 баллов', '21 балл', '22 балла', '25 баллов', '1.5 балла']);
    expect(figureText('en').bands.points(1)).toBe('1 pt');
    const m = figureText('en').mismatch.mismatched;
    expect([m(1, undefined), m(3, undefined), m(1, 1), m(1, 12), m(5, 12)]).toEqual(['1 entry differs', '3 entries differ', '1 of 1 entry differs', '1 of 12 entries differs', '5 of 12 entries differ']);
  });
});

// Keep the Figure type import used for readers of the fixtures.
export type { Figure };
