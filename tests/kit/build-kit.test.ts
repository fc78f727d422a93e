/**
 * The student kit holds no reference code and no hidden test: every distinctive line of every
 * reference file and every hidden test's name is searched for in every file of the kit.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildKit, KitOutputNotEmptyError } from '../../grader/kit/build-kit';
import { PACKAGE_ROOT } from '../../grader/paths';
import { discoverAssignments } from '../../grader/spec/discover';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Lines that would give a reference away: long enough to be its own, and not already in what students get by design. */
function distinctiveLines(source: string, shipped: string): string[] {
  return source
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 16)
    .filter((l) => !/^(\/\/|\*|\/\*\*?|import |export \{|\}|\)|return;)/.test(l))
    .filter((l) => !shipped.includes(l));
}

describe('grader kit', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
  const fresh = () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-'));
    roots.push(root);
    return path.join(root, 'kit');
  };

  const out = fresh();
  const kit = buildKit({ out });
  const files = filesUnder(out);
  const text = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n\u0000\n');
  const { assignments } = discoverAssignments();

  it('has a folder per assignment with solution.ts, the statements and the contract', () => {
    expect(kit.manifest.assignments.map((a) => a.id)).toEqual(assignments.map((a) => a.id));
    for (const a of assignments) {
      expect(fs.readFileSync(path.join(out, a.id, 'solution.ts'), 'utf8')).toBe(fs.readFileSync(path.join(a.dir, 'starter.ts'), 'utf8'));
      expect(fs.existsSync(path.join(out, a.id, 'README.md'))).toBe(true);
      expect(fs.existsSync(path.join(out, a.id, 'README.ru.md'))).toBe(true);
      expect(fs.existsSync(path.join(out, a.id, 'contract.ts'))).toBe(true);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['@tensorflow/tfjs']).toBe('4.22.0');
    expect(fs.statSync(path.join(out, '.githooks', 'pre-push')).mode & 0o111).not.toBe(0);
  });

  it('holds no file besides the ones it lists', () => {
    expect(files.map((f) => path.relative(out, f)).sort()).toEqual(kit.files);
    for (const f of files) expect(path.basename(f)).not.toMatch(/^(spec|probes|reference)\.|\.js$|expected\.json$/);
  });

  // What students get by design: every starter and contract. A reference line that is also
  // one of theirs (a signature, the seeded-random helper the starters hand out) gives nothing away.
  // Starters also hint in comments (\`// TODO: const optimizer = tf.train.momentum(0.01, 0.9);\`).
  const shippedText = assignments
    .flatMap((a) => [path.join(a.dir, 'starter.ts'), ...(a.contractPath !== null ? [a.contractPath] : [])])
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n\u0000\n');

  test.each(assignments.map((a) => [a.id, a] as const))('holds no line of reference/%s.ts', (_id, a) => {
    const source = fs.readFileSync(path.join(PACKAGE_ROOT, 'reference', `${a.id}.ts`), 'utf8');
    const lines = distinctiveLines(source, shippedText);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => text.includes(l))).toEqual([]);
  });

  // The statements announce the hidden tests by name and points (the course's choice, written
  // by the instructors); the kit copies them verbatim and must add no hidden name anywhere else.
  const statements = files.filter((f) => /^README(\.ru)?\.md$/.test(path.basename(f)) && path.dirname(f) !== out);
  const nonStatementText = files.filter((f) => !statements.includes(f)).map((f) => fs.readFileSync(f, 'utf8')).join('\n\u0000\n');

  it('copies the statements verbatim', () => {
    for (const f of statements) {
      const a = assignments.find((x) => x.id === path.basename(path.dirname(f)));
      expect(a).toBeDefined();
      expect(fs.readFileSync(f, 'utf8')).toBe(fs.readFileSync(path.join(a?.dir ?? '', path.basename(f)), 'utf8'));
    }
  });

  test.each(assignments.map((a) => [a.id, a] as const))('holds no hidden test name of %s outside the statements', (_id, a) => {
    const hidden = a.spec.tests.filter((t) => t.visibility === 'hidden').map((t) => t.name);
    expect(hidden.length).toBeGreaterThan(0);
    expect(hidden.filter((name) => nonStatementText.includes(name))).toEqual([]);
  });

  it('refuses a folder that is not empty', () => {
    expect(() => buildKit({ out })).toThrow(KitOutputNotEmptyError);
  });

  it('runs as `grader kit --out DIR`', () => {
    const dir = fresh();
    const run = spawnSync(process.execPath, [CLI, 'kit', '--out', dir], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/kit written to/);
    expect(fs.existsSync(path.join(dir, 'momentum-sgd', 'solution.ts'))).toBe(true);
  });
});
