/**
 * The TypeScript compiler host for submissions, and what it caches within a process.
 *
 * Building a program over tfjs's declaration files means parsing ~650 files (~2 MB). The
 * parsed (and, once checked, bound) SourceFiles of the TypeScript libs and of node_modules
 * are kept for the life of the process, so only the first type check pays for them. Other
 * files outside the submission (the assignment's contract) are re-read on every call and
 * reused when their text did not change. Submission files are never cached and never read
 * from disk: they come from the in-memory texts that the contract checks read, and nothing
 * else inside the submission folder exists for the compiler (no node_modules, no
 * tsconfig.json, no package.json of the student's).
 *
 * Module resolution: inside the submission, the contract's import rule (judgeImport);
 * '@tensorflow/tfjs' always resolves to the grader's own node_modules; everywhere else the
 * ordinary Node10 resolution with a shared resolution cache.
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { PACKAGE_ROOT } from '../paths';
import { ALLOWED_PACKAGE } from './codes';
import { judgeImport } from './import-rules';

/**
 * Options for student code, chosen to report real mistakes without drowning beginners:
 * - strict off (no strictNullChecks, no noImplicitAny): untyped parameters and possibly
 *   undefined values are common in exercise code and do not make an answer wrong;
 * - lib ES2022 only, no DOM and no @types: the runner is Node with nothing but tfjs, and a
 *   small declaration of the runner's globals (console, timers) stands in for @types/node;
 * - skipLibCheck: tfjs's declarations mention DOM and WebGL types that are absent here;
 * - esModuleInterop, CommonJS/Node10 like the bundle; allowImportingTsExtensions so that
 *   `import './ops.ts'` (which esbuild accepts) is not a type error;
 * - noEmit: esbuild produces the code.
 */
export const SUBMISSION_COMPILER_OPTIONS: ts.CompilerOptions = Object.freeze({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  lib: ['lib.es2022.d.ts'],
  types: [],
  strict: false,
  noImplicitAny: false,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  allowImportingTsExtensions: true,
  allowJs: false,
  resolveJsonModule: false,
  preserveSymlinks: true,
  useDefineForClassFields: true,
});

/** Where the runner's globals are declared for the type checker (a virtual file). */
export const RUNNER_GLOBALS_FILE = path.join(PACKAGE_ROOT, '__grader_virtual__', 'runner-globals.d.ts');
const RUNNER_GLOBALS = `
interface Console {
  log(...data: any[]): void; info(...data: any[]): void; warn(...data: any[]): void;
  error(...data: any[]): void; debug(...data: any[]): void; trace(...data: any[]): void;
  table(data: any, columns?: string[]): void; dir(item: any, options?: any): void;
  assert(condition?: boolean, ...data: any[]): void; count(label?: string): void;
  time(label?: string): void; timeEnd(label?: string): void; timeLog(label?: string, ...data: any[]): void;
  group(...label: any[]): void; groupEnd(): void;
}
declare var console: Console;
declare function setTimeout(handler: (...args: any[]) => void, timeout?: number, ...args: any[]): any;
declare function clearTimeout(id: any): void;
declare function setInterval(handler: (...args: any[]) => void, timeout?: number, ...args: any[]): any;
declare function clearInterval(id: any): void;
declare function setImmediate(handler: (...args: any[]) => void, ...args: any[]): any;
declare function clearImmediate(id: any): void;
declare function queueMicrotask(callback: () => void): void;
declare function structuredClone<T>(value: T): T;
declare var performance: { now(): number };
`;

interface CachedFile {
  text: string;
  sf: ts.SourceFile;
}

/** Per process: parsed SourceFiles outside submissions, keyed by file name and language version. */
const sharedFiles = new Map<string, CachedFile>();
const fileExistsCache = new Map<string, boolean>();
let resolutionCache: ts.ModuleResolutionCache | undefined;
let tfjsResolution: ts.ResolvedModuleWithFailedLookupLocations | undefined;

const TS_LIB_DIR = path.dirname(ts.getDefaultLibFilePath(SUBMISSION_COMPILER_OPTIONS));

/** Files that cannot change while the grader runs: TypeScript's libs and installed packages. */
function isImmutable(fileName: string): boolean {
  return fileName.startsWith(TS_LIB_DIR + path.sep) || fileName.includes(`${path.sep}node_modules${path.sep}`);
}

