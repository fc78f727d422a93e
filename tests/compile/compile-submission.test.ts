import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import {
  compileSubmission,
  ContractSetupError,
  formatDiagnostic,
  type CompileDiagnostic,
  type CompileOptions,
  type CompileOutcome,
} from '../../grader/compile';
import {
  CONTRACT,
  cleanUpTemp,
  copyFixture,
  inlineSourceMap,
  loadBundle,
  SUBMISSIONS,
  tempDir,
  writeSubmission,
} from './helpers';

afterAll(cleanUpTemp);

function compile(dir: string, extra: Partial<CompileOptions> = {}): Promise<CompileOutcome> {
  return compileSubmission({ dir, outDir: tempDir('compile-out-'), contract: CONTRACT, ...extra });
}

function fixture(name: string): string {
  return path.join(SUBMISSIONS, name);
}

function expectOk(o: CompileOutcome): Extract<CompileOutcome, { kind: 'ok' }> {
  if (o.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(o, null, 2)}`);
  return o;
}

function expectErrors(o: CompileOutcome): CompileDiagnostic[] {
  if (o.kind !== 'compile_error') throw new Error(`expected compile_error, got ${JSON.stringify(o, null, 2)}`);
  return o.diagnostics.filter((d) => d.severity === 'error');
}

const GOOD_SOLUTION = `import * as tf from '@tensorflow/tfjs';
export function f(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return x.square().add(x.mul(y)).add(x.add(y).square());
}
export function gradF(x: tf.Tensor, y: tf.Tensor) {
  const [dx, dy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x, y]);
  return { dx, dy };
}
`;

describe('compileSubmission: a good submission', () => {
  const timings: number[] = [];

  it('bundles a multi-file submission whose bundle loads and computes f and gradF', async () => {
    let t = performance.now();
    const out = expectOk(await compile(fixture('good')));
    timings.push(performance.now() - t);
    expect(out.files).toEqual(['ops.ts', 'solution.ts']);
    expect(out.warnings).toEqual([]);
    expect(out.bundlePath).toMatch(/solution\.js$/);
    expect(out.bundleBytes).toBe(fs.statSync(out.bundlePath).size);
    // All files count, README.md included.
    const expectedBytes = ['solution.ts', 'ops.ts', 'README.md']
      .map((f) => fs.statSync(path.join(fixture('good'), f)).size)
      .reduce((a, b) => a + b, 0);
    expect(out.sourceBytes).toBe(expectedBytes);

    const code = fs.readFileSync(out.bundlePath, 'utf8');
    expect(code).toContain('require("@tensorflow/tfjs")');
    expect(code).not.toMatch(/require\("(?!@tensorflow\/tfjs")/);

    const mod = loadBundle(out.bundlePath);
    const f = mod.f as (x: tf.Tensor, y: tf.Tensor) => tf.Tensor;
    const gradF = mod.gradF as (x: tf.Tensor, y: tf.Tensor) => { dx: tf.Tensor; dy: tf.Tensor };
    const x = tf.tensor1d([1, 2]);
    const y = tf.tensor1d([3, 4]);
    expect(Array.from(f(x, y).dataSync())).toEqual([20, 48]); // x^2 + xy + (x+y)^2
    const { dx, dy } = gradF(x, y);
    expect(Array.from(dx.dataSync())).toEqual([13, 20]); // 4x + 3y
    expect(Array.from(dy.dataSync())).toEqual([9, 14]); // 3x + 2y

    // A second, warm compile (lib and tfjs declarations are cached in the process).
    t = performance.now();
    expectOk(await compile(fixture('good')));
    timings.push(performance.now() - t);
    // eslint-disable-next-line no-console
    console.log(`compile times in this jest worker: first ${timings[0]?.toFixed(0)} ms, warm ${timings[1]?.toFixed(0)} ms`);
    expect(timings[1]).toBeLessThan(5000);
  });

  it('inlines a source map whose sources are folder-relative, so stack traces map to solution.ts', async () => {
    const out = expectOk(await compile(fixture('good')));
    const code = fs.readFileSync(out.bundlePath, 'utf8');
    const map = inlineSourceMap(code);
    expect([...map.sources].sort()).toEqual(['ops.ts', 'solution.ts']);
    expect(map.sourcesContent?.length).toBe(2);

    const mod = loadBundle(out.bundlePath);
    let thrown: unknown;
    try {
      (mod.fail as () => void)();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    // Where the throw is in the bundle, mapped back through the inline map.
    const lines = code.split('\n');
    const genLine = lines.findIndex((l) => l.includes('thrown on purpose'));
    const genCol = lines[genLine]?.indexOf('throw') ?? -1;
    const entry = new SourceMap(map).findEntry(genLine, genCol);
    expect(entry).toMatchObject({ originalSource: 'solution.ts', originalLine: 15 }); // 0-based: line 16
  });

  it('accepts ./ops.ts and ./ops.js spellings of a relative import, and subfolders', async () => {
    const dir = writeSubmission({
      'solution.ts': `export { f } from './lib/f.ts';\nexport { gradF } from './lib/grad.js';\n`,
      'lib/f.ts': `import * as tf from '@tensorflow/tfjs';\nexport const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => x.add(y);\n`,
      'lib/grad.ts': `import * as tf from '@tensorflow/tfjs';\nimport { f } from '../lib/f';\nexport function gradF(x: tf.Tensor, y: tf.Tensor) {\n  const [dx, dy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).sum())([x, y]);\n  return { dx, dy };\n}\n`,
    });
    const out = expectOk(await compile(dir));
    expect(out.files).toEqual(['lib/f.ts', 'lib/grad.ts', 'solution.ts']);
    expect(out.warnings).toEqual([]);
  });

  it('ignores notes and hidden files, which still count towards the size', async () => {
    const dir = writeSubmission({
      'solution.ts': GOOD_SOLUTION,
      'NOTES.txt': 'my notes',
      '.DS_Store': 'x',
      README: 'readme',
    });
    const out = expectOk(await compile(dir));
    expect(out.sourceBytes).toBe(Buffer.byteLength(GOOD_SOLUTION) + 8 + 1 + 6);
  });

  it('uses another entry name when asked', async () => {
    const dir = writeSubmission({ 'main.ts': GOOD_SOLUTION });
    const out = expectOk(await compile(dir, { entry: 'main.ts' }));
    expect(path.basename(out.bundlePath)).toBe('main.js');
  });
});

describe('compileSubmission: errors in the code', () => {
  it('reports a syntax error with file:line:col and the source line (UTF-16 columns)', async () => {
    const errors = expectErrors(await compile(fixture('syntax-error')));
    expect(errors).toHaveLength(1);
    const line = fs.readFileSync(path.join(fixture('syntax-error'), 'solution.ts'), 'utf8').split('\n')[2] ?? '';
    expect(errors[0]).toMatchObject({
      file: 'solution.ts',
      line: 3,
      column: line.indexOf('+;') + 2,
      code: 'ESBUILD',
      message: 'Unexpected ";"',
      sourceLine: line,
    });
  });

  it('reports a syntax error in an imported file at that file', async () => {
    const dir = writeSubmission({
      'solution.ts': `export { f, gradF } from './impl';\n`,
      'impl.ts': `export function f(x, y) {\n  return x.add(y;\n}\nexport const gradF = f;\n`,
    });
    const [err] = expectErrors(await compile(dir));
    expect(err).toMatchObject({ file: 'impl.ts', line: 2, code: 'ESBUILD' });
  });

  it('reports a missing export against the contract', async () => {
    const errors = expectErrors(await compile(fixture('missing-export')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'solution.ts', code: 'CONTRACT_EXPORT' });
    expect(errors[0]?.message).toBe(
      'solution.ts does not export `gradF`: expected `gradF(x: Tensor, y: Tensor): { dx: Tensor; dy: Tensor; }`',
    );
  });

  it('reports wrong signatures against the contract at the declarations', async () => {
    const errors = expectErrors(await compile(fixture('wrong-signature')));
    expect(errors.map((e) => [e.code, e.file, e.line, e.column])).toEqual([
      ['CONTRACT_TYPE', 'solution.ts', 3, 17],
      ['CONTRACT_TYPE', 'solution.ts', 7, 17],
    ]);
    expect(errors[0]?.message).toContain('solution.ts does not export `f` with the expected type: it returns `number` where `Tensor` is expected');
    expect(errors[0]?.message).toContain('got `f(x: Tensor, y: Tensor): number`');
    expect(errors[1]?.message).toContain('it requires 3 arguments, but it is called with 2');
  });

  it('points a re-exported mismatch at the file that declares it', async () => {
    const dir = writeSubmission({
      'solution.ts': `export { f, gradF } from './impl';\n`,
      'impl.ts': `import * as tf from '@tensorflow/tfjs';\nexport const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => x.add(y);\nexport const gradF = 42;\n`,
    });
    const errors = expectErrors(await compile(dir));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'impl.ts', line: 3, column: 14, code: 'CONTRACT_TYPE' });
    expect(errors[0]?.message).toContain('it is not a function');
  });

  it('reports an export that exists only as a type, and a file with no exports', async () => {
    const typeOnly = writeSubmission({ 'solution.ts': `${GOOD_SOLUTION.replace('export function f', 'function f')}export type f = number;\n` });
    const [e1] = expectErrors(await compile(typeOnly));
    expect(e1?.message).toContain('does not export `f` as a value (it is exported only as a type)');

    const errors = expectErrors(await compile(fixture('not-a-module')));
    expect(errors.map((e) => e.code)).toEqual(['CONTRACT_EXPORT', 'CONTRACT_EXPORT']);
    expect(errors[0]?.message).toContain('has no exports at all');
  });

  it('keeps other type errors as warnings: the outcome is still ok', async () => {
    const out = expectOk(await compile(fixture('type-warning')));
    expect(out.warnings).toEqual([
      {
        file: 'helpers.ts',
        line: 4,
        column: 9,
        code: 'TS2322',
        message: "Type 'string' is not assignable to type 'number'.",
        sourceLine: "  const rank: number = 'two';",
        severity: 'warning',
      },
    ]);
  });

  it('knows the runner globals (console, timers) and nothing of Node', async () => {
    const dir = writeSubmission({
      'solution.ts': `${GOOD_SOLUTION}console.log('hi'); setTimeout(() => undefined, 1); performance.now();\nconst p = process.env;\n`,
    });
    const out = expectOk(await compile(dir));
    expect(out.warnings.map((w) => [w.code, w.line, w.message])).toEqual([
      ['TS2591', 10, "Cannot find name 'process': submissions run without Node.js globals (only console and timers are there)"],
    ]);
  });

  it('skips type checking (and the contract types) when typeCheck is false', async () => {
    expect(expectOk(await compile(fixture('type-warning'), { typeCheck: false })).warnings).toEqual([]);
    expect((await compile(fixture('missing-export'), { typeCheck: false })).kind).toBe('ok');
  });

  it('caps the number of warnings', async () => {
    const slips = Array.from({ length: 80 }, (_, i) => `const v${i}: number = 'x';`).join('\n');
    const out = expectOk(await compile(writeSubmission({ 'solution.ts': `${GOOD_SOLUTION}${slips}\n` })));
    expect(out.warnings).toHaveLength(51);
    expect(out.warnings[50]).toMatchObject({ code: 'WARNINGS_TRUNCATED', message: '30 more warnings are not shown' });
  });

  it('never throws on garbage: binary content, deep nesting', async () => {
    const binary = writeSubmission({ 'solution.ts': '' });
    fs.writeFileSync(path.join(binary, 'solution.ts'), Buffer.from([0, 159, 146, 150, 0, 255, 10, 40, 41]));
    expect((await compile(binary)).kind).toBe('compile_error');

    const deep = `export const x = ${'('.repeat(20000)}1${')'.repeat(20000)};\n`;
    const errors = expectErrors(await compile(writeSubmission({ 'solution.ts': deep })));
    expect(errors[0]).toMatchObject({ code: 'CONTRACT_NESTING', file: 'solution.ts' });
  });
});

describe('compileSubmission: the student contract', () => {
  it.each([
    ['fs', `import * as fs from 'fs';`, 'is a Node.js builtin module'],
    ['node:child_process', `import { execSync } from 'node:child_process';`, 'is a Node.js builtin module'],
    ['lodash', `import _ from 'lodash';`, 'is not available'],
    ['a path leaving the folder', `import { x } from '../../reference/x';`, 'leaves the assignment folder'],
    ['an absolute path', `import { x } from '/etc/passwd';`, 'is an absolute path'],
    ['another tfjs package', `import * as core from '@tensorflow/tfjs-core';`, "import everything from '@tensorflow/tfjs'"],
    ['require()', `const cp = require('child_process');`, 'is a Node.js builtin module'],
    ['a computed require()', `const name = 'fs'; const m = require(name);`, 'computed argument'],
    ['an indirect require', `const r = require; export const m = r('fs');`, '`require` may only be called directly'],
    ['require in brackets', `export const m = (require)('fs');`, '`require` may only be called directly'],
    ['a dynamic import()', `export const load = () => import('node:fs');`, 'is a Node.js builtin module'],
    ['a type-only import', `import type { Stats } from 'fs';`, 'is a Node.js builtin module'],
    ['a missing relative file', `import { helper } from './helper';`, 'cannot find module "./helper"'],
  ])('refuses %s with CONTRACT_IMPORT at its position', async (_name, line, reason) => {
    const dir = writeSubmission({ 'solution.ts': `// header\n${line}\n${GOOD_SOLUTION.replace(/^import .*\n/, '')}import * as tf from '@tensorflow/tfjs';\n` });
    const errors = expectErrors(await compile(dir));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'solution.ts', line: 2, code: 'CONTRACT_IMPORT', sourceLine: line });
    expect(errors[0]?.message).toContain(reason);
  });

  it('allows require of the allowed package, and `require` as a property name', async () => {
    const dir = writeSubmission({
      'solution.ts': `const tfjs = require('@tensorflow/tfjs');\nconst o = { require: 1 };\nexport const n = o.require + tfjs.version;\n${GOOD_SOLUTION}`,
    });
    expectOk(await compile(dir));
  });

  it('refuses a forbidden import in an imported file, at that file', async () => {
    const dir = writeSubmission({
      'solution.ts': `export { f, gradF } from './impl';\n`,
      'impl.ts': `import * as os from 'os';\n${GOOD_SOLUTION}`,
    });
    const errors = expectErrors(await compile(dir));
    expect(errors).toEqual([expect.objectContaining({ file: 'impl.ts', line: 1, column: 21, code: 'CONTRACT_IMPORT' })]);
  });

  it('refuses a symlinked solution.ts', async () => {
    const dir = copyFixture('good');
    const real = path.join(tempDir(), 'elsewhere.ts');
    fs.renameSync(path.join(dir, 'solution.ts'), real);
    fs.symlinkSync(real, path.join(dir, 'solution.ts'));
    const errors = expectErrors(await compile(dir));
    expect(errors).toEqual([
      expect.objectContaining({ file: 'solution.ts', line: 0, column: 0, code: 'CONTRACT_SYMLINK' }),
    ]);
    expect(errors[0]?.message).toContain(`solution.ts is a symbolic link (to ${real})`);
  });

  it('refuses a symlink to a folder, and never follows it', async () => {
    const dir = copyFixture('good');
    fs.symlinkSync('/etc', path.join(dir, 'lib'));
    const errors = expectErrors(await compile(dir));
    expect(errors).toEqual([expect.objectContaining({ file: 'lib', code: 'CONTRACT_SYMLINK' })]);
  });

  it('refuses an assignment folder that is itself a symlink', async () => {
    const real = copyFixture('good');
    const link = path.join(tempDir(), 'autograd-graph');
    fs.symlinkSync(real, link);
    const errors = expectErrors(await compile(link));
    expect(errors).toEqual([expect.objectContaining({ file: '.', code: 'CONTRACT_SYMLINK' })]);
  });

  it('refuses 65 KiB of source and says how much', async () => {
    const filler = `// ${'x'.repeat(1020)}\n`; // 1024 bytes a line
    const dir = writeSubmission({ 'solution.ts': GOOD_SOLUTION, 'big.ts': filler.repeat(65) });
    const errors = expectErrors(await compile(dir));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: '.', code: 'CONTRACT_SIZE' });
    const total = 65 * 1024 + Buffer.byteLength(GOOD_SOLUTION);
    expect(errors[0]?.message).toContain(`holds ${(total / 1024).toFixed(1)} KiB (${total.toLocaleString('en-US')} bytes)`);
    expect(errors[0]?.message).toContain('the limit is 64.0 KiB (65,536 bytes)');
    expect(errors[0]?.message).toContain('largest: big.ts 65.0 KiB');
  });

  it('accepts exactly 64 KiB', async () => {
    const pad = 64 * 1024 - Buffer.byteLength(GOOD_SOLUTION);
    const dir = writeSubmission({ 'solution.ts': GOOD_SOLUTION, 'NOTES.md': 'n'.repeat(pad) });
    expect(expectOk(await compile(dir)).sourceBytes).toBe(64 * 1024);
  });

  it('refuses /// <reference path> and <reference types> directives', async () => {
    const errors = expectErrors(await compile(fixture('reference-path')));
    expect(errors).toEqual([
      expect.objectContaining({ file: 'solution.ts', line: 1, column: 22, code: 'CONTRACT_REFERENCE' }),
    ]);
    expect(errors[0]?.message).toContain('`/// <reference path="/etc/passwd" />` is not allowed');

    const types = writeSubmission({ 'solution.ts': `/// <reference types="node" />\n${GOOD_SOLUTION}` });
    expect(expectErrors(await compile(types)).map((e) => e.code)).toEqual(['CONTRACT_REFERENCE']);
  });

  it('refuses files other than .ts sources and notes', async () => {
    const dir = writeSubmission({
      'solution.ts': GOOD_SOLUTION,
      'weights.json': '[1, 2, 3]',
      'helper.js': 'module.exports = 1;',
      'types.d.ts': 'declare const x: number;',
    });
    const errors = expectErrors(await compile(dir));
    expect(errors.map((e) => [e.file, e.code])).toEqual([
      ['helper.js', 'CONTRACT_FILETYPE'],
      ['types.d.ts', 'CONTRACT_FILETYPE'],
      ['weights.json', 'CONTRACT_FILETYPE'],
    ]);
  });

  it('reports every violation together', async () => {
    const dir = writeSubmission({
      'solution.ts': `/// <reference types="node" />\nimport 'fs';\n${GOOD_SOLUTION}`,
      'other.ts': `import 'lodash';\n`,
    });
    const errors = expectErrors(await compile(dir));
    expect(errors.map((e) => `${e.file}:${e.line} ${e.code}`)).toEqual([
      'other.ts:1 CONTRACT_IMPORT',
      'solution.ts:1 CONTRACT_REFERENCE',
      'solution.ts:2 CONTRACT_IMPORT',
    ]);
  });

  it('ignores a tsconfig.json, package.json and node_modules around the folder', async () => {
    const dir = writeSubmission({ 'solution.ts': GOOD_SOLUTION });
    const root = path.dirname(dir);
    fs.writeFileSync(path.join(root, 'tsconfig.json'), '{ not json');
    fs.writeFileSync(path.join(root, 'package.json'), '{ "type": "module"');
    fs.mkdirSync(path.join(root, 'node_modules', '@tensorflow', 'tfjs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'node_modules', '@tensorflow', 'tfjs', 'index.d.ts'), 'export declare const bogus: 1;');
    expectOk(await compile(dir));
  });
});

