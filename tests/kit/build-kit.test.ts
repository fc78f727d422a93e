/**
 * The student kit built from the course's catalogue: its layout, its grader package, and what
 * it must not hold. Every file of it (.grader included) is searched for every reference file's
 * distinctive lines, every hidden test's name, its strings, the declarations only it uses and
 * the probes only it calls (grader/kit/leak-scan.ts); the search is shown to find each of
 * them when they are put in.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assignmentSourceFiles, probeNames } from '../../grader/kit/assignment-sources';
import { analyzeHidden, indexHidden } from '../../grader/kit/strip-hidden';
import { buildKit, kitDependencies, KitOutputNotEmptyError, type KitOutcome } from '../../grader/kit/build-kit';
import { scanKit } from '../../grader/kit/leak-scan';
import { ExpectedFileSchema } from '../../grader/kit/replay-format';
import { PACKAGE_ROOT } from '../../grader/paths';
import { discoverAssignments } from '../../grader/spec/discover';
import { freshKitDir, removeKit, runKitGrader } from './kit-helpers';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');
const { assignments } = discoverAssignments();

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

describe('grader kit', () => {
  let out: string;
  let kit: KitOutcome;
  let files: string[];
  const scratch: string[] = [];
  beforeAll(async () => {
    out = freshKitDir('build');
    kit = await buildKit({ out });
    files = filesUnder(out);
  }, 600_000);
  afterAll(() => [out, ...scratch].forEach(removeKit));

  it('has a folder per assignment with solution.ts, the statements and the contract', () => {
    expect(kit.manifest.assignments.map((a) => a.id)).toEqual(assignments.map((a) => a.id));
    for (const a of assignments) {
      expect(fs.readFileSync(path.join(out, a.id, 'solution.ts'), 'utf8')).toBe(fs.readFileSync(path.join(a.dir, 'starter.ts'), 'utf8'));
      for (const readme of ['README.md', 'README.ru.md']) {
        expect(fs.readFileSync(path.join(out, a.id, readme), 'utf8')).toBe(fs.readFileSync(path.join(a.dir, readme), 'utf8'));
      }
      // One file, importing nothing from outside the folder (a submission may not).
      expect(fs.readFileSync(path.join(out, a.id, 'contract.ts'), 'utf8')).not.toMatch(/from '\.\.?\//);
      expect(kit.manifest.assignments.find((m) => m.id === a.id)?.visible_tests).toEqual(
        a.spec.tests.filter((t) => t.visibility === 'visible').map((t) => ({ name: t.name, points: t.points })),
      );
    }
    expect(fs.statSync(path.join(out, '.githooks', 'pre-push')).mode & 0o111).not.toBe(0);
  });

  it('brings its grader as a file: dependency with registry packages only', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.dependencies['@tensorflow/tfjs']).toBe('4.22.0');
    expect(pkg.devDependencies['nn2-grader-kit']).toBe('file:.grader');
    expect(pkg.scripts).toEqual({ check: 'grader check', 'install-hook': 'git config core.hooksPath .githooks' });
    const grader = JSON.parse(fs.readFileSync(path.join(out, '.grader', 'package.json'), 'utf8')) as { name: string; bin: Record<string, string>; dependencies: Record<string, string>; scripts?: unknown };
    expect(grader.name).toBe('nn2-grader-kit');
    expect(grader.bin).toEqual({ grader: 'bin/grader.js' });
    expect(grader.dependencies).toEqual(kitDependencies());
    expect(Object.keys(grader.dependencies).sort()).toEqual(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'esbuild', 'mnist', 'typescript']);
    expect(grader.scripts).toBeUndefined();
    // What the bundles require is declared (tfjs-node is only tried, never required).
    for (const e of kit.externals) expect([...Object.keys(grader.dependencies), '@tensorflow/tfjs-node']).toContain(e);
    expect(fs.statSync(path.join(out, '.grader', 'bin', 'grader.js')).mode & 0o111).not.toBe(0);
  });

  it('holds no file besides the ones it lists, and no source of a spec, helper, probe, example or reference', () => {
    expect(files.map((f) => path.relative(out, f).split(path.sep).join('/')).sort()).toEqual(kit.files);
    const graderFiles = kit.files.filter((f) => f.startsWith('.grader/'));
    for (const f of graderFiles) {
      expect(f).toMatch(/^\.grader\/(package\.json|README\.md|bin\/grader\.js|dist\/cli\.js|dist\/grader\/runner\/runner-main\.js|dist\/grader\/compile\/type-check-child-main\.js|dist\/grader\/judge\/judge-main\.js|dist\/probes\/[a-z0-9-]+\.js|expected\/[a-z0-9-]+\.json|assignments\/[a-z0-9-]+\/(contract\.ts|reference-curve\.json))$/);
    }
    for (const f of kit.files.filter((x) => !x.startsWith('.grader/'))) {
      expect(f).toMatch(/^([a-z0-9-]+\/(solution\.ts|contract\.ts|README(\.ru)?\.md)|package\.json|tsconfig\.json|kit\.json|README\.md|\.gitignore|\.githooks\/pre-push)$/);
    }
  });

  it('holds no reference line, hidden test name, hidden string, hidden-only declaration or hidden-only probe', () => {
    const report = scanKit({ kitDir: out, catalogueRoot: PACKAGE_ROOT, assignments, sourceRoot: PACKAGE_ROOT });
    expect(report.findings).toEqual([]);
    for (const kind of ['reference-line', 'hidden-name', 'hidden-string', 'hidden-declaration', 'hidden-probe'] as const) {
      expect({ kind, searched: report.searched[kind] > 0 }).toEqual({ kind, searched: true });
    }
    // Every assignment has hidden tests, and the statements (copied verbatim) are the only place their names appear.
    for (const a of assignments) expect(a.spec.tests.some((t) => t.visibility === 'hidden')).toBe(true);
  });

  it('finds each kind of leak when one is put in', () => {
    const copy = freshKitDir('leaky');
    scratch.push(copy);
    fs.cpSync(out, copy, { recursive: true });
    const cli = path.join(copy, '.grader', 'dist', 'cli.js');
    const momentum = fs.readFileSync(path.join(PACKAGE_ROOT, 'reference', 'momentum-sgd.ts'), 'utf8');
    const referenceLine = momentum.split('\n').find((l) => l.includes('nextVelocities = velocities.map'));
    expect(referenceLine).toBeDefined();
    const hiddenName = assignments.find((a) => a.id === 'backprop')?.spec.tests.find((t) => t.visibility === 'hidden')?.name ?? '';
    // A probe only hidden tests call (found, not named here: probes are renamed as specs change).
    const assignmentsDir = path.join(PACKAGE_ROOT, 'assignments');
    const sources = [...new Set(assignments.flatMap((a) => assignmentSourceFiles(path.join(a.dir, 'spec.ts'), assignmentsDir)))].sort();
    const hidden = analyzeHidden(new Map(sources.map((f) => [f, fs.readFileSync(f, 'utf8')])), indexHidden(sources));
    const hiddenProbe = assignments
      .flatMap((a) => (a.spec.probes === undefined ? [] : probeNames(path.join(a.dir, a.spec.probes), fs.readFileSync(path.join(a.dir, a.spec.probes), 'utf8')).map((name) => ({ id: a.id, name }))))
      .find((p) => hidden.hiddenOnlyStrings.has(p.name));
    if (hiddenProbe === undefined) throw new Error('no assignment has a probe that only hidden tests call: nothing to plant');
    fs.appendFileSync(cli, `\n// assignments/backprop/spec.ts\nfunction finiteDifferenceExpectation(ctx, net) {}\nvar probes9 = defineProbes({ ${hiddenProbe.name}: () => 1 });\n${referenceLine}\n`);
    fs.appendFileSync(path.join(copy, '.grader', 'expected', 'backprop.json'), `\n${JSON.stringify(hiddenName)}\n`);
    const report = scanKit({ kitDir: copy, catalogueRoot: PACKAGE_ROOT, assignments, sourceRoot: PACKAGE_ROOT });
    const found = report.findings.map((f) => `${f.kind}:${f.assignment}`);
    expect(found).toEqual(expect.arrayContaining(['reference-line:momentum-sgd', 'hidden-name:backprop', 'hidden-declaration:backprop', `hidden-probe:${hiddenProbe.id}`]));
  });

  it('records the reference for visible tests only, and replaces the solution-bearing helpers', () => {
    for (const a of assignments) {
      const file = ExpectedFileSchema.parse(JSON.parse(fs.readFileSync(path.join(out, '.grader', 'expected', `${a.id}.json`), 'utf8')));
      const visible = new Set(a.spec.tests.filter((t) => t.visibility === 'visible').map((t) => t.name));
      for (const module of Object.values(file.modules)) for (const call of module.calls) expect(visible.has(call.test)).toBe(true);
    }
    expect(kit.recorded.filter((r) => r.usesReference).map((r) => r.id).sort()).toEqual(['autograd-graph', 'backprop', 'mnist-loader', 'mnist-test-loop', 'momentum-sgd']);
    const cli = fs.readFileSync(path.join(out, '.grader', 'dist', 'cli.js'), 'utf8');
    expect(cli).toMatch(/var stepWith = \/\* @__PURE__ \*\/ replayFunction\("momentum-sgd", "variants.ts", "stepWith"\)/);
    expect(cli).toMatch(/var backward64 = \/\* @__PURE__ \*\/ replayFunction\("backprop", "float64.ts", "backward64"\)/);
    // mnist-test-loop's trained model: its weights are replayed, the lecture's training loop is not shipped.
    expect(cli).toMatch(/var trainedLectureWeights = \/\* @__PURE__ \*\/ replayFunction\("mnist-test-loop", "trusted-training.ts", "trainedLectureWeights"\)/);
    expect(cli).not.toContain('function trainOneEpoch');
    expect(cli).not.toContain('tf.train.momentum(0.01, 0.9)');
  });

  it('lists exactly the visible tests from its own grader', () => {
    const run = runKitGrader(out, ['list', '--json']);
    expect(run.status).toBe(0);
    const listed = JSON.parse(run.stdout) as { assignments: Array<{ id: string; tests: Array<{ name: string; points: number; visibility: string }> }> };
    expect(listed.assignments).toEqual(
      assignments.map((a) => ({ id: a.id, title: a.spec.title, tests: a.spec.tests.filter((t) => t.visibility === 'visible').map((t) => ({ name: t.name, points: t.points, visibility: 'visible' })) })),
    );
  });

  it('refuses a folder that is not empty', async () => {
    await expect(buildKit({ out })).rejects.toThrow(KitOutputNotEmptyError);
  });

  it('runs as `grader kit --out DIR` (here for the demo fixture, and one assignment of it)', () => {
    const dir = freshKitDir('cli');
    scratch.push(dir);
    const run = spawnSync(process.execPath, [CLI, 'kit', '--out', dir, '--catalogue', path.join(PACKAGE_ROOT, 'tests', 'fixtures'), '--only', 'demo-add', '-q'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/kit written to/);
    expect(fs.existsSync(path.join(dir, 'demo-add', 'solution.ts'))).toBe(true);
    expect(fs.existsSync(path.join(dir, '.grader', 'dist', 'cli.js'))).toBe(true);
  });
});
