/**
 * Bundles a submission with esbuild into one CommonJS module for the runner:
 * platform node, target node20, '@tensorflow/tfjs' external (the runner supplies it), an
 * inline source map whose sources are folder-relative ('solution.ts', 'ops.ts') with their
 * contents, no minification, names kept for readable stack traces.
 *
 * A plugin owns resolution and loading: every import is judged by the contract's import
 * rule again (defence in depth, reported at file:line:col), and sources come from the
 * texts that the contract checks read, so esbuild never reads the submission's disk and
 * never consults a tsconfig.json or package.json of the student's repository.
 */
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ALLOWED_PACKAGE } from './codes';
import { lineOf, oneLine, type CompileDiagnostic } from './diagnostics';
import { judgeImport } from './import-rules';

export interface BundleInput {
  /** Absolute path of the assignment folder. */
  dir: string;
  /** Folder-relative path of the entry, e.g. 'solution.ts'. */
  entry: string;
  /** Folder-relative path → text of every .ts source (from the contract checks). */
  sources: ReadonlyMap<string, string>;
}

export type BundleResult =
  | { ok: true; code: string; inputs: string[]; warnings: CompileDiagnostic[] }
  | { ok: false; diagnostics: CompileDiagnostic[] };

export const PLUGIN_NAME = 'submission-contract';

/** The folder-relative POSIX path of `abs`, or undefined when it is outside the folder. */
function relInside(dir: string, abs: string): string | undefined {
  const rel = path.relative(dir, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

function contractPlugin(dir: string, sources: ReadonlyMap<string, string>): esbuild.Plugin {
  const tsFiles = new Set(sources.keys());
  return {
    name: PLUGIN_NAME,
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return { path: args.path };
        const importer = relInside(dir, args.importer);
        const verdict =
          importer === undefined
            ? ({ kind: 'refused', reason: `an import from outside the assignment folder: ${args.importer}` } as const)
            : judgeImport(args.path, importer, tsFiles);
        if (verdict.kind === 'package') return { path: ALLOWED_PACKAGE, external: true };
        if (verdict.kind === 'file') return { path: path.join(dir, verdict.file) };
        return { errors: [{ text: verdict.reason, detail: 'CONTRACT_IMPORT' }] };
      });
      build.onLoad({ filter: /.*/ }, (args) => {
        const rel = relInside(dir, args.path);
        const contents = rel === undefined ? undefined : sources.get(rel);
        if (contents === undefined) {
          return { errors: [{ text: `${args.path} is not a source file of the assignment folder`, detail: 'CONTRACT_IMPORT' }] };
        }
        return { contents, loader: 'ts', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** esbuild reports columns in UTF-8 bytes; reports use UTF-16 units like editors and tsc. */
function utf16Column(lineText: string, byteColumn: number): number {
  return Buffer.from(lineText, 'utf8').subarray(0, byteColumn).toString('utf8').length + 1;
}

function toDiagnostic(
  m: esbuild.Message,
  severity: CompileDiagnostic['severity'],
  dir: string,
  sources: ReadonlyMap<string, string>,
): CompileDiagnostic {
  const code = m.pluginName === PLUGIN_NAME && m.detail === 'CONTRACT_IMPORT' ? 'CONTRACT_IMPORT' : 'ESBUILD';
  const notes = m.notes
    .map((n) => n.text)
    .filter((t) => t.length > 0 && t.length < 200)
    .slice(0, 1);
  const message = oneLine([m.text, ...notes].join(' - '));
  const loc = m.location;
  if (!loc) return { file: '.', line: 0, column: 0, code, message, severity };
  const file = relInside(dir, path.resolve(dir, loc.file)) ?? loc.file;
  const text = sources.get(file);
  const sourceLine = (text !== undefined ? lineOf(text, loc.line) : undefined) ?? loc.lineText;
  return { file, line: loc.line, column: utf16Column(loc.lineText, loc.column), code, message, sourceLine, severity };
}

function isBuildFailure(e: unknown): e is esbuild.BuildFailure {
  return e instanceof Error && Array.isArray((e as Partial<esbuild.BuildFailure>).errors);
}

export async function bundleSubmission(input: BundleInput): Promise<BundleResult> {
  const { dir, entry, sources } = input;
  const toDiags = (ms: esbuild.Message[], sev: CompileDiagnostic['severity']): CompileDiagnostic[] =>
    ms.map((m) => toDiagnostic(m, sev, dir, sources));
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      absWorkingDir: dir,
      entryPoints: [path.join(dir, entry)],
      // Never written (write: false); placing it in the folder makes the map's sources
      // folder-relative. The caller writes the code where it wants.
      outfile: path.join(dir, '.grader-bundle.js'),
      write: false,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: [ALLOWED_PACKAGE],
      sourcemap: 'inline',
      sourcesContent: true,
      minify: false,
      keepNames: true,
      charset: 'utf8',
      metafile: true,
      logLevel: 'silent',
      tsconfigRaw: {},
      plugins: [contractPlugin(dir, sources)],
    });
  } catch (e) {
    if (!isBuildFailure(e)) throw e;
    return { ok: false, diagnostics: [...toDiags(e.errors, 'error'), ...toDiags(e.warnings, 'warning')] };
  }
  const out = result.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!out) throw new Error('esbuild produced no JavaScript output');
  const inputs = Object.keys(result.metafile.inputs)
    .map((k) => relInside(dir, path.resolve(dir, k.replace(/^file:/, ''))) ?? k)
    .sort();
  return { ok: true, code: out.text, inputs, warnings: toDiags(result.warnings, 'warning') };
}
