/**
 * Type-checks a submission with the TypeScript compiler API (options and caching in
 * ts-host.ts). Type errors in the student's own code are warnings: the runner still runs
 * code with small type slips, and the report shows them. Mismatches with the assignment's
 * interface are errors (contract-types.ts).
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { PACKAGE_ROOT } from '../paths';
import { CHECK_FILE_BASENAME, checkContractTypes, checkFileText, type ContractSpec } from './contract-types';
import { fileDiagnostic, lineOf, oneLine, type CompileDiagnostic } from './diagnostics';
import { createSubmissionHost, RUNNER_GLOBALS_FILE, SUBMISSION_COMPILER_OPTIONS } from './ts-host';

export interface TypeCheckInput {
  /** Absolute path of the assignment folder. */
  dir: string;
  /** Folder-relative path of the entry. */
  entry: string;
  /** Folder-relative path → text of every .ts source. */
  sources: ReadonlyMap<string, string>;
  contract?: ContractSpec;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Removes the grader's absolute paths from messages: reports show folder-relative names. */
function pathCleaner(dir: string): (message: string) => string {
  const prefixes = [
    path.join(PACKAGE_ROOT, 'node_modules') + path.sep,
    dir + path.sep,
    PACKAGE_ROOT + path.sep,
  ].map((p) => new RegExp(escapeRegExp(p), 'g'));
  return (message) => prefixes.reduce((m, re) => m.replace(re, ''), message);
}

function unusedName(sources: ReadonlyMap<string, string>): string {
  let name = `${CHECK_FILE_BASENAME}.ts`;
  for (let i = 1; sources.has(name); i++) name = `${CHECK_FILE_BASENAME}${i}.ts`;
  return name;
}

/** "Cannot find name 'process'/'require'/'Buffer'. Do you need to install type definitions for node?" */
const NODE_GLOBAL_CODES = new Set([2580, 2591, 2592]);

function toWarning(
  d: ts.Diagnostic,
  rel: string,
  text: string,
  clean: (m: string) => string,
): CompileDiagnostic {
  let message = clean(oneLine(ts.flattenDiagnosticMessageText(d.messageText, '\n')));
  const nodeGlobal = NODE_GLOBAL_CODES.has(d.code) ? /^Cannot find name '([^']+)'/.exec(message) : null;
  if (nodeGlobal) {
    // TypeScript suggests installing @types/node; the runner has no Node.js globals at all.
    message = `Cannot find name '${nodeGlobal[1]}': submissions run without Node.js globals (only console and timers are there)`;
  }
  const severity = 'warning' as const;
  const code = `TS${d.code}`;
  if (!d.file || d.start === undefined) return { file: rel, line: 0, column: 0, code, message, severity };
  const lc = d.file.getLineAndCharacterOfPosition(d.start);
  const line = lc.line + 1;
  return { file: rel, line, column: lc.character + 1, code, message, sourceLine: lineOf(text, line), severity };
}

/** Contract mismatches (errors) and the type errors of the submission's files (warnings). */
export function typeCheckSubmission(input: TypeCheckInput): CompileDiagnostic[] {
  const { dir, entry, sources, contract } = input;
  const clean = pathCleaner(dir);
  const entryAbs = path.join(dir, entry);
  const virtualFiles = new Map<string, string>();
  const fixedResolutions = new Map<string, string>();
  let checkPath: string | undefined;
  if (contract) {
    checkPath = path.join(dir, unusedName(sources));
    virtualFiles.set(checkPath, checkFileText(entry, contract));
    fixedResolutions.set(contract.path, contract.path);
  }
  const host = createSubmissionHost({ dir, sources, virtualFiles, fixedResolutions });
  const program = ts.createProgram({
    rootNames: [RUNNER_GLOBALS_FILE, entryAbs, ...(checkPath ? [checkPath] : [])],
    options: SUBMISSION_COMPILER_OPTIONS,
    host,
  });

  const out: CompileDiagnostic[] = [];
  if (contract && checkPath) {
    const checkFile = program.getSourceFile(checkPath);
    if (!checkFile) throw new Error('the contract check file is missing from the program');
    out.push(...checkContractTypes({ program, checkFile, dir, entry, sources, contract, clean }));
  }
  for (const sf of program.getSourceFiles()) {
    const rel = path.relative(dir, sf.fileName).split(path.sep).join('/');
    const text = sources.get(rel);
    if (text === undefined) continue;
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diags) out.push(toWarning(d, rel, text, clean));
  }
  return out;
}

/**
 * The type check, except that a failure of the TypeScript compiler itself on student code
 * (its stack overflowing on deep nesting, an internal assertion) becomes a warning: the
 * submission is still bundled and graded. Everything else (a broken contract) is thrown.
 */
export function typeCheckOrWarn(input: TypeCheckInput): CompileDiagnostic[] {
  try {
    return typeCheckSubmission(input);
  } catch (e) {
    const studentInduced = e instanceof RangeError || (e instanceof Error && e.message.startsWith('Debug Failure'));
    if (!studentInduced) throw e;
    return [
      fileDiagnostic(
        input.entry,
        'TYPECHECK_FAILED',
        `the type checker failed on this submission (${e.name}: ${e.message.split('\n')[0] ?? ''}); it is graded without type information`,
        'warning',
      ),
    ];
  }
}

/**
 * Parses and binds the TypeScript libs and tfjs's declarations in this process now, so that
 * the first real type check is as fast as the later ones (the type-check child does it
 * before it says it is ready).
 */
export function warmUpInProcess(): void {
  typeCheckSubmission({
    dir: path.join(PACKAGE_ROOT, '__grader_virtual__', 'warm-up'),
    entry: 'solution.ts',
    sources: new Map([['solution.ts', "import * as tf from '@tensorflow/tfjs';\nexport const x: tf.Tensor = tf.scalar(1);\n"]]),
  });
}
