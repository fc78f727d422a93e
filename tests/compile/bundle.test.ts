import * as path from 'node:path';
import { bundleSubmission } from '../../grader/compile/bundle';
import { cleanUpTemp, inlineSourceMap, tempDir } from './helpers';

afterAll(cleanUpTemp);

describe('bundleSubmission', () => {
  // The bundler works from in-memory sources: the folder need not exist on disk.
  const dir = (): string => path.join(tempDir(), 'autograd-graph');

  it('refuses forbidden imports at resolve time even without the contract checks (defence in depth)', async () => {
    const sources = new Map([
      ['solution.ts', "import { helper } from './helper';\nexport const x = helper;\n"],
      ['helper.ts', "// a comment\nimport * as fs from 'fs';\nexport const helper = require('../../secret.ts');\nexport const read = fs.readFileSync;\n"],
    ]);
    const r = await bundleSubmission({ dir: dir(), entry: 'solution.ts', sources });
    if (r.ok) throw new Error('expected a failure');
    expect(r.diagnostics.map((d) => [d.file, d.line, d.column, d.code])).toEqual([
      ['helper.ts', 2, 21, 'CONTRACT_IMPORT'],
      ['helper.ts', 3, 31, 'CONTRACT_IMPORT'], // both at the opening quote
    ]);
    expect(r.diagnostics[1]?.message).toContain('leaves the assignment folder');
    expect(r.diagnostics[0]?.sourceLine).toBe("import * as fs from 'fs';");
  });

  it('keeps @tensorflow/tfjs external and names sources relative to the folder', async () => {
    const sources = new Map([
      ['solution.ts', "import * as tf from '@tensorflow/tfjs';\nimport { two } from './lib/two';\nexport const f = (x: tf.Tensor) => x.mul(tf.scalar(two));\n"],
      ['lib/two.ts', 'export const two = 2;\n'],
    ]);
    const r = await bundleSubmission({ dir: dir(), entry: 'solution.ts', sources });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.inputs).toEqual(['lib/two.ts', 'solution.ts']);
    expect(r.code).toContain('require("@tensorflow/tfjs")');
    expect([...inlineSourceMap(r.code).sources].sort()).toEqual(['lib/two.ts', 'solution.ts']);
  });

  it('reports esbuild warnings as warnings', async () => {
    const sources = new Map([['solution.ts', 'export const bad = (x: number) => x === -0;\n']]);
    const r = await bundleSubmission({ dir: dir(), entry: 'solution.ts', sources });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.warnings).toEqual([expect.objectContaining({ file: 'solution.ts', line: 1, code: 'ESBUILD', severity: 'warning' })]);
  });
});
