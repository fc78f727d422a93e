/**
 * Turns benchmark results into the printed table and the JSON files. Pure formatting apart
 * from writeResults.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchResults, BenchRow, Breakdown } from './bench-types';

function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** Two decimals, or two significant digits below 0.1 so that 0.0017x does not read 0.00x. */
function formatRatio(value: number): string {
  return value >= 0.1 || value === 0 ? value.toFixed(2) : value.toPrecision(2);
}

function formatMs(ms: number | null): string {
  if (ms === null) return '?';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function targetCell(row: BenchRow): string {
  if (!row.target) return '';
  const verdict = row.target.met === null ? 'n/a' : row.target.met ? 'pass' : 'FAIL';
  return `${row.target.description}: ${verdict}`;
}

function pad(text: string, width: number, right: boolean): string {
  // Counted in code points so that '≥' and '→' do not shift the columns.
  const length = [...text].length;
  const fill = ' '.repeat(Math.max(0, width - length));
  return right ? fill + text : text + fill;
}

function renderTable(header: string[], rightAligned: boolean[], body: string[][]): string[] {
  const widths = header.map((h, c) => Math.max([...h].length, ...body.map((r) => [...r[c]].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => pad(cell, widths[c], rightAligned[c]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/** Breakdown items as "Name 12.3ms×4", joined and wrapped at `width` characters. */
export function formatBreakdownItems(breakdown: Breakdown, indent: string, width = 100): string[] {
  const parts = breakdown.items.map((i) => `${i.name} ${formatMs(i.ms)}ms×${i.count}`);
  const lines: string[] = [];
  let current = indent;
  for (const part of parts) {
    const piece = current.trim() === '' ? part : `, ${part}`;
    if (current.trim() !== '' && current.length + piece.length > width) {
      lines.push(`${current},`);
      current = indent + part;
    } else {
      current += piece;
    }
  }
  if (current.trim() !== '') lines.push(current);
  return lines;
}

export function formatResults(results: BenchResults): string {
  const out: string[] = [];
  const { host } = results;
  out.push(
    `bench ${results.startedAt}${results.quick ? ' (quick: smoke run, numbers not comparable)' : ''}`,
    `host: ${host.cpuModel}, ${host.cpuCount} cores, load ${host.loadAverage.start.toFixed(2)}` +
      ` → ${host.loadAverage.end.toFixed(2)}, node ${host.node}`,
    '',
  );
  const header = ['module', 'case', 'status', 'value', 'unit', 'ratio', 'target', 'note'];
  const right = [false, false, false, true, false, true, false, false];
  const body: string[][] = [];
  for (const mod of results.modules) {
    for (const row of mod.rows) {
      body.push([
        mod.name,
        row.name,
        row.status,
        row.value === null ? '-' : formatNumber(row.value),
        row.unit,
        row.ratio ? `${formatRatio(row.ratio.value)}x ${row.ratio.to}` : '',
        targetCell(row),
        row.message ?? '',
      ]);
    }
  }
  out.push(...renderTable(header, right, body));

  for (const mod of results.modules) {
    const withBreakdown = mod.rows.filter((r) => r.breakdown !== undefined);
    if (withBreakdown.length === 0) continue;
    out.push('', `where the time goes (${mod.name}; ms total × calls):`);
    for (const row of withBreakdown) {
      const b = row.breakdown;
      if (!b) continue;
      const total = b.totalMs === null ? '' : `, wall ${formatMs(b.totalMs)} ms`;
      out.push(`  ${row.name}: ${b.title}${total}${b.note ? `; ${b.note}` : ''}`);
      out.push(...formatBreakdownItems(b, '    '));
    }
  }
  return out.join('\n');
}

/** A file-name-safe UTC stamp, e.g. 2025-05-01T14-03-22Z. */
export function fileStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/** Writes bench-<stamp>.json and latest.json into `dir`; returns both paths. */
export function writeResults(results: BenchResults, dir: string, date: Date): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const dated = path.join(dir, `bench-${fileStamp(date)}.json`);
  const latest = path.join(dir, 'latest.json');
  fs.writeFileSync(dated, text);
  // Written beside and renamed, so a reader never sees half a latest.json.
  const partial = `${latest}.${process.pid}.tmp`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, latest);
  return [dated, latest];
}
