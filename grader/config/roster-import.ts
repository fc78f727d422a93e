/**
 * Roster import: students from a CSV merged into the course file's `roster`.
 *
 * Two CSV shapes are read:
 * - GitHub Classroom's roster export (a header with `identifier`, `github_username`,
 *   `github_id`, `name`): the student id is the GitHub user name, the repository comes from a
 *   template such as `https://github.com/nn2-2025/nn2-{github_username}.git`; rows without a
 *   GitHub account (not yet joined) are skipped and listed.
 * - A plain CSV `name, id, repository[, branch]`, with or without that header.
 *
 * Nothing is written unless every row is good: a bad row is reported with its line, a
 * student already in the roster with a different name or repository is a conflict (edit the
 * file by hand to change a student), and existing students are never removed. The file is
 * edited as a YAML document, so its comments and order stay; it is replaced atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import { BadRepoUrlError, fetchUrl, repoKey } from '../repo/repo-url';
import { parseCsv, CsvSyntaxError, type CsvRow } from '../util/csv';
import { StudentEntrySchema } from './course-config-schema';

export class RosterImportError extends Error {
  readonly code = 'ROSTER_IMPORT_INVALID';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: nothing imported, ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RosterImportError';
  }
}

export interface RosterStudent {
  id: string;
  name: string;
  repo: string;
  branch?: string;
}

export interface ParsedRoster {
  format: 'classroom' | 'plain';
  students: Array<{ line: number; student: RosterStudent }>;
  /** Rows left out on purpose (a Classroom student without a GitHub account yet). */
  skipped: Array<{ line: number; reason: string }>;
  problems: string[];
}

export interface RosterCsvOptions {
  /** For Classroom rosters: the clone URL with {github_username}, {identifier} or {github_id}. */
  repoTemplate?: string;
  /** The branch of every imported student (default: the course file's default, main). */
  branch?: string;
}

const TEMPLATE_KEYS = ['github_username', 'identifier', 'github_id'] as const;

function headerIndex(row: CsvRow): Map<string, number> {
  return new Map(row.fields.map((f, i) => [f.trim().toLowerCase().replace(/[\s-]+/g, '_'), i]));
}

function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) => values[key] ?? whole);
}

function checkStudent(line: number, student: RosterStudent): string[] {
  const parsed = StudentEntrySchema.safeParse(student);
  return parsed.success ? [] : parsed.error.issues.map((i) => `line ${line}: ${i.path.join('.') || 'row'}: ${i.message}`);
}

/** Reads a roster CSV. Problems name the line; nothing is thrown for a bad row. */
export function parseRosterCsv(text: string, options: RosterCsvOptions = {}): ParsedRoster {
  let rows: CsvRow[];
  try {
    rows = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { format: 'plain', students: [], skipped: [], problems: [err.message] };
    throw err;
  }
  const result: ParsedRoster = { format: 'plain', students: [], skipped: [], problems: [] };
  if (rows.length === 0) {
    result.problems.push('the file holds no rows');
    return result;
  }
  const header = headerIndex(rows[0]);
  const branch = options.branch !== undefined ? { branch: options.branch } : {};
  const add = (line: number, student: RosterStudent) => {
    const problems = checkStudent(line, student);
    if (problems.length > 0) result.problems.push(...problems);
    else result.students.push({ line, student });
  };

  if (header.has('github_username') && header.has('identifier')) {
    result.format = 'classroom';
    const template = options.repoTemplate;
    if (template === undefined || !/\{(github_username|identifier|github_id)\}/.test(template)) {
      result.problems.push(
        `a GitHub Classroom roster needs --repo-template with {github_username} (e.g. https://github.com/ORG/PREFIX-{github_username}.git)${template !== undefined ? `; got '${template}'` : ''}`,
      );
      return result;
    }
    const at = (row: CsvRow, key: string) => {
      const i = header.get(key);
      return i === undefined ? '' : (row.fields[i] ?? '').trim();
    };
    for (const row of rows.slice(1)) {
      const values = Object.fromEntries(TEMPLATE_KEYS.map((k) => [k, at(row, k)]));
      const username = values.github_username;
      const label = at(row, 'identifier') || at(row, 'name') || '(no identifier)';
      if (username === '') {
        result.skipped.push({ line: row.line, reason: `${label} has no github_username yet (has not joined the classroom)` });
        continue;
      }
      add(row.line, { id: username, name: at(row, 'name') || at(row, 'identifier') || username, repo: fillTemplate(template, values), ...branch });
    }
    return result;
  }

  // Plain: name, id, repository[, branch]; the header is optional.
  const named = header.has('name') && header.has('id') && (header.has('repository') || header.has('repo'));
  const col = named
    ? { name: header.get('name') ?? 0, id: header.get('id') ?? 1, repo: header.get('repository') ?? header.get('repo') ?? 2, branch: header.get('branch') }
    : { name: 0, id: 1, repo: 2, branch: 3 };
  for (const row of named ? rows.slice(1) : rows) {
    const cells = row.fields.map((f) => f.trim());
    const needed = Math.max(col.name, col.id, col.repo) + 1;
    if (cells.length < needed) {
      result.problems.push(`line ${row.line}: expected ${needed} columns (name, id, repository), found ${cells.length}: '${row.fields.join(',')}'`);
      continue;
    }
    const rowBranch = col.branch !== undefined ? cells[col.branch] : undefined;
    add(row.line, {
      id: cells[col.id],
      name: cells[col.name],
      repo: cells[col.repo],
      ...(rowBranch !== undefined && rowBranch !== '' ? { branch: rowBranch } : branch),
    });
  }
  return result;
}

