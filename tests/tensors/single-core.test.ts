/**
 * One copy of @tensorflow/tfjs-core: kernels registered by our wasm training kernels must be
 * the ones student code (which imports @tensorflow/tfjs) sees. Two copies would each have
 * their own registry and engine.
 */
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../grader/paths';

function coreFrom(pkg: string): string {
  const pkgDir = path.dirname(require.resolve(`${pkg}/package.json`, { paths: [PACKAGE_ROOT] }));
  return require.resolve('@tensorflow/tfjs-core/package.json', { paths: [pkgDir] });
}

describe('tfjs-core', () => {
  it('resolves to the same copy from tfjs, the wasm and cpu backends and layers', () => {
    const cores = new Set(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-layers'].map(coreFrom));
    expect([...cores]).toEqual([path.join(PACKAGE_ROOT, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json')]);
  });
});
