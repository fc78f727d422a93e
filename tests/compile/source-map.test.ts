/**
 * The bundle's source map takes a position of the compiled bundle back to the student's file,
 * line and column, for each file of a multi-file submission.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileSubmission } from '../../grader/compile';
import { BundleSourceMap } from '../../grader/compile/source-map';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'source-map-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

it('maps bundle positions to solution.ts and helpers.ts', async () => {
  const dir = path.join(root, 'a');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'helpers.ts'), `// helper\nexport function twice(x: number): number {\n  return x * 2;\n}\n`);
  fs.writeFileSync(
    path.join(dir, 'solution.ts'),
    `import { twice } from './helpers';\n\ninterface Spacer { a: number }\n\nexport function run(x: number): number {\n  const y = twice(x);\n  return y + 1;\n}\n`,
  );
  const out = await compileSubmission({ dir, outDir: path.join(root, 'out'), typeCheck: false });
  if (out.kind !== 'ok') throw new Error(out.kind);
  const code = fs.readFileSync(out.bundlePath, 'utf8');
  const map = BundleSourceMap.fromFile(out.bundlePath);
  expect([...(map?.sources ?? [])].sort()).toEqual(['helpers.ts', 'solution.ts']);
  const lines = code.split('\n');
  const find = (needle: string) => {
    const i = lines.findIndex((l) => l.includes(needle));
    return { line: i + 1, column: lines[i].indexOf(needle) + 1 };
  };
  const mul = find('x * 2');
  expect(map?.original(mul.line, mul.column)).toEqual({ file: 'helpers.ts', line: 3, column: 10 });
  const call = find('= twice(x)');
  expect(map?.original(call.line, call.column + 2)).toEqual({ file: 'solution.ts', line: 6, column: 13 });
  // Outside any mapped statement (the glue esbuild writes at the top).
  expect(map?.original(1, 1)).toBeUndefined();
  expect(map?.original(0, 5)).toBeUndefined();
});

it('has no map for code without one, or a broken one', () => {
  expect(BundleSourceMap.fromCode('exports.x = 1;\n')).toBeUndefined();
  expect(BundleSourceMap.fromCode('x\n//# sourceMappingURL=data:application/json;base64,bm90IGpzb24=\n')).toBeUndefined();
  expect(BundleSourceMap.fromFile('/nonexistent/bundle.js')).toBeUndefined();
});
