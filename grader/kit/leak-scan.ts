/**
 * Searches a built student kit, every file of it (.grader included, node_modules excluded),
 * for what must not be there:
 *
 *   reference lines     each distinctive line of every reference file. Lines are compared as
 *                       esbuild prints them (types and comments gone), without white space,
 *                       and with digit suffixes of names ignored (a bundle renames `tf` to
 *                       `tf2`). Distinctive: 24 characters or more so compared, not an import,
 *                       and not already in what students get by design (the starters, the
 *                       contracts) or in the grader's own engine code (grader/**: the seeded
 *                       generator, say).
 *   hidden names        each hidden test's name, outside the statements (README.md and
 *                       README.ru.md of each assignment announce the hidden tests by name:
 *                       the instructors' choice, copied verbatim).
 *   hidden strings      the string literals of hidden tests that no visible code also holds
 *                       (16 characters or more), outside the statements.
 *   hidden declarations the top-level functions and constants only hidden tests use
 *                       (strip-hidden.ts analyzeHidden), declared anywhere in the kit's code.
 *   hidden probes       probes only hidden tests call, by name, in the kit's code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { LoadedAssignment } from '../spec/discover';
import { assignmentSourceFiles, probeNames } from './assignment-sources';
import { analyzeHidden, indexHidden } from './strip-hidden';

export type LeakKind = 'reference-line' | 'hidden-name' | 'hidden-string' | 'hidden-declaration' | 'hidden-probe';

export interface LeakFinding {
  kind: LeakKind;
  assignment: string;
  /** What was found (the line, name or string). */
  what: string;
  /** Kit files it was found in, relative to the kit. */
  files: string[];
}

export interface ScanInput {
  kitDir: string;
  /** The catalogue the kit was built from. */
  catalogueRoot: string;
  assignments: LoadedAssignment[];
  /** The grader's source root (its grader/ folder is engine code, shipped by design). */
  sourceRoot: string;
}

export interface ScanReport {
  findings: LeakFinding[];
  /** How much was looked for, per kind (a scan that looks for nothing proves nothing). */
  searched: Record<LeakKind, number>;
  filesScanned: number;
}

function filesUnder(dir: string, skip: (name: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (skip(e.name)) return [];
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full, skip) : e.isFile() ? [full] : [];
  });
}

/** White space removed, digit suffixes of names dropped. */
export function normalizeCode(text: string): string {
  return text.replace(/\s+/g, '').replace(/\b([A-Za-z_$][\w$]*?)\d+\b/g, '$1');
}

/** The lines of a TypeScript file as esbuild prints them (no types, no comments). */
function printedLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  let code: string;
  try {
    code = esbuild.transformSync(text, { loader: 'ts', format: 'esm', target: 'es2022', charset: 'utf8', legalComments: 'none', sourcefile: file }).code;
  } catch {
    code = text;
  }
  return code.split('\n');
}

const IMPORTISH = /^(import\b|export\s*\{|export\s*\*|\}|\)|;|var\s+\w+\s*=\s*require\()/;

/** Shorter lines only count together with the line that follows them in the reference. */
const LONG_LINE = 56;

/**
 * The distinctive fragments of a reference file, normalised (see the top of this file): each
 * line of 56 characters or more on its own, a line of 24 or more together with the next one
 * (a coincidental short line, a loop header say, proves nothing; two in a row do).
 */
export function distinctiveReferenceLines(referenceFile: string, shippedNormalized: string): string[] {
  const lines = printedLines(referenceFile)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => ({ raw: l, norm: normalizeCode(l.replace(/^export\s+/, '')) }));
  const out = new Set<string>();
  lines.forEach(({ raw, norm }, i) => {
    if (IMPORTISH.test(raw) || norm.length < 24 || shippedNormalized.includes(norm)) return;
    const fragment = norm.length >= LONG_LINE ? norm : i + 1 < lines.length ? norm + lines[i + 1].norm : norm;
    if (!shippedNormalized.includes(fragment)) out.add(fragment);
  });
  return [...out];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isStatement(kitDir: string, file: string): boolean {
  const rel = path.relative(kitDir, file).split(path.sep);
  return rel.length === 2 && /^README(\.ru)?\.md$/.test(rel[1]);
}

/** The parts of a bundle that come from files under `dir` (esbuild heads each module with `// path`). */
function sectionsFrom(bundle: string, sourceRoot: string, dir: string): string {
  const parts = bundle.split(/^(?=\/\/ \S+\.(?:ts|js)$)/m);
  return parts
    .filter((part) => {
      const head = /^\/\/ (\S+\.(?:ts|js))$/m.exec(part.split('\n', 1)[0]);
      if (head === null) return false;
      const rel = path.relative(dir, path.resolve(sourceRoot, head[1]));
      return !rel.startsWith('..') && !path.isAbsolute(rel);
    })
    .join('\n');
}

