import { CsvSyntaxError, csvText, parseCsv } from '../../grader/util/csv';

describe('csv', () => {
  it('reads quotes, embedded commas, quotes and line breaks, and keeps each row\'s line', () => {
    const rows = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi""",z\n\n"multi\nline",2\n');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'z'] },
      { line: 4, fields: ['multi\nline', '2'] },
    ]);
  });

  it('names the line of a quote left open or text after a closing quote', () => {
    expect(() => parseCsv('a,b\n"open,2\n3,4\n')).toThrow(new CsvSyntaxError(2, 'a quoted field is never closed (a " is missing)'));
    expect(() => parseCsv('a\n"x"y,1\n')).toThrow(/^line 2: text after a closing quote/);
  });

  it('writes what it reads back, with formulas made text', () => {
    const text = csvText([['id', 'note'], ['a', 'x,"y"\nz'], ['b', '=1+1']]);
    expect(parseCsv(text).map((r) => r.fields)).toEqual([['id', 'note'], ['a', 'x,"y"\nz'], ['b', "'=1+1"]]);
  });
});
