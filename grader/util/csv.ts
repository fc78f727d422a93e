/**
 * CSV in and out (RFC 4180: comma-separated, fields quoted with "", CRLF or LF line ends).
 * Written cells that a spreadsheet would run as a formula (= + - @ at the start) are turned
 * into text; read rows keep the line they started on, so a bad row can be named.
 */

export class CsvSyntaxError extends Error {
  readonly code = 'CSV_SYNTAX';
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvSyntaxError';
  }
}

/** One cell, quoted when needed; a leading = + - @ is made text with a quote mark. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Rows to CSV text with CRLF line ends (what spreadsheets expect). */
export function csvText(rows: ReadonlyArray<readonly string[]>): string {
  return rows.map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

export interface CsvRow {
  /** The line (from 1) the row starts on. */
  line: number;
  fields: string[];
}

/**
 * Parses CSV text. Blank lines are skipped; a byte-order mark is dropped. Throws
 * CsvSyntaxError with the line for a quote left open or text after a closing quote.
 */
export function parseCsv(text: string): CsvRow[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: CsvRow[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        const opened = line;
        i++;
        for (;;) {
          if (i >= src.length) throw new CsvSyntaxError(opened, 'a quoted field is never closed (a " is missing)');
          const ch = src[i];
          if (ch === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        if (i < src.length && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
          throw new CsvSyntaxError(line, `text after a closing quote: '${src.slice(i, i + 20).split(/\r?\n/)[0]}'`);
        }
      } else {
        while (i < src.length && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') field += src[i++];
      }
      fields.push(field);
      if (src[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (src[i] === '\r') i++;
    if (src[i] === '\n') i++;
    line++;
    if (!(fields.length === 1 && fields[0].trim() === '')) rows.push({ line: start, fields });
  }
  return rows;
}
