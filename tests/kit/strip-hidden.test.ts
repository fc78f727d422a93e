/**
 * Hidden tests removed from sources: in arrays, as `.push` arguments, returned by factories,
 * held in constants, with the visibility written out or known to the type checker; what is
 * left cannot be removed is an error; and the analysis the leak test relies on.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeNames } from '../../grader/kit/assignment-sources';
import { analyzeHidden, HiddenTestStripError, indexHidden, pruneProbes, readsReference, stripHiddenTests } from '../../grader/kit/strip-hidden';

const SPEC = `
import { helperForHidden, shared } from './helpers';
const SECRET_ONLY = makeSchema({ a: 1 });
function onlyHidden(x: number) { return x * 42; }
function hiddenFactory(): TestSpec {
  return { name: 'made by a factory', points: 1, visibility: 'hidden', run: async () => ({ passed: onlyHidden(1) > 0, output: 'the factory test message, long enough' }) };
}
const HIDDEN_CONST = { name: 'held in a constant', points: 1, visibility: 'hidden' as const, run: async () => ({ passed: true, output: '' }) };
const BANDS = {
  pass: { threshold: 0.5, points: 2, visibility: 'visible' },
  good: { threshold: 0.7, points: 1, visibility: 'hidden' },
} as const;
export const tests: TestSpec[] = [
  { name: 'a visible test', points: 1, visibility: 'visible', run: async () => ({ passed: shared(), output: 'visible message' }) },
  { name: 'a hidden test', points: 1, visibility: 'hidden', run: async () => ({ passed: helperForHidden(SECRET_ONLY), output: 'a hidden message, long enough to be searched' }) },
  { name: 'hidden through the checker', points: BANDS.good.points, visibility: BANDS.good.visibility, run: async () => ({ passed: true, output: '' }) },
  { name: 'visible through the checker', points: BANDS.pass.points, visibility: BANDS.pass.visibility, run: async () => ({ passed: BANDS.good.threshold > 0, output: '' }) },
  hiddenFactory(),
  HIDDEN_CONST,
];
tests.push(hiddenFactory(), { name: 'pushed', points: 1, visibility: 'hidden', run: async () => ({ passed: true, output: '' }) });
export const bands = [{ threshold: 0.8, visibility: 'visible' }, { threshold: 0.9, visibility: 'hidden' }];
interface TestSpec { name: string; points: number; visibility: 'visible' | 'hidden'; run: () => Promise<unknown> }
declare function makeSchema(x: unknown): unknown;
`;

const HELPERS = `
export function helperForHidden(x: unknown): boolean { return x !== undefined; }
export function shared(): boolean { return true; }
`;

describe('stripping hidden tests', () => {
  let dir: string;
  let spec: string;
  let helpers: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strip-'));
    spec = path.join(dir, 'spec.ts');
    helpers = path.join(dir, 'helpers.ts');
    fs.writeFileSync(spec, SPEC);
    fs.writeFileSync(helpers, HELPERS);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('removes hidden tests wherever they stand and keeps the visible ones', () => {
    const index = indexHidden([spec, helpers]);
    const hidden = analyzeHidden(new Map([spec, helpers].map((f) => [f, fs.readFileSync(f, 'utf8')])), index);
    const out = stripHiddenTests(spec, SPEC, index, hidden.declarationsByFile.get(spec)).text;
    for (const gone of ['a hidden test', 'hidden through the checker', 'made by a factory', 'held in a constant', "'pushed'", 'threshold: 0.9', 'a hidden message']) {
      expect(out).not.toContain(gone);
    }
    for (const kept of ['a visible test', 'visible through the checker', 'threshold: 0.8', 'visible message']) expect(out).toContain(kept);
    // A hidden record that visible code reads by name stays, as data.
    expect(out).toContain('threshold: 0.7');
    // The factory is emptied, the constant and what only hidden tests used are gone.
    expect(out).not.toContain('made by a factory');
    expect(out).toMatch(/SECRET_ONLY = undefined as never/);
    expect(out).toMatch(/HIDDEN_CONST = undefined as never/);
  });

  it('describes the hidden code for the leak test', () => {
    const index = indexHidden([spec, helpers]);
    const hidden = analyzeHidden(new Map([spec, helpers].map((f) => [f, fs.readFileSync(f, 'utf8')])), index);
    expect(hidden.declarations).toEqual(expect.arrayContaining(['onlyHidden', 'hiddenFactory', 'SECRET_ONLY', 'helperForHidden']));
    expect(hidden.declarations).not.toContain('shared');
    expect(hidden.strings).toContain('a hidden message, long enough to be searched');
    expect(hidden.strings).not.toContain('visible message');
  });

  it('counts a use for a declaration only where the name is that declaration: its own file or a file importing it', () => {
    // Two assignments' files: one hidden test reads a local `spec` and calls a local `helper`;
    // the other file's `spec` and `helper` (never used there) must not become hidden-only by name.
    const a = path.join(dir, 'a-spec.ts');
    const b = path.join(dir, 'b-spec.ts');
    const c = path.join(dir, 'c-user.ts');
    const files = new Map([
      [a, `const spec = { limit: 1 };\nfunction helper() { return spec.limit; }\nexport const tests = [{ name: 'h', points: 1, visibility: 'hidden', run: async () => helper() }];\n`],
      [b, `export const spec = { tests: [] };\nexport function helper() { return 2; }\nexport function usedHiddenElsewhere() { return 3; }\n`],
      [c, `import { usedHiddenElsewhere as u } from './b-spec';\nexport const tests = [{ name: 'h2', points: 1, visibility: 'hidden', run: async () => u() }];\n`],
    ]);
    const hidden = analyzeHidden(files);
    expect([...(hidden.declarationsByFile.get(a) ?? [])].sort()).toEqual(['helper', 'spec']);
    // b's own names: `usedHiddenElsewhere` is used only by c's hidden test (through an alias); the rest is unused.
    expect([...(hidden.declarationsByFile.get(b) ?? [])]).toEqual(['usedHiddenElsewhere']);
  });

  it('refuses a hidden test it cannot remove', () => {
    const text = `export const x = run({ name: 'stray', points: 1, visibility: 'hidden', run: async () => 1 });\ndeclare function run(x: unknown): unknown;\n`;
    expect(() => stripHiddenTests('stray.ts', text)).toThrow(HiddenTestStripError);
  });

  it('leaves a file without hidden tests as it was, comments aside', () => {
    const text = '// a comment\nexport const y = [1, 2];\n';
    expect(stripHiddenTests('plain.ts', text).text).toBe('export const y = [1, 2];\n');
  });

  it('prunes probes only hidden tests call, and finds them in bundles', () => {
    const probes = `export const probes = defineProbes({ keep: (ctx) => 1, drop(ctx) { return 2; }, 'also': () => 3 });\ndeclare function defineProbes<T>(x: T): T;\n`;
    expect(probeNames('p.ts', probes)).toEqual(['keep', 'drop', 'also']);
    const pruned = pruneProbes('p.ts', probes, new Set(['drop', 'also']));
    expect(probeNames('p.ts', pruned)).toEqual(['keep']);
    expect(probeNames('b.js', 'var probes = defineProbes2({ a: () => 1, b: () => 2 });')).toEqual(['a', 'b']);
  });

  it('sees whether code reads the reference', () => {
    expect(readsReference('a.js', 'const f = (ctx) => ctx.reference.add(1, 2);')).toBe(true);
    expect(readsReference('a.js', 'const f = ({ reference }) => reference;')).toBe(true);
    expect(readsReference('a.js', 'const s = "see the reference"; const r = { reference: 1 };')).toBe(false);
  });
});