export function scanKit(input: ScanInput): ScanReport {
  const { kitDir, catalogueRoot, assignments, sourceRoot } = input;
  const files = filesUnder(kitDir, (name) => name === 'node_modules' || name === '.git');
  const texts = new Map(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));
  const rel = (f: string) => path.relative(kitDir, f);
  const normalized = new Map([...texts].map(([f, t]) => [f, normalizeCode(t)]));
  const code = files.filter((f) => /\.(js|cjs|mjs|ts)$/.test(f) && !/^[^/]+\/solution\.ts$/.test(rel(f)));
  const notStatements = files.filter((f) => !isStatement(kitDir, f));
  const assignmentsDir = path.join(catalogueRoot, 'assignments');
  // The bundles' code that comes from the assignments (not the engine), where a hidden test's
  // helpers would be.
  const assignmentCode = new Map(code.filter((f) => f.endsWith('.js')).map((f) => [f, sectionsFrom(texts.get(f) ?? '', sourceRoot, assignmentsDir)]));
  // The probes each bundle defines (the keys of every defineProbes object in it).
  const bundledProbes = new Map([...assignmentCode].map(([f, t]) => [f, new Set(probeNames(f, t))]));
  const findings: LeakFinding[] = [];
  const searched: Record<LeakKind, number> = { 'reference-line': 0, 'hidden-name': 0, 'hidden-string': 0, 'hidden-declaration': 0, 'hidden-probe': 0 };

  // What students get by design, and the engine: their lines give nothing away.
  const shippedFiles = [
    ...assignments.flatMap((a) => [path.join(a.dir, 'starter.ts'), ...(a.contractPath !== null ? [a.contractPath] : [])]),
    ...filesUnder(path.join(sourceRoot, 'grader'), () => false).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
  ].filter((f) => fs.existsSync(f));
  const shipped = shippedFiles.map((f) => `${normalizeCode(printedLines(f).join('\n'))}\u0000${normalizeCode(fs.readFileSync(f, 'utf8'))}`).join('\u0000');

  const report = (kind: LeakKind, assignment: string, what: string, where: string[]) => {
    searched[kind]++;
    if (where.length > 0) findings.push({ kind, assignment, what, files: where.map(rel) });
  };
  const assignmentOf = (file: string) => path.relative(assignmentsDir, file).split(path.sep)[0];

  const sources = [...new Set(assignments.flatMap((a) => assignmentSourceFiles(path.join(a.dir, 'spec.ts'), assignmentsDir)))].sort();
  const hidden = analyzeHidden(new Map(sources.map((f) => [f, fs.readFileSync(f, 'utf8')])), indexHidden(sources));

  for (const a of assignments) {
    const referenceFile = path.join(catalogueRoot, 'reference', `${a.id}.ts`);
    if (fs.existsSync(referenceFile)) {
      for (const line of distinctiveReferenceLines(referenceFile, shipped)) {
        report('reference-line', a.id, line, files.filter((f) => (normalized.get(f) ?? '').includes(line)));
      }
    }
    for (const t of a.spec.tests.filter((x) => x.visibility === 'hidden')) {
      report('hidden-name', a.id, t.name, notStatements.filter((f) => (texts.get(f) ?? '').includes(t.name)));
    }
    if (a.spec.probes !== undefined) {
      const probesFile = path.join(a.dir, a.spec.probes);
      const names = probeNames(probesFile, fs.readFileSync(probesFile, 'utf8')).filter((n) => hidden.hiddenOnlyStrings.has(n));
      for (const name of names) report('hidden-probe', a.id, name, [...bundledProbes].filter(([, defined]) => defined.has(name)).map(([f]) => f));
    }
  }
  for (const s of hidden.strings) {
    const forms = [s, JSON.stringify(s).slice(1, -1)];
    report('hidden-string', '*', s, notStatements.filter((f) => forms.some((form) => (texts.get(f) ?? '').includes(form))));
  }
  for (const [file, names] of hidden.declarationsByFile) {
    for (const name of names) {
      const n = escapeRegExp(name);
      const re = new RegExp(`\\b(function\\s*\\*?\\s*${n}\\d*\\s*\\(|(const|let|var)\\s+${n}\\d*\\s*=|class\\s+${n}\\d*\\b)`);
      // Searched in what the bundles hold of that file only: another module may have its own
      // declaration of the same name (mnist-loader's probes and mnist-mlp's models both have a `describe`).
      const ofFile = (f: string) => sectionsFrom(texts.get(f) ?? '', sourceRoot, file);
      report('hidden-declaration', assignmentOf(file), name, [...assignmentCode.keys()].filter((f) => re.test(ofFile(f))));
    }
  }
  return { findings, searched, filesScanned: files.length };
}
