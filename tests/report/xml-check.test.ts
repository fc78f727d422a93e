import { svgElements, xmlProblems } from './xml-check';

describe('the test helper xmlProblems', () => {
  it('accepts balanced markup with entities and self-closing tags', () => {
    expect(xmlProblems('<svg a="1"><g><rect x="0"/><text>a &amp; b &lt; c</text></g></svg>')).toEqual([]);
  });
  it('finds unbalanced, unquoted, duplicated and unescaped markup', () => {
    expect(xmlProblems('<svg><g></svg>').length).toBeGreaterThan(0);
    expect(xmlProblems('<svg x=1></svg>').length).toBeGreaterThan(0);
    expect(xmlProblems('<svg x="1" x="2"></svg>').length).toBeGreaterThan(0);
    expect(xmlProblems('<text>a & b</text>').length).toBeGreaterThan(0);
    expect(xmlProblems('<text>a < b</text>').length).toBeGreaterThan(0);
    expect(xmlProblems('<p>x</p></p>').length).toBeGreaterThan(0);
  });
  it('lets void elements stand alone in HTML mode only', () => {
    expect(xmlProblems('<p><img src="a"></p>', { html: true })).toEqual([]);
    expect(xmlProblems('<p><img src="a"></p>').length).toBeGreaterThan(0);
  });
  it('extracts nested svg elements as one', () => {
    expect(svgElements('<p><svg a="1"><svg b="2"></svg></svg><svg c="3"></svg></p>')).toEqual([
      '<svg a="1"><svg b="2"></svg></svg>',
      '<svg c="3"></svg>',
    ]);
  });
});
