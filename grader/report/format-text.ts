/**
 * The human-readable result for a terminal: a mark per test, points, and the messages.
 */
import type { GradeResult, TestResult } from '../results/result-schema';

const MARKS: Record<TestResult['status'], string> = {
  passed: '✔',
  failed: '✘',
  error: '!',
  timeout: '⏱',
  killed: '☠',
};

const COLORS: Record<TestResult['status'], string> = {
  passed: '\x1b[32m',
  failed: '\x1b[31m',
  error: '\x1b[31m',
  timeout: '\x1b[33m',
  killed: '\x1b[35m',
};

function fmtPoints(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function formatResultText(result: GradeResult, opts: { color?: boolean } = {}): string {
  const c = (code: string, text: string) => (opts.color ? `${code}${text}\x1b[0m` : text);
  const lines: string[] = [];
  const head = `${result.assignment}: ${fmtPoints(result.score)}/${fmtPoints(result.max_score)}`;
  lines.push(c('\x1b[1m', head) + `  [${result.status}, backend ${result.backend}, ${(result.duration_ms / 1000).toFixed(1)} s]`);
  const width = Math.min(60, Math.max(10, ...result.tests.map((t) => t.name.length)));
  for (const t of result.tests) {
    const mark = c(COLORS[t.status], MARKS[t.status]);
    const name = t.name.length > width ? `${t.name.slice(0, width - 1)}…` : t.name.padEnd(width);
    const pts = `${fmtPoints(t.score)}/${fmtPoints(t.max_score)}`.padStart(7);
    const hidden = t.visibility === 'hidden' ? ' (hidden)' : '';
    lines.push(`  ${mark} ${name} ${pts}  ${t.status}${hidden}`);
    if (t.status !== 'passed' && t.output) {
      for (const line of t.output.split('\n').slice(0, 12)) lines.push(`      ${line}`);
    }
  }
  if (result.output) {
    lines.push('');
    for (const line of result.output.split('\n').slice(0, 40)) lines.push(`  ${line}`);
  }
  return lines.join('\n');
}
