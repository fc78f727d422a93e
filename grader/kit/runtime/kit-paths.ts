/**
 * grader/paths.ts as the student kit has it (the kit's bundles use this module in its place).
 *
 * The kit's grader package is the folder `.grader` of the kit:
 *   .grader/package.json                     name KIT_GRADER_PACKAGE, the grader's version
 *   .grader/dist/cli.js                      the command line (check, list), specs included
 *   .grader/dist/grader/runner/runner-main.js the runner (DIST_ROOT/grader is what a runner reads)
 *   .grader/dist/probes/<id>.js              each assignment's probes
 *   .grader/assignments/<id>/contract.ts     the contracts submissions are type-checked against
 *   .grader/expected/<id>.json               the recorded reference values
 * There is no source tree: the functions that map sources to compiled files throw.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The name of the kit's grader package (its package.json marks the root). */
export const KIT_GRADER_PACKAGE = 'nn2-grader-kit';

function findKitRoot(start: string): string {
  for (let dir = start; ; ) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === KIT_GRADER_PACKAGE) return dir;
    } catch {
      /* no package.json here */
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the kit's grader package (${KIT_GRADER_PACKAGE}) above ${start}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = findKitRoot(__dirname);
export const DIST_ROOT = path.join(PACKAGE_ROOT, 'dist');
export const CODE_ROOT = DIST_ROOT;
export const ASSIGNMENTS_ROOT = path.join(PACKAGE_ROOT, 'assignments');

function noSources(what: string): never {
  throw new Error(`${what}: the student kit has no source tree`);
}

export function codeModulePath(sourcePath: string): string {
  return noSources(`codeModulePath(${sourcePath})`);
}

export function compiledPath(sourcePath: string): string {
  return noSources(`compiledPath(${sourcePath})`);
}