export interface RosterMerge {
  added: RosterStudent[];
  unchanged: RosterStudent[];
  problems: string[];
}

function keyOf(repo: string, baseDir: string): string | undefined {
  try {
    return repoKey(fetchUrl(repo, baseDir));
  } catch (err) {
    if (err instanceof BadRepoUrlError) return undefined;
    throw err;
  }
}

/**
 * Decides what joins the roster: new students are added; one already there with the same
 * name, repository and branch is unchanged; anything else about a known id or repository is
 * a conflict. Repositories compare by identity (any spelling of the same URL matches).
 */
export function mergeRoster(existing: readonly RosterStudent[], incoming: ParsedRoster['students'], baseDir: string): RosterMerge {
  const out: RosterMerge = { added: [], unchanged: [], problems: [] };
  const byId = new Map(existing.map((s) => [s.id, { student: s, where: 'the roster' }]));
  const byKey = new Map<string, { student: RosterStudent; where: string }>();
  for (const s of existing) {
    const key = keyOf(s.repo, baseDir);
    if (key !== undefined) byKey.set(key, { student: s, where: 'the roster' });
  }
  for (const { line, student } of incoming) {
    const key = keyOf(student.repo, baseDir);
    if (key === undefined) {
      out.problems.push(`line ${line}: '${student.repo}' is not a repository URL or path`);
      continue;
    }
    const sameId = byId.get(student.id);
    const sameRepo = byKey.get(key);
    if (sameId !== undefined) {
      const known = sameId.student;
      if (keyOf(known.repo, baseDir) === key && known.name === student.name && (known.branch ?? 'main') === (student.branch ?? 'main')) {
        out.unchanged.push(student);
      } else {
        out.problems.push(
          `line ${line}: '${student.id}' is already in ${sameId.where} as ${known.name} <${known.repo}> (${known.branch ?? 'main'}); the CSV says ${student.name} <${student.repo}> (${student.branch ?? 'main'}): change it in the course file by hand`,
        );
      }
      continue;
    }
    if (sameRepo !== undefined) {
      out.problems.push(`line ${line}: the repository of '${student.id}' is already that of '${sameRepo.student.id}' in ${sameRepo.where}`);
      continue;
    }
    const where = `line ${line} of the CSV`;
    byId.set(student.id, { student, where });
    byKey.set(key, { student, where });
    out.added.push(student);
  }
  return out;
}

export interface RosterImportResult {
  format: ParsedRoster['format'];
  added: RosterStudent[];
  unchanged: RosterStudent[];
  skipped: ParsedRoster['skipped'];
  /** False with dryRun. */
  written: boolean;
}