describe('compileSubmission: missing and grader errors', () => {
  it('is missing without the folder', async () => {
    const out = await compile(path.join(tempDir(), 'autograd-graph'));
    expect(out).toEqual({ kind: 'missing', message: 'the submission has no folder autograd-graph/' });
  });

  it('is missing without solution.ts', async () => {
    const dir = writeSubmission({ 'helpers.ts': 'export const x = 1;\n' });
    expect(await compile(dir)).toEqual({ kind: 'missing', message: 'autograd-graph/ has no solution.ts' });
  });

  it('refuses a solution.ts that is a folder', async () => {
    const dir = writeSubmission({ 'solution.ts/index.ts': 'export const x = 1;\n' });
    expect(expectErrors(await compile(dir))).toEqual([
      expect.objectContaining({ file: 'solution.ts', code: 'CONTRACT_FILETYPE' }),
    ]);
  });

  it('throws for a broken contract or an unwritable outDir (grader bugs)', async () => {
    const dir = fixture('good');
    await expect(compile(dir, { contract: { path: CONTRACT.path, typeName: 'NoSuchType' } })).rejects.toThrow(
      ContractSetupError,
    );
    await expect(compile(dir, { contract: { path: '/nonexistent/contract.ts', typeName: 'Contract' } })).rejects.toThrow(
      /contract.path/,
    );
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    await expect(compile(dir, { outDir: path.join(file, 'out') })).rejects.toThrow(/ENOTDIR|EEXIST/);
    await expect(compile(dir, { entry: '../solution.ts' })).rejects.toThrow(/entry/);
  });
});

describe('formatDiagnostic', () => {
  it('prints the diagnostics of a real outcome like tsc', async () => {
    const out = await compile(fixture('wrong-signature'));
    if (out.kind !== 'compile_error') throw new Error('expected compile_error');
    const text = formatDiagnostic(out.diagnostics[0] as CompileDiagnostic);
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^solution\.ts:3:17 - error CONTRACT_TYPE: solution\.ts does not export `f`/),
      '   3 | export function f(x: tf.Tensor, y: tf.Tensor): number {',
      '     |                 ^',
    ]);
  });
});