function isInside(dir: string, fileName: string): boolean {
  const rel = path.relative(dir, fileName);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function cacheKey(fileName: string, opts: ts.ScriptTarget | ts.CreateSourceFileOptions): string {
  const o = typeof opts === 'number' ? { languageVersion: opts } : opts;
  return `${fileName}\0${o.languageVersion}\0${o.impliedNodeFormat ?? ''}`;
}

function sharedSourceFile(
  fileName: string,
  opts: ts.ScriptTarget | ts.CreateSourceFileOptions,
): ts.SourceFile | undefined {
  const key = cacheKey(fileName, opts);
  const cached = sharedFiles.get(key);
  if (cached && isImmutable(fileName)) return cached.sf;
  const text = fileName === RUNNER_GLOBALS_FILE ? RUNNER_GLOBALS : ts.sys.readFile(fileName);
  if (text === undefined) return undefined;
  if (cached && cached.text === text) return cached.sf;
  const sf = ts.createSourceFile(fileName, text, opts, false);
  sharedFiles.set(key, { text, sf });
  return sf;
}

function fileExistsShared(fileName: string): boolean {
  if (fileName === RUNNER_GLOBALS_FILE) return true;
  if (!isImmutable(fileName)) return ts.sys.fileExists(fileName);
  let hit = fileExistsCache.get(fileName);
  if (hit === undefined) {
    hit = ts.sys.fileExists(fileName);
    fileExistsCache.set(fileName, hit);
  }
  return hit;
}

export interface SubmissionHostInput {
  /** Absolute path of the assignment folder. */
  dir: string;
  /** Folder-relative path → text of the submission's sources. */
  sources: ReadonlyMap<string, string>;
  /** Extra in-memory files inside the folder (the contract check), absolute path → text. */
  virtualFiles?: ReadonlyMap<string, string>;
  /** Module specifiers resolved to fixed files, e.g. the contract's absolute path. */
  fixedResolutions?: ReadonlyMap<string, string>;
}

export function createSubmissionHost(input: SubmissionHostInput): ts.CompilerHost {
  const { dir } = input;
  const options = SUBMISSION_COMPILER_OPTIONS;
  const inMemory = new Map<string, string>(input.virtualFiles ?? []);
  for (const [rel, text] of input.sources) inMemory.set(path.join(dir, rel), text);
  const tsFiles = new Set(input.sources.keys());
  const fixed = input.fixedResolutions ?? new Map<string, string>();
  const virtual = input.virtualFiles ?? new Map<string, string>();

  const fileExists = (f: string): boolean => inMemory.has(f) || (!isInside(dir, f) && fileExistsShared(f));
  const readFile = (f: string): string | undefined =>
    inMemory.get(f) ?? (isInside(dir, f) ? undefined : ts.sys.readFile(f));
  resolutionCache ??= ts.createModuleResolutionCache(PACKAGE_ROOT, (f) => f, options);

  const host: ts.CompilerHost = {
    getSourceFile(fileName, opts) {
      const text = inMemory.get(fileName);
      if (text !== undefined) return ts.createSourceFile(fileName, text, opts, false, ts.ScriptKind.TS);
      if (isInside(dir, fileName)) return undefined;
      return sharedSourceFile(fileName, opts);
    },
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    writeFile: () => undefined,
    getCurrentDirectory: () => PACKAGE_ROOT,
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
    getNewLine: () => '\n',
    fileExists,
    readFile,
    directoryExists: (d) => (isInside(dir, d) ? true : ts.sys.directoryExists(d)),
    getDirectories: (d) => (isInside(dir, d) ? [] : ts.sys.getDirectories(d)),
    realpath: (f) => f,
    jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
    resolveModuleNameLiterals(literals, containingFile) {
      return literals.map((lit) => resolveOne(lit.text, containingFile));
    },
  };

  const resolveTfjs = (): ts.ResolvedModuleWithFailedLookupLocations => {
    tfjsResolution ??= ts.resolveModuleName(
      ALLOWED_PACKAGE,
      path.join(PACKAGE_ROOT, '__resolve_from_here__.ts'),
      options,
      host,
      resolutionCache,
    );
    return tfjsResolution;
  };
  const unresolved: ts.ResolvedModuleWithFailedLookupLocations = { resolvedModule: undefined };

  function resolveOne(specifier: string, containingFile: string): ts.ResolvedModuleWithFailedLookupLocations {
    const fixedTarget = virtual.has(containingFile) ? fixed.get(specifier) : undefined;
    if (inMemory.has(containingFile)) {
      if (fixedTarget !== undefined) {
        return { resolvedModule: { resolvedFileName: fixedTarget, extension: ts.Extension.Ts, isExternalLibraryImport: false } };
      }
      const importer = path.relative(dir, containingFile).split(path.sep).join('/');
      const verdict = judgeImport(specifier, importer, tsFiles);
      if (verdict.kind === 'package') return resolveTfjs();
      if (verdict.kind === 'file') {
        return {
          resolvedModule: {
            resolvedFileName: path.join(dir, verdict.file),
            extension: ts.Extension.Ts,
            isExternalLibraryImport: false,
          },
        };
      }
      return unresolved;
    }
    if (specifier === ALLOWED_PACKAGE && !containingFile.includes(`${path.sep}node_modules${path.sep}`)) {
      return resolveTfjs();
    }
    return ts.resolveModuleName(specifier, containingFile, options, host, resolutionCache);
  }

  return host;
}

/** How many parsed files the process keeps (for tests and benchmarks). */
export function sharedSourceFileCount(): number {
  return sharedFiles.size;
}
