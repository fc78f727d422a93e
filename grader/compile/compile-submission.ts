/**
 * Compiles one assignment folder of a submission into one CommonJS bundle for the runner.
 *
 * Stages, each stopping the next when it finds errors:
 * 1. presence: the folder and its entry (`missing` otherwise);
 * 2. the student contract (contract-checks): files, size, links, imports, directives;
 * 3. esbuild (bundle): syntax errors, the import rule again at resolve time;
 * 4. the bundle is written to outDir (and `onBundled` told, so a runner can boot meanwhile);
 * 5. TypeScript (type-check, in a child process with time and memory limits:
 *    type-check-child.ts): interface mismatches are errors, other type errors warnings; a
 *    check that used up a limit is an error (TYPECHECK_LIMIT).
 *
 * Never throws for anything a student can put in the folder; throws for grader bugs (bad
 * options, a broken contract file, an unwritable outDir).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkContract } from './contract-checks';
import type { ContractSpec } from './contract-types';
import { bundleSubmission } from './bundle';
import { capWarnings, fileDiagnostic, sortDiagnostics, type CompileDiagnostic } from './diagnostics';
import { DEFAULT_TYPE_CHECK_LIMITS, prestartTypeChecker, typeCheckInChild, type TypeCheckLimits, type TypeCheckOutcome } from './type-check-child';

export type CompileOutcome =
  | {
      kind: 'ok';
      /** The written bundle: `<outDir>/<entry name>.js`, with an inline source map. */
      bundlePath: string;
      bundleBytes: number;
      /** Bytes of all files in the folder (what the 64 KiB limit counts). */
      sourceBytes: number;
      /** Folder-relative paths of the sources in the bundle. */
      files: string[];
      warnings: CompileDiagnostic[];
      ms: number;
    }
  /** No folder or no entry file. */
  | { kind: 'missing'; message: string }
  /** Errors (and the warnings found so far), errors first. */
  | { kind: 'compile_error'; diagnostics: CompileDiagnostic[]; ms: number };

export interface CompileOptions {
  /** The assignment folder inside the submission. */
  dir: string;
  /** Default 'solution.ts'. */
  entry?: string;
  /** A .ts file exporting an interface that the module's exports must satisfy. */
  contract?: ContractSpec;
  /** Where to write the bundle (a fresh temp dir the caller owns; created if absent). */
  outDir: string;
  /** Default true. Without it the contract's types are not checked either. */
  typeCheck?: boolean;
  /** Limits of the type check's child process (default DEFAULT_TYPE_CHECK_LIMITS). */
  typeCheckLimits?: TypeCheckLimits;
  /** The language of messages the compile stage writes itself (default 'en'). */
  lang?: 'en' | 'ru';
  /**
   * Called with the written bundle as soon as it exists, before the (slow) type check, so the
   * caller can start a runner process that boots in parallel. The outcome may
   * still be compile_error; the caller then discards what it started.
   */
  onBundled?: (bundlePath: string) => void;
}

/** Warnings kept in an outcome; the rest are counted in one WARNINGS_TRUNCATED entry. */
export const MAX_WARNINGS = 50;

function validate(opts: CompileOptions, entry: string): void {
  if (typeof opts.dir !== 'string' || opts.dir.length === 0) throw new TypeError('compileSubmission: dir is required');
  if (typeof opts.outDir !== 'string' || opts.outDir.length === 0) {
    throw new TypeError('compileSubmission: outDir is required');
  }
  if (!/^[\w.-]+\.ts$/.test(entry) || entry.endsWith('.d.ts')) {
    throw new TypeError(`compileSubmission: entry must be a .ts file name in the folder, got ${JSON.stringify(entry)}`);
  }
  if (opts.contract) {
    const { path: p, typeName } = opts.contract;
    if (!path.isAbsolute(p) || !p.endsWith('.ts') || !fs.existsSync(p)) {
      throw new TypeError(`compileSubmission: contract.path must be an existing absolute .ts file, got ${JSON.stringify(p)}`);
    }
    if (!/^[A-Za-z_$][\w$]*$/.test(typeName)) {
      throw new TypeError(`compileSubmission: contract.typeName must be an identifier, got ${JSON.stringify(typeName)}`);
    }
  }
}

