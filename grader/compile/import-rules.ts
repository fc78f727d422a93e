/**
 * The student contract's import rule, as one pure function shared by the contract checks,
 * the esbuild plugin and the TypeScript host: a submission may import '@tensorflow/tfjs' and
 * .ts files of its own assignment folder, nothing else.
 *
 * Works on folder-relative POSIX paths only and never touches the file system: the caller
 * passes the set of .ts files that the folder scan found.
 */
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { ALLOWED_PACKAGE } from './codes';

export type ImportVerdict =
  /** The allowed package; external in the bundle, supplied by the runner. */
  | { kind: 'package' }
  /** A .ts file of the folder, relative to it (POSIX separators). */
  | { kind: 'file'; file: string }
  | { kind: 'refused'; reason: string };

const BUILTINS = new Set(builtinModules);
const ALLOWED_HINT = `submissions may import only '${ALLOWED_PACKAGE}' and .ts files in their own assignment folder`;

function isBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0] ?? '');
}

function isAbsolute(specifier: string): boolean {
  return (
    specifier.startsWith('/') ||
    specifier.startsWith('\\') ||
    /^[a-zA-Z]:[\\/]/.test(specifier) ||
    /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier) // file:, data:, http: ...
  );
}

function isRelative(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
}

/**
 * Judges `specifier` imported from `importer` (folder-relative path of a .ts file).
 * `tsFiles` holds the folder-relative paths of the folder's .ts files.
 */
export function judgeImport(specifier: string, importer: string, tsFiles: ReadonlySet<string>): ImportVerdict {
  const shown = JSON.stringify(specifier);
  if (specifier === ALLOWED_PACKAGE) return { kind: 'package' };
  if (specifier.length === 0) return { kind: 'refused', reason: `an empty import path: ${ALLOWED_HINT}` };
  if (specifier.includes('\\')) {
    return { kind: 'refused', reason: `import ${shown} uses backslashes: write relative imports with '/', e.g. './helpers'` };
  }
  if (isBuiltin(specifier)) {
    return { kind: 'refused', reason: `import ${shown} is a Node.js builtin module: ${ALLOWED_HINT}` };
  }
  if (isAbsolute(specifier)) {
    return { kind: 'refused', reason: `import ${shown} is an absolute path or URL: ${ALLOWED_HINT}` };
  }
  if (!isRelative(specifier)) {
    const hint = specifier.startsWith('@tensorflow/')
      ? ` (import everything from '${ALLOWED_PACKAGE}' itself, e.g. \`import * as tf from '${ALLOWED_PACKAGE}'\`)`
      : ' (the grader installs no other packages)';
    return { kind: 'refused', reason: `package ${shown} is not available: ${ALLOWED_HINT}${hint}` };
  }

  const target = path.posix.normalize(path.posix.join(path.posix.dirname(importer), specifier));
  if (target === '..' || target.startsWith('../')) {
    return { kind: 'refused', reason: `import ${shown} leaves the assignment folder: ${ALLOWED_HINT}` };
  }
  const base = target === '.' ? '' : target.replace(/\/$/, '');
  const ext = path.posix.extname(base);
  let candidates: string[];
  if (ext === '.ts') candidates = [base];
  else if (ext === '.js') candidates = [`${base.slice(0, -3)}.ts`]; // TypeScript's ESM spelling of a .ts file
  else candidates = [`${base}.ts`, base === '' ? 'index.ts' : `${base}/index.ts`];
  for (const c of candidates) {
    if (c.endsWith('.d.ts')) continue;
    if (tsFiles.has(c)) return { kind: 'file', file: c };
  }
  if (ext !== '' && ext !== '.ts' && ext !== '.js' && !tsFiles.has(`${base}.ts`)) {
    return { kind: 'refused', reason: `import ${shown} is not a .ts file: ${ALLOWED_HINT}` };
  }
  return {
    kind: 'refused',
    reason: `cannot find module ${shown}: there is no ${candidates[0]} in the assignment folder`,
  };
}
