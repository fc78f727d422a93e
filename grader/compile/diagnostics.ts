/**
 * What the compile stage reports: one shape for contract violations, esbuild's syntax
 * errors and TypeScript's type errors, and a tsc-like text form for reports and terminals.
 */
import { countEn } from '../util/plural';

export interface CompileDiagnostic {
  /** Path relative to the assignment folder, POSIX separators, e.g. 'solution.ts'; '.' is the folder itself. */
  file: string;
  /** 1-based; 0 when the diagnostic is about a whole file or the folder (a symlink, the size). */
  line: number;
  /** 1-based, in UTF-16 code units like an editor; 0 when `line` is 0. */
  column: number;
  /** 'TS2322', 'ESBUILD', or a contract code from COMPILE_CODES. */
  code: string;
  /** One line where possible, like tsc. */
  message: string;
  /** The offending source line, for the report. */
  sourceLine?: string;
  severity: 'error' | 'warning';
}

/** Longest source line kept in a diagnostic (minified or generated code would swamp a report). */
const MAX_SOURCE_LINE = 400;

/**
 * tsc-like text:
 * ```
 * solution.ts:3:7 - error TS2322: message
 *    3 | source line
 *      |       ^
 * ```
 * File-level diagnostics have no position ("solution.ts - error CONTRACT_SYMLINK: ...") and
 * folder-level ones no file ("error CONTRACT_SIZE: ...").
 */
export function formatDiagnostic(d: CompileDiagnostic): string {
  const where =
    d.file === '.' || d.file === '' ? '' : d.line > 0 ? `${d.file}:${d.line}:${d.column} - ` : `${d.file} - `;
  const head = `${where}${d.severity} ${d.code}: ${d.message}`;
  if (d.line <= 0 || d.sourceLine === undefined) return head;
  const gutter = String(d.line).padStart(4);
  // Keep tabs in the caret line so that the caret sits under the right character.
  const before = d.sourceLine.slice(0, Math.max(0, d.column - 1)).replace(/[^\t]/g, ' ');
  return `${head}\n${gutter} | ${d.sourceLine}\n${' '.repeat(gutter.length)} | ${before}^`;
}

/** Errors first, then by file, line and column; the order of equal entries is kept. */
export function sortDiagnostics(ds: readonly CompileDiagnostic[]): CompileDiagnostic[] {
  const rank = (d: CompileDiagnostic): number => (d.severity === 'error' ? 0 : 1);
  return [...ds].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column,
  );
}

/** The text of the 1-based line `line`, without its line break, shortened when very long. */
export function lineOf(text: string, line: number): string | undefined {
  if (line < 1) return undefined;
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  const raw = text.slice(start, end).replace(/\r$/, '');
  return raw.length > MAX_SOURCE_LINE ? `${raw.slice(0, MAX_SOURCE_LINE)}…` : raw;
}

/** 1-based line and column (UTF-16 units) of a 0-based offset into `text`. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** A diagnostic at a 0-based offset of a file whose text is known. */
export function diagnosticAt(
  file: string,
  text: string,
  offset: number,
  code: string,
  message: string,
  severity: CompileDiagnostic['severity'] = 'error',
): CompileDiagnostic {
  const { line, column } = positionOf(text, offset);
  return { file, line, column, code, message: oneLine(message), sourceLine: lineOf(text, line), severity };
}

/** A diagnostic about a whole file, or about the folder when `file` is '.'. */
export function fileDiagnostic(
  file: string,
  code: string,
  message: string,
  severity: CompileDiagnostic['severity'] = 'error',
): CompileDiagnostic {
  return { file, line: 0, column: 0, code, message: oneLine(message), severity };
}

/** Collapses a multi-line message (a TypeScript message chain) into one line. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .join(' ');
}

/**
 * Keeps at most `max` warnings (errors are all kept) and says how many were left out, so a
 * submission with a thousand type slips still gives a readable report.
 */
export function capWarnings(ds: readonly CompileDiagnostic[], max: number): CompileDiagnostic[] {
  const errors = ds.filter((d) => d.severity === 'error');
  const warnings = ds.filter((d) => d.severity === 'warning');
  if (warnings.length <= max) return [...ds];
  const kept = warnings.slice(0, max);
  kept.push(
    fileDiagnostic('.', 'WARNINGS_TRUNCATED', `${countEn(warnings.length - max, 'more warning is', 'more warnings are')} not shown`, 'warning'),
  );
  return [...errors, ...kept];
}