/** lstat, or undefined when nothing is there. */
function findStat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** The compile error of a submission whose type check used up a limit, in the report's language. */
function typeCheckLimitDiagnostic(entry: string, outcome: Extract<TypeCheckOutcome, { kind: 'limit' }>, lang: 'en' | 'ru'): CompileDiagnostic {
  const { limit, limits } = outcome;
  const seconds = Math.round(limits.timeoutMs / 100) / 10;
  const message =
    lang === 'ru'
      ? `проверка типов остановлена: ${limit === 'time' ? `она шла дольше предела в ${seconds} с` : `ей не хватило предела памяти в ${limits.heapMb} МБ`}. Типы в решении требуют от TypeScript слишком много работы (обычно это большое объединение или шаблонный строковый тип, пропущенный через рекурсивный условный тип); упростите их`
      : `type checking was stopped: ${limit === 'time' ? `it ran past its time limit of ${seconds} s` : `it ran out of its memory limit of ${limits.heapMb} MB`}. The submission's types ask TypeScript for too much work (usually a large union or template-literal type run through a recursive conditional type); simplify them`;
  return fileDiagnostic(entry, 'TYPECHECK_LIMIT', message);
}

export async function compileSubmission(opts: CompileOptions): Promise<CompileOutcome> {
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  const entry = opts.entry ?? 'solution.ts';
  validate(opts, entry);
  const dir = path.resolve(opts.dir);
  const folder = `${path.basename(dir)}/`;
  const failed = (ds: CompileDiagnostic[]): CompileOutcome => ({
    kind: 'compile_error',
    diagnostics: capWarnings(sortDiagnostics(ds), MAX_WARNINGS),
    ms: elapsed(),
  });

  const limits = opts.typeCheckLimits ?? DEFAULT_TYPE_CHECK_LIMITS;
  // The checker's process starts (or is already warm) while the folder is read and bundled.
  if (opts.typeCheck !== false) prestartTypeChecker(limits.heapMb);

  // 1. Presence.
  const dirStat = findStat(dir);
  if (!dirStat) return { kind: 'missing', message: `the submission has no folder ${folder}` };
  if (dirStat.isSymbolicLink()) {
    return failed([
      fileDiagnostic('.', 'CONTRACT_SYMLINK', `${folder} is a symbolic link; links are not allowed in a submission: commit the folder itself`),
    ]);
  }
  if (!dirStat.isDirectory()) return { kind: 'missing', message: `${path.basename(dir)} in the submission is a file, not a folder` };
  if (!findStat(path.join(dir, entry))) return { kind: 'missing', message: `${folder} has no ${entry}` };

  // 2. The student contract.
  const check = checkContract(dir);
  if (check.diagnostics.length > 0) return failed(check.diagnostics);
  if (!check.sources.has(entry)) {
    return failed([fileDiagnostic(entry, 'CONTRACT_FILETYPE', `${entry} must be a file`)]);
  }

  // 3. Bundle.
  const bundled = await bundleSubmission({ dir, entry, sources: check.sources });
  if (!bundled.ok) return failed(bundled.diagnostics);

  // 4. Write (before the type check, so that a runner can boot while it runs).
  fs.mkdirSync(opts.outDir, { recursive: true });
  const bundlePath = path.join(path.resolve(opts.outDir), entry.replace(/\.ts$/, '.js'));
  fs.writeFileSync(bundlePath, bundled.code);
  opts.onBundled?.(bundlePath);

  // 5. Types.
  let typeDiagnostics: CompileDiagnostic[] = [];
  if (opts.typeCheck !== false) {
    const checked = await typeCheckInChild({ dir, entry, sources: check.sources, ...(opts.contract !== undefined ? { contract: opts.contract } : {}) }, limits);
    if (checked.kind === 'limit') return failed([typeCheckLimitDiagnostic(entry, checked, opts.lang ?? 'en'), ...bundled.warnings]);
    typeDiagnostics = checked.diagnostics;
  }
  const diagnostics = [...bundled.warnings, ...typeDiagnostics];
  if (diagnostics.some((d) => d.severity === 'error')) return failed(diagnostics);

  return {
    kind: 'ok',
    bundlePath,
    bundleBytes: Buffer.byteLength(bundled.code),
    sourceBytes: check.sourceBytes,
    files: bundled.inputs,
    warnings: capWarnings(sortDiagnostics(diagnostics), MAX_WARNINGS),
    ms: elapsed(),
  };
}
