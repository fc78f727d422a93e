/**
 * The "how it is graded" table of a statement, rendered from the spec so that the statement
 * and the grader cannot drift apart: every visible test with its points and the requirements
 * it grades, the hidden tests as one row (their names are not published), and the list of
 * requirements. Each README.md / README.ru.md holds it between the two markers below;
 * `npm run statements` rewrites it and tests/assignments/requirement-coverage checks it.
 */
import type { AssignmentSpec, Lang } from './assignment-spec';

export const TABLE_BEGIN = '<!-- grading-table: generated from spec.ts by `npm run statements`; do not edit by hand -->';
export const TABLE_END = '<!-- /grading-table -->';

const WORDS = {
  en: {
    test: 'test',
    points: 'points',
    checks: 'requirements it grades',
    hidden: 'hidden tests (run on every push, shown once released)',
    total: 'total',
    requirements: 'The requirements, each graded by the tests that name it:',
  },
  ru: {
    test: 'тест',
    points: 'баллы',
    checks: 'какие требования проверяет',
    hidden: 'скрытые тесты (запускаются при каждом push, видны после публикации)',
    total: 'итого',
    requirements: 'Требования; каждое проверяют тесты, которые его называют:',
  },
} as const;

function points(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

function ids(list: readonly string[]): string {
  return list.map((id) => `\`${id}\``).join(', ');
}

/** Markdown table cells cannot hold a bare '|'. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The generated block, markers included. */
export function renderGradingTable(spec: AssignmentSpec, lang: Lang): string {
  const w = WORDS[lang];
  const lines = [TABLE_BEGIN, '', `| ${w.test} | ${w.points} | ${w.checks} |`, '|---|---|---|'];
  for (const t of spec.tests.filter((t) => t.visibility === 'visible')) {
    lines.push(`| ${cell(t.name)} | ${points(t.points)} | ${ids(t.requirements ?? [])} |`);
  }
  const hidden = spec.tests.filter((t) => t.visibility === 'hidden');
  if (hidden.length > 0) {
    const graded = [...new Set(hidden.flatMap((t) => t.requirements ?? []))];
    lines.push(`| ${w.hidden} | ${points(hidden.reduce((s, t) => s + t.points, 0))} | ${ids(graded)} |`);
  }
  lines.push(`| **${w.total}** | **${points(spec.tests.reduce((s, t) => s + t.points, 0))}** | |`);
  const requirements = spec.requirements ?? [];
  if (requirements.length > 0) {
    lines.push('', w.requirements, '');
    for (const r of requirements) lines.push(`- \`${r.id}\`: ${r.text[lang]}`);
  }
  lines.push('', TABLE_END);
  return lines.join('\n');
}

export class MissingTableMarkersError extends Error {
  readonly code = 'MISSING_TABLE_MARKERS';
  constructor(file: string) {
    super(`${file} has no grading-table markers; put the two lines\n${TABLE_BEGIN}\n${TABLE_END}\nwhere the table belongs`);
    this.name = 'MissingTableMarkersError';
  }
}

/** The statement's text with its generated block replaced; throws when the markers are missing. */
export function withGradingTable(statement: string, spec: AssignmentSpec, lang: Lang, file: string): string {
  const begin = statement.indexOf(TABLE_BEGIN);
  const end = statement.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new MissingTableMarkersError(file);
  return statement.slice(0, begin) + renderGradingTable(spec, lang) + statement.slice(end + TABLE_END.length);
}
