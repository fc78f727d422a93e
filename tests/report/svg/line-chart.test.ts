import { lineChart, type LineChartOptions } from '../../../grader/report/svg/line-chart';
import { countOf, xmlProblems } from '../xml-check';

const base: Omit<LineChartOptions, 'series'> = { xTitle: 'epoch', yTitle: 'loss', logNote: 'log scale', noData: 'no data', label: 'a chart' };

describe('lineChart', () => {
  it('marks every value of short series and only lone values of long ones', () => {
    const long = Array.from({ length: 100 }, (_, i): number | null => (i === 50 || i === 52 ? null : 1 / (i + 1)));
    const out = lineChart({ ...base, series: [{ role: 'student', name: 'you', values: long }, { role: 'reference', name: 'ref', values: [3, 2, 1] }] });
    // value 51 stands alone between two nulls: it keeps its marker
    expect(countOf(out, /<circle class="fig-pt fig-s-student"[^>]*><title>/)).toBe(1);
    expect(out).toContain('<title>52: 0.0192308</title>');
    expect(countOf(out, /<rect class="fig-pt fig-s-reference"[^>]*><title>/)).toBe(3);
    expect(countOf(out, '<polyline class="fig-line fig-s-student"')).toBe(3);
    expect(xmlProblems(out)).toEqual([]);
  });

  it('numbers the x axis from firstX and escapes every text', () => {
    const out = lineChart({ ...base, label: 'a <b> & c', xTitle: '<x>', firstX: 0, series: [{ role: 'student', name: '"you"', values: [1, 2, 3] }] });
    expect(out).toContain('>0</text>');
    expect(out).toContain('<title>a &lt;b&gt; &amp; c</title>');
    expect(out).toContain('>&lt;x&gt;</text>');
    expect(out).toContain('>&quot;you&quot;</text>');
    expect(xmlProblems(out)).toEqual([]);
  });

  it('puts the legend in role order, the student first, and draws references below', () => {
    const out = lineChart({
      ...base,
      series: [
        { role: 'reference-noisy', name: 'D', values: [1] },
        { role: 'student', name: 'A', values: [1] },
        { role: 'student-noisy', name: 'C', values: [1] },
        { role: 'reference', name: 'B', values: [1] },
      ],
    });
    const legend = out.slice(0, out.indexOf('fig-grid'));
    expect([...legend.matchAll(/<text x="30" y="4">([A-D])<\/text>/g)].map((m) => m[1])).toEqual(['A', 'B', 'C', 'D']);
    expect([...out.matchAll(/<g class="fig-series fig-series-([a-z-]+)">/g)].map((m) => m[1])).toEqual(['reference', 'reference-noisy', 'student-noisy', 'student']);
  });
});
