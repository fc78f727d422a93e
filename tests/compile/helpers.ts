/** Shared set-up for the compile tests: fixtures, temporary submissions, loading a bundle. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'compile');
export const SUBMISSIONS = path.join(FIXTURES, 'submissions');
export const CONTRACT = { path: path.join(FIXTURES, 'contract.ts'), typeName: 'Contract' };

const created: string[] = [];

/** A fresh temporary folder, removed by cleanUpTemp(). */
export function tempDir(prefix = 'compile-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function cleanUpTemp(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `files` (relative path → text) into a new assignment folder `<tmp>/<name>/`. */
export function writeSubmission(files: Record<string, string>, name = 'autograd-graph'): string {
  const dir = path.join(tempDir(), name);
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
  }
  return dir;
}

/** Copies a fixture submission into a temporary folder (to add symlinks without touching git). */
export function copyFixture(caseName: string, name = 'autograd-graph'): string {
  const dir = path.join(tempDir(), name);
  fs.cpSync(path.join(SUBMISSIONS, caseName), dir, { recursive: true });
  return dir;
}

/**
 * Loads a CommonJS bundle the way the runner will, except that '@tensorflow/tfjs' comes
 * from the project's node_modules; any other require is an error.
 */
export function loadBundle(bundlePath: string): Record<string, unknown> {
  const code = fs.readFileSync(bundlePath, 'utf8');
  const module = { exports: {} as Record<string, unknown> };
  const requireTfjs = (id: string): unknown => {
    if (id === '@tensorflow/tfjs') return require('@tensorflow/tfjs');
    throw new Error(`the bundle required ${id}`);
  };
  const fn = new Function('require', 'module', 'exports', code) as (
    r: typeof requireTfjs,
    m: typeof module,
    e: Record<string, unknown>,
  ) => void;
  fn(requireTfjs, module, module.exports);
  return module.exports;
}

const SourceMapSchema = z.object({
  version: z.literal(3),
  file: z.string().default(''),
  sourceRoot: z.string().default(''),
  sources: z.array(z.string()),
  sourcesContent: z.array(z.string()),
  names: z.array(z.string()).default([]),
  mappings: z.string(),
});
export type InlineSourceMap = z.infer<typeof SourceMapSchema>;

/** The inline source map of a bundle. */
export function inlineSourceMap(code: string): InlineSourceMap {
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!m?.[1]) throw new Error('no inline source map');
  return SourceMapSchema.parse(JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')));
}
