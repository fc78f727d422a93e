/**
 * The kit's grader, bundled with esbuild from the grader's TypeScript sources:
 *
 *   dist/cli.js                        the command line (grader/kit/runtime/kit-main.ts) with
 *                                      check, compile, run, compare, results, report, data,
 *                                      sandbox, and every assignment's spec without its hidden
 *                                      tests
 *   dist/grader/runner/runner-main.js  the runner
 *   dist/grader/compile/type-check-child-main.js  the type checker's child process
 *   dist/grader/judge/judge-main.js    the judge, which loads and runs students' models
 *   dist/probes/<id>.js                the probes of each assignment, without those only
 *                                      hidden tests call
 *
 * What changes on the way (the plugin below):
 *   - grader/paths.ts and grader/spec/discover.ts are replaced by the kit's own
 *     (runtime/kit-paths.ts, runtime/kit-discover.ts): no source tree, the catalogue is the
 *     bundled specs, the reference is a replay of recorded values;
 *   - runtime/kit-catalogue.ts is generated: it imports each spec;
 *   - every assignment source passes through stripHiddenTests (and the probes through
 *     pruneProbes), then esbuild's tree shaking drops what only hidden tests used;
 *   - the helper modules of kit-policy.ts become replays;
 *   - an import of the reference or of an example is an error: the kit is not built.
 * Not minified (the leak test can read it), comments dropped, UTF-8 kept as is. Packages stay
 * external: they are the kit grader's dependencies (KIT_DEPENDENCIES).
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { ReplayedHelper } from './kit-policy';
import { pruneProbes, stripHiddenTests, type HiddenIndex } from './strip-hidden';

/** Packages the bundles load at run time (the kit grader's package.json lists them). */
export const KIT_EXTERNALS = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', 'esbuild', 'typescript', 'mnist'];

export interface BundledAssignment {
  id: string;
  /** Absolute path of spec.ts. */
  specFile: string;
  /** Absolute path of the probes' source, or null. */
  probesSource: string | null;
  /** Contract path relative to the kit grader package, or null. */
  contract: string | null;
  helpers: readonly ReplayedHelper[];
  /** Probes only hidden tests call: left out of the kit. */
  droppedProbes: ReadonlySet<string>;
}

export interface HelperStub {
  assignment: string;
  file: string;
  /** The module's function exports (replayed) and its other exports as JSON. */
  functions: string[];
  data: Record<string, unknown>;
}

export interface BundleContext {
  /** The grader's source root (holding grader/). */
  sourceRoot: string;
  /** The root holding assignments/ and reference/. */
  catalogueRoot: string;
  assignments: BundledAssignment[];
  /** Stubs of the replayed helpers, keyed by their absolute path. */
  helperStubs: ReadonlyMap<string, HelperStub>;
  /** Where the hidden tests are (strip-hidden.ts indexHidden over every assignment source). */
  hiddenIndex: HiddenIndex;
  /** Per source file, the top-level declarations only hidden tests use (analyzeHidden). */
  hiddenOnly: ReadonlyMap<string, ReadonlySet<string>>;
}

export class KitBundleError extends Error {
  readonly code = 'KIT_BUNDLE';
  constructor(message: string) {
    super(message);
    this.name = 'KitBundleError';
  }
}

const stripExt = (p: string) => p.replace(/\.(ts|js)$/, '');

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function runtimeFile(ctx: BundleContext, name: string): string {
  return path.join(ctx.sourceRoot, 'grader', 'kit', 'runtime', name);
}

function catalogueSource(ctx: BundleContext): string {
  const lines = ctx.assignments.map((a, i) => `import { spec as spec${i} } from ${JSON.stringify(a.specFile)};`);
  const entries = ctx.assignments.map(
    (a, i) =>
      `  { id: ${JSON.stringify(a.id)}, spec: spec${i}, probes: ${JSON.stringify(a.probesSource !== null ? `dist/probes/${a.id}.js` : null)}, contract: ${JSON.stringify(a.contract)} },`,
  );
  return `${lines.join('\n')}\nexport const KIT_CATALOGUE = [\n${entries.join('\n')}\n];\n`;
}

