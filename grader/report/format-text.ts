/**
 * The human-readable result for a terminal: a mark per test, points, and the messages.
 */
import type { GradeResult, TestResult } from '../results/result-schema';

/** A test's mark in a terminal (also the check command's progress lines). */
export const STATUS_MARKS: Readonly<Record<TestResult['status'], string>> = {
  passed: '✔',
  failed: '✘',
  error: '!',
  timeout: '⏱',
  killed: '☠',
};

/** A test status's terminal colour, as an SGR parameter (green, red, yellow, magenta). */
export const STATUS_SGR: Readonly<Record<TestResult['status'], string>> = {
  passed: '32',
  failed: '31',
  error: '31',
  timeout: '33',
  killed: '35',
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
    const mark = c(`\x1b[${STATUS_SGR[t.status]}m`, STATUS_MARKS[t.status]);
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