function readCourseDocument(file: string): Document {
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) throw new RosterImportError(file, doc.errors.map((e) => `syntax: ${e.message.split('\n')[0]}`));
  if (!isMap(doc.contents)) throw new RosterImportError(file, ['the course file is not a mapping (course:, roster:, ...)']);
  return doc;
}

function existingRoster(doc: Document, file: string): RosterStudent[] {
  const roster: unknown = doc.toJS().roster;
  if (roster === undefined || roster === null) return [];
  if (!Array.isArray(roster)) throw new RosterImportError(file, ['roster: expected a list of students']);
  return roster.flatMap((entry: unknown) => {
    const parsed = StudentEntrySchema.partial({ branch: true }).safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameData(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The file's text with the students appended as block items after the roster's last one, at
 * its indentation; undefined when the roster is not a non-empty block sequence.
 */
function spliceStudents(source: string, doc: Document, students: readonly RosterStudent[]): string | undefined {
  const roster = doc.get('roster');
  if (!isSeq(roster) || roster.flow === true || roster.items.length === 0) return undefined;
  const first = roster.items[0];
  const last = roster.items[roster.items.length - 1];
  if (!isMap(first) || !isMap(last) || first.range == null || last.range == null) return undefined;
  const lineStart = source.lastIndexOf('\n', first.range[0] - 1) + 1;
  const dash = source.slice(lineStart, first.range[0]);
  const m = /^( *)- *$/.exec(dash);
  if (m === null) return undefined;
  const indent = m[1];
  const end = source.indexOf('\n', last.range[1] - 1);
  const at = end < 0 ? source.length : end + 1;
  const items = students.map((s) => new Document([s]).toString()).join('');
  const text = items
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `${indent}${line}\n`)
    .join('');
  return `${source.slice(0, at)}${end < 0 ? '\n' : ''}${text}${source.slice(at)}`;
}

/** Replaces a file by a complete new version: never a half-written course file. */
function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const mode = fs.statSync(file).mode & 0o777;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

/** Reads the CSV, merges it into the course file's roster and writes the file (unless dryRun). */
export function importRoster(courseFile: string, csvFile: string, options: RosterCsvOptions & { dryRun?: boolean } = {}): RosterImportResult {
  let text: string;
  try {
    text = fs.readFileSync(csvFile, 'utf8');
  } catch (err) {
    throw new RosterImportError(csvFile, [`cannot read the file: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const parsed = parseRosterCsv(text, options);
  const doc = readCourseDocument(courseFile);
  const merge = mergeRoster(existingRoster(doc, courseFile), parsed.students, path.dirname(path.resolve(courseFile)));
  const problems = [...parsed.problems, ...merge.problems];
  if (problems.length > 0) throw new RosterImportError(csvFile, problems);
  const result: RosterImportResult = { format: parsed.format, added: merge.added, unchanged: merge.unchanged, skipped: parsed.skipped, written: false };
  if (options.dryRun === true || merge.added.length === 0) return result;

  const source = fs.readFileSync(courseFile, 'utf8');
  const before: unknown = doc.toJS();
  const expected = { ...(isRecord(before) ? before : {}), roster: [...(isRecord(before) && Array.isArray(before.roster) ? before.roster : []), ...merge.added] };
  // The new students are spliced in after the last one, so the rest of the file stays byte
  // for byte; where that cannot be done (a flow-style or empty roster, JSON), the document
  // is written out whole (comments kept, spacing normalised).
  const spliced = courseFile.endsWith('.json') ? undefined : spliceStudents(source, doc, merge.added);
  let out = spliced !== undefined && sameData(parseDocument(spliced).toJS(), expected) ? spliced : undefined;
  if (out === undefined) {
    const roster = doc.get('roster');
    if (!isSeq(roster)) doc.set('roster', doc.createNode(merge.added));
    else for (const s of merge.added) roster.add(doc.createNode(s));
    out = courseFile.endsWith('.json') ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString();
  }
  // Read back what is about to be written: the same file with the new students, nothing else.
  if (!sameData(parseDocument(out).toJS(), expected)) throw new Error('roster import: the new course file would not read back as the old one plus the new students; nothing written');
  writeAtomically(courseFile, out);
  result.written = true;
  return result;
}