function helperStubSource(ctx: BundleContext, stub: HelperStub): string {
  const replay = JSON.stringify(runtimeFile(ctx, 'replay.ts'));
  const format = JSON.stringify(path.join(ctx.sourceRoot, 'grader', 'kit', 'replay-format.ts'));
  const lines = [`import { replayFunction } from ${replay};`, `import { decodeValue } from ${format};`];
  for (const fn of stub.functions) {
    lines.push(`export const ${fn} = /* @__PURE__ */ replayFunction(${JSON.stringify(stub.assignment)}, ${JSON.stringify(stub.file)}, ${JSON.stringify(fn)});`);
  }
  for (const [name, value] of Object.entries(stub.data)) {
    lines.push(`export const ${name} = /* @__PURE__ */ decodeValue(${JSON.stringify(value)});`);
  }
  return `${lines.join('\n')}\n`;
}

/** Which probes a probes file may lose: only those no assignment that uses the file needs. */
function droppedProbesByFile(ctx: BundleContext): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const a of ctx.assignments) {
    if (a.probesSource === null) continue;
    const prev = out.get(a.probesSource);
    out.set(a.probesSource, prev === undefined ? new Set(a.droppedProbes) : new Set([...prev].filter((n) => a.droppedProbes.has(n))));
  }
  return out;
}

export function kitPlugin(ctx: BundleContext): esbuild.Plugin {
  const assignmentsDir = path.join(ctx.catalogueRoot, 'assignments');
  const referenceDir = path.join(ctx.catalogueRoot, 'reference');
  const redirects = new Map<string, string>([
    [path.join(ctx.sourceRoot, 'grader', 'paths'), runtimeFile(ctx, 'kit-paths.ts')],
    [path.join(ctx.sourceRoot, 'grader', 'spec', 'discover'), runtimeFile(ctx, 'kit-discover.ts')],
  ]);
  const catalogueFile = runtimeFile(ctx, 'kit-catalogue.ts');
  const stubs = new Map([...ctx.helperStubs].map(([file, stub]) => [stripExt(file), stub]));
  // The stub's name in the bundle (esbuild heads each module with it): assignment/file.
  const stubName = (abs: string) => path.relative(assignmentsDir, abs).split(path.sep).join('/');
  const stubByName = new Map([...stubs].map(([abs, stub]) => [stubName(abs), stub]));
  const dropped = droppedProbesByFile(ctx);
  return {
    name: 'student-kit',
    setup(build) {
      build.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
        const abs = stripExt(path.resolve(args.resolveDir, args.path));
        const redirected = redirects.get(abs);
        if (redirected !== undefined) return { path: redirected };
        if (stubs.has(abs)) return { path: stubName(abs), namespace: 'kit-helper' };
        if (isInside(referenceDir, abs) || abs === referenceDir) {
          return { errors: [{ text: `${path.relative(ctx.catalogueRoot, args.importer)} imports ${args.path}: no reference code may enter the student kit` }] };
        }
        if (isInside(assignmentsDir, abs) && abs.split(path.sep).includes('examples')) {
          return { errors: [{ text: `${path.relative(ctx.catalogueRoot, args.importer)} imports an example submission (${args.path}): examples stay out of the student kit` }] };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'kit-helper' }, (args) => {
        const stub = stubByName.get(args.path);
        if (stub === undefined) return { errors: [{ text: `no replay stub for ${args.path}` }] };
        return { contents: helperStubSource(ctx, stub), loader: 'ts', resolveDir: path.dirname(catalogueFile) };
      });
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path === catalogueFile) return { contents: catalogueSource(ctx), loader: 'ts', resolveDir: path.dirname(catalogueFile) };
        if (!isInside(assignmentsDir, args.path)) return undefined;
        let text = fs.readFileSync(args.path, 'utf8');
        const drop = dropped.get(args.path);
        if (drop !== undefined) text = pruneProbes(args.path, text, drop);
        try {
          text = stripHiddenTests(args.path, text, ctx.hiddenIndex, ctx.hiddenOnly.get(args.path)).text;
        } catch (err) {
          return { errors: [{ text: (err as Error).message }] };
        }
        return { contents: text, loader: 'ts', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

export function commonOptions(ctx: BundleContext): esbuild.BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    charset: 'utf8',
    legalComments: 'none',
    minify: false,
    treeShaking: true,
    sourcemap: false,
    external: KIT_EXTERNALS,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ctx.sourceRoot,
    plugins: [kitPlugin(ctx)],
  };
}

