/**
 * Where things are. The grader runs either from TypeScript sources (jest through ts-jest)
 * or from the compiled tree in dist/; child processes (the runner) always run compiled
 * JavaScript, so both views are needed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'grader'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the grader's package root above ${start}`);
    dir = parent;
  }
}

/** The package root: package.json, assignments/, reference/, node_modules/. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** The compiled tree. */
export const DIST_ROOT = path.join(PACKAGE_ROOT, 'dist');

/** The root that this module was loaded from: PACKAGE_ROOT under ts-jest, DIST_ROOT when compiled. */
export const CODE_ROOT =
  path.basename(path.dirname(__dirname)) === 'dist' ? DIST_ROOT : PACKAGE_ROOT;

/** The course's own assignments. */
export const ASSIGNMENTS_ROOT = path.join(PACKAGE_ROOT, 'assignments');

/**
 * The module path (no extension) of a source file under PACKAGE_ROOT as loadable from the
 * current code root, e.g. assignments/x/spec → dist/assignments/x/spec when compiled.
 */
export function codeModulePath(sourcePath: string): string {
  const rel = path.relative(PACKAGE_ROOT, sourcePath).replace(/\.ts$/, '');
  return path.join(CODE_ROOT, rel);
}

/** The compiled JavaScript file of a source file, for child processes. */
export function compiledPath(sourcePath: string): string {
  const rel = path.relative(PACKAGE_ROOT, sourcePath).replace(/\.ts$/, '');
  return path.join(DIST_ROOT, `${rel}.js`);
}
