/**
 * Where the benchmark finds things. The package root is found from this file, so the
 * benchmark runs the same from dist/tests/bench (the compiled tree, which is what
 * `npm run bench` runs) and from tests/bench (ts-jest). grader/paths.ts does the same for
 * the grader; the benchmark keeps its own few lines so that it does not move when the
 * grader's layout helpers do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** The directory holding package.json and node_modules/. */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'tests'))) {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package root above ${__dirname}`);
    dir = parent;
  }
}

/** bench-results/ at the package root. */
export function resultsDir(): string {
  return path.join(packageRoot(), 'bench-results');
}
