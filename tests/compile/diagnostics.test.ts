import {
  capWarnings,
  diagnosticAt,
  formatDiagnostic,
  lineOf,
  positionOf,
  sortDiagnostics,
  type CompileDiagnostic,
} from '../../grader/compile/diagnostics';

const base: CompileDiagnostic = {
  file: 'solution.ts',
  line: 3,
  column: 7,
  code: 'TS2322',
  message: "Type 'string' is not assignable to type 'number'.",
  sourceLine: "const n: number = 'x';",
  severity: 'error',
};

describe('formatDiagnostic', () => {
  it('prints position, severity, code, message, the source line and a caret', () => {
    expect(formatDiagnostic(base)).toBe(
      [
        "solution.ts:3:7 - error TS2322: Type 'string' is not assignable to type 'number'.",
        "   3 | const n: number = 'x';",
        '     |       ^',
      ].join('\n'),
    );
  });

  it('keeps tabs in the caret line and widens the gutter for long files', () => {
    const d = { ...base, line: 12345, column: 3, sourceLine: '\t\tx;', severity: 'warning' as const };
    expect(formatDiagnostic(d).split('\n')).toEqual([
      "solution.ts:12345:3 - warning TS2322: Type 'string' is not assignable to type 'number'.",
      '12345 | \t\tx;',
      '      | \t\t^',
    ]);
  });

  it('omits the position of file-level diagnostics and the file of folder-level ones', () => {
    expect(formatDiagnostic({ ...base, line: 0, column: 0, code: 'CONTRACT_SYMLINK', message: 'm' })).toBe(
      'solution.ts - error CONTRACT_SYMLINK: m',
    );
    expect(formatDiagnostic({ file: '.', line: 0, column: 0, code: 'CONTRACT_SIZE', message: 'm', severity: 'error' })).toBe(
      'error CONTRACT_SIZE: m',
    );
  });

  it('prints only the head line without a source line', () => {
    const { sourceLine: _omit, ...d } = base;
    expect(formatDiagnostic(d)).toBe("solution.ts:3:7 - error TS2322: Type 'string' is not assignable to type 'number'.");
  });
});

describe('positions and lines', () => {
  const text = 'ab\r\nпривет x\n\nlast';
  it('gives 1-based lines and UTF-16 columns', () => {
    expect(positionOf(text, 0)).toEqual({ line: 1, column: 1 });
    expect(positionOf(text, text.indexOf('x'))).toEqual({ line: 2, column: 8 });
    expect(positionOf(text, text.length)).toEqual({ line: 4, column: 5 });
  });
  it('returns lines without their break', () => {
    expect(lineOf(text, 1)).toBe('ab');
    expect(lineOf(text, 3)).toBe('');
    expect(lineOf(text, 4)).toBe('last');
    expect(lineOf(text, 5)).toBeUndefined();
    expect(lineOf('x'.repeat(1000), 1)).toHaveLength(401);
  });
  it('makes one-line diagnostics at an offset', () => {
    expect(diagnosticAt('a.ts', text, text.indexOf('x'), 'C', 'two\n  lines')).toEqual({
      file: 'a.ts',
      line: 2,
      column: 8,
      code: 'C',
      message: 'two lines',
      sourceLine: 'привет x',
      severity: 'error',
    });
  });
});

describe('sorting and capping', () => {
  it('puts errors first, then orders by file, line, column', () => {
    const w = { ...base, severity: 'warning' as const };
    const sorted = sortDiagnostics([
      { ...w, file: 'a.ts' },
      { ...base, file: 'b.ts', line: 2 },
      { ...base, file: 'b.ts', line: 1, column: 9 },
      { ...base, file: 'a.ts', line: 9 },
    ]);
    expect(sorted.map((d) => `${d.severity} ${d.file}:${d.line}`)).toEqual([
      'error a.ts:9',
      'error b.ts:1',
      'error b.ts:2',
      'warning a.ts:3',
    ]);
  });
  it('keeps every error and at most max warnings, counting the rest', () => {
    const ds = [...Array.from({ length: 5 }, () => ({ ...base, severity: 'warning' as const })), base];
    const capped = capWarnings(ds, 2);
    expect(capped.map((d) => d.code)).toEqual(['TS2322', 'TS2322', 'TS2322', 'WARNINGS_TRUNCATED']);
    expect(capped[3]?.message).toBe('3 more warnings are not shown');
    expect(capWarnings(ds, 5)).toEqual(ds);
  });
});