/** The bare packages a bundle requires at run time (node builtins left out). */
export function externalPackages(metafile: esbuild.Metafile): string[] {
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const out = new Set<string>();
  const imports = [...Object.values(metafile.inputs), ...Object.values(metafile.outputs)].flatMap((x) => x.imports);
  for (const imp of imports) {
    // Bare specifiers only (esbuild also lists type-only relative imports it dropped).
    if (!imp.external || builtins.has(imp.path) || imp.path.startsWith('node:') || /^[./]/.test(imp.path)) continue;
    out.add(imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0]);
  }
  return [...out].sort();
}

function failure(what: string, err: unknown): KitBundleError {
  const failure = err as { errors?: esbuild.Message[] };
  const detail = failure.errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('; ') ?? (err as Error).message;
  return new KitBundleError(`bundling ${what} for the student kit failed: ${detail}`);
}

export interface KitBundles {
  /** Files written, relative to the kit grader package. */
  files: string[];
  /** Source files that went into the bundles, relative to sourceRoot. */
  inputs: string[];
  externals: string[];
}

/** Writes the kit grader's bundles into `graderDir` (the kit's .grader folder). */
export async function bundleKitGrader(ctx: BundleContext, graderDir: string): Promise<KitBundles> {
  const options = commonOptions(ctx);
  const files: string[] = [];
  const inputs = new Set<string>();
  const externals = new Set<string>();
  const build = async (what: string, entry: string, outRel: string) => {
    let result: esbuild.BuildResult;
    try {
      result = await esbuild.build({ ...options, entryPoints: [entry], outfile: path.join(graderDir, outRel) });
    } catch (err) {
      throw failure(what, err);
    }
    files.push(outRel);
    if (result.metafile !== undefined) {
      Object.keys(result.metafile.inputs).forEach((i) => inputs.add(i));
      externalPackages(result.metafile).forEach((e) => externals.add(e));
    }
  };
  await build('the command line', runtimeFile(ctx, 'kit-main.ts'), path.join('dist', 'cli.js'));
  await build('the runner', path.join(ctx.sourceRoot, 'grader', 'runner', 'runner-main.ts'), path.join('dist', 'grader', 'runner', 'runner-main.js'));
  // The type checker runs in a child process of its own (grader/compile/type-check-child.ts).
  await build('the type checker', path.join(ctx.sourceRoot, 'grader', 'compile', 'type-check-child-main.ts'), path.join('dist', 'grader', 'compile', 'type-check-child-main.js'));
  // Students' models are loaded and run in a judge process (grader/judge/judge-client.ts).
  await build('the judge', path.join(ctx.sourceRoot, 'grader', 'judge', 'judge-main.ts'), path.join('dist', 'grader', 'judge', 'judge-main.js'));
  for (const a of ctx.assignments) {
    if (a.probesSource !== null) await build(`the probes of ${a.id}`, a.probesSource, path.join('dist', 'probes', `${a.id}.js`));
  }
  return { files, inputs: [...inputs].sort(), externals: [...externals].sort() };
}

/**
 * One assignment's spec bundled on its own in memory (hidden tests stripped, helpers not yet
 * replaced): its code as the kit would run it, and the assignment files it is made of.
 */
export async function analysisBundle(ctx: BundleContext, a: BundledAssignment): Promise<{ code: string; inputs: string[] }> {
  let result: esbuild.BuildResult;
  try {
    result = await esbuild.build({
      ...commonOptions({ ...ctx, helperStubs: new Map() }),
      stdin: { contents: `export { spec } from ${JSON.stringify(a.specFile)};`, resolveDir: path.dirname(a.specFile), loader: 'ts' },
      write: false,
      outfile: 'spec.js',
      packages: 'external',
      external: undefined,
    });
  } catch (err) {
    throw failure(`the spec of ${a.id}`, err);
  }
  const code = result.outputFiles?.[0]?.text ?? '';
  const inputs = Object.keys(result.metafile?.inputs ?? {}).map((i) => path.resolve(ctx.sourceRoot, i));
  return { code, inputs };
}
