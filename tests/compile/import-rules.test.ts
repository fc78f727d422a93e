import { judgeImport } from '../../grader/compile/import-rules';

const FILES = new Set(['solution.ts', 'ops.ts', 'lib/util.ts', 'lib/index.ts', 'model.v2.ts']);

describe('judgeImport', () => {
  it.each([
    ['@tensorflow/tfjs', 'solution.ts', { kind: 'package' }],
    ['./ops', 'solution.ts', { kind: 'file', file: 'ops.ts' }],
    ['./ops.ts', 'solution.ts', { kind: 'file', file: 'ops.ts' }],
    ['./ops.js', 'solution.ts', { kind: 'file', file: 'ops.ts' }],
    ['./lib', 'solution.ts', { kind: 'file', file: 'lib/index.ts' }],
    ['./lib/', 'solution.ts', { kind: 'file', file: 'lib/index.ts' }],
    ['./util', 'lib/index.ts', { kind: 'file', file: 'lib/util.ts' }],
    ['../ops', 'lib/util.ts', { kind: 'file', file: 'ops.ts' }],
    ['.', 'lib/util.ts', { kind: 'file', file: 'lib/index.ts' }],
    ['./model.v2', 'solution.ts', { kind: 'file', file: 'model.v2.ts' }],
  ])('allows %s from %s', (spec, importer, verdict) => {
    expect(judgeImport(spec, importer, FILES)).toEqual(verdict);
  });

  it.each([
    ['fs', 'is a Node.js builtin module'],
    ['fs/promises', 'is a Node.js builtin module'],
    ['node:fs', 'is a Node.js builtin module'],
    ['node:test', 'is a Node.js builtin module'],
    ['child_process', 'is a Node.js builtin module'],
    ['lodash', 'is not available'],
    ['@tensorflow/tfjs-node', "import everything from '@tensorflow/tfjs'"],
    ['@tensorflow/tfjs/dist/index', 'is not available'],
    ['/etc/passwd', 'is an absolute path or URL'],
    ['C:\\Windows\\x', 'uses backslashes'],
    ['file:///etc/passwd', 'is an absolute path or URL'],
    ['data:text/javascript,1', 'is an absolute path or URL'],
    ['..', 'leaves the assignment folder'],
    ['../x', 'leaves the assignment folder'],
    ['./../../reference/x', 'leaves the assignment folder'],
    ['./lib/../../x', 'leaves the assignment folder'],
    ['./data.json', 'is not a .ts file'],
    ['./addon.node', 'is not a .ts file'],
    ['./missing', 'cannot find module "./missing": there is no missing.ts'],
    ['./Ops', 'cannot find module'],
    ['', 'an empty import path'],
  ])('refuses %s', (spec, reason) => {
    const v = judgeImport(spec, 'solution.ts', FILES);
    expect(v.kind).toBe('refused');
    if (v.kind === 'refused') expect(v.reason).toContain(reason);
  });
});
