/**
 * What a student reads when their code throws (issue 13, item 4), on real gradings (wasm):
 * stack frames name their own .ts files and lines (the same file:line a type warning about
 * the statement shows), the export that threw is named even when a probe called it, a stub
 * is reported as not written yet, and a function that returned undefined is named; in
 * English and Russian.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { getAssignment } from '../../grader/spec/discover';
import { PACKAGE_ROOT } from '../../grader/paths';
import type { GradeResult } from '../../grader/results/result-schema';

const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');
const demo = getAssignment('demo-add', FIXTURES);

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

/** A submission root holding <id>/ with these files. */
function submission(id: string, files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'student-errors-'));
  roots.push(root);
  fs.mkdirSync(path.join(root, id));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, id, name), text);
  return root;
}

/** The 1-based line of the first line of `text` containing `marker`. */
function lineOf(text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`no ${marker}`);
  return i + 1;
}

function output(result: GradeResult, test: string): string {
  const t = result.tests.find((x) => x.name === test);
  if (t === undefined) throw new Error(`no test ${test}: ${result.tests.map((x) => x.name).join(', ')}`);
  return t.output;
}

const HELPERS = `// helpers for the demo
export function square(x: number): number {
  if (x > 5) {
    throw new Error(\`too big: \${x}\`); // THROW-HELPER
  }
  return x * x;
}

export function scaled(x: number): number {
  return x * missingScale; // REFERENCE-ERROR
}
`;

const SOLUTION = `import * as tf from '@tensorflow/tfjs';
import { square } from './helpers';

// a few lines so that the bundle's lines and the source's differ
interface Unused {
  a: number;
}

export function add(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.size > 0) {
    throw new RangeError('add broke'); // THROW-SOLUTION
  }
  return a.add(b);
}

export function sumOf(f: (x: number) => number, xs: number[]): number {
  let s = 0;
  for (const x of xs) s += square(x) + f(0); // CALLS-HELPER
  return s;
}
`;

describe('student errors name the student\'s function and map to their files', () => {
  it('maps frames to solution.ts and helpers.ts and names the export a probe called (en)', async () => {
    const root = submission('demo-add', { 'solution.ts': SOLUTION, 'helpers.ts': HELPERS.replace(/\n\nexport function scaled[\s\S]*$/, '\n') });
    const result = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm' });
    expect(result.status).toBe('graded');

    // Thrown in solution.ts by a directly called export.
    const add = output(result, 'add on a vector');
    const addLine = lineOf(SOLUTION, 'THROW-SOLUTION');
    expect(add).toMatch(new RegExp(`^add\\(\\) threw RangeError: add broke \\(at solution\\.ts:${addLine}:\\d+\\)`));
    expect(add).toContain(`at add (solution.ts:${addLine}:`);
    expect(add).not.toMatch(/solution\.js|runner-main|probes\.js|node_modules/);

    // Thrown in helpers.ts, called from sumOf, which the probe called: named sumOf(), not the probe.
    const sum = output(result, 'sumOf with a closure');
    const helperLine = lineOf(HELPERS, 'THROW-HELPER');
    const callLine = lineOf(SOLUTION, 'CALLS-HELPER');
    expect(sum).toMatch(new RegExp(`^sumOf\\(\\) threw Error: too big: \\d+ \\(at helpers\\.ts:${helperLine}:\\d+\\)`));
    expect(sum).toContain(`at square (helpers.ts:${helperLine}:`);
    expect(sum).toContain(`at sumOf (solution.ts:${callLine}:`);
    expect(sum.indexOf('helpers.ts')).toBeLessThan(sum.indexOf('at sumOf'));
    expect(sum).toContain('Test: sumOf with a closure');
    expect(sum).not.toMatch(/solution\.js|probes\.js|node_modules/);
  });

  it('gives a type warning and the runtime trace of one statement the same file:line:column (ru)', async () => {
    const solution = SOLUTION.replace("import { square } from './helpers';", "import { scaled as square } from './helpers';");
    const root = submission('demo-add', { 'solution.ts': solution, 'helpers.ts': HELPERS });
    const result = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm', lang: 'ru' });
    expect(result.status).toBe('graded');
    const line = lineOf(HELPERS, 'REFERENCE-ERROR');
    const warning = result.compile_errors?.find((d) => d.file === 'helpers.ts');
    expect(warning).toMatchObject({ line, severity: 'warning' });
    const where = `helpers.ts:${line}:${warning?.column}`;
    expect(result.output).toContain(`${where} - warning TS2304`);
    const sum = output(result, 'sumOf with a closure');
    expect(sum).toMatch(/^Функция sumOf\(\) выбросила исключение ReferenceError: missingScale is not defined/);
    expect(sum).toContain(`(в ${where})`);
    expect(sum).toContain(`at scaled (${where})`);
    expect(sum).toContain('Тест: sumOf with a closure');
  });

  it('says a stub is not written yet, naming it, and maps a top-level throw', async () => {
    const stub = `import * as tf from '@tensorflow/tfjs';
export function add(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  throw new Error('not implemented');
}
export function sumOf(f: (x: number) => number, xs: number[]): number {
  throw new Error('TODO: implement sumOf');
}
`;
    const root = submission('demo-add', { 'solution.ts': stub });
    const en = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm' });
    expect(output(en, 'add on a vector')).toMatch(/^add\(\) is not written yet: it throws "not implemented" \(solution\.ts:3:\d+\)/);
    expect(output(en, 'sumOf with a closure')).toMatch(/^sumOf\(\) is not written yet: it throws "TODO: implement sumOf" \(solution\.ts:6:\d+\)/);
    const ru = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm', lang: 'ru' });
    expect(output(ru, 'sumOf with a closure')).toMatch(/^Функция sumOf\(\) ещё не написана: она бросает «TODO: implement sumOf» \(solution\.ts:6:\d+\)/);

    const atImport = submission('demo-add', {
      'solution.ts': `import * as tf from '@tensorflow/tfjs';
import { boot } from './boot';
export const table = boot();
export function add(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return a.add(b); }
export function sumOf(f: (x: number) => number, xs: number[]): number { return xs.reduce((s, x) => s + f(x), 0); }
`,
      'boot.ts': `export function boot(): number[] {\n  throw new Error('no table');\n}\n`,
    });
    const loaded = await gradeAssignment({ assignment: demo, submissionDir: atImport, backend: 'wasm' });
    const text = output(loaded, 'add on a vector');
    expect(text).toMatch(/^loading solution\.ts failed: the module's top-level code threw Error: no table/);
    expect(text).toContain('at boot (boot.ts:2:');
    expect(text).toMatch(/at solution\.ts:3:\d+/);
  });
});

describe('timeouts name the export that was running', () => {
  it('a probe that called an endless sumOf() reports sumOf(), in en and ru', async () => {
    const root = submission('demo-add', {
      'solution.ts': `import * as tf from '@tensorflow/tfjs';
export function add(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return a.add(b); }
export function sumOf(f: (x: number) => number, xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i += 0) s += f(xs[i]);
  return s;
}
`,
    });
    const en = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm', visibleOnly: true });
    const t = en.tests.find((x) => x.name === 'sumOf with a closure');
    expect(t?.status).toBe('timeout');
    expect(t?.output).toMatch(/^sumOf\(\) did not finish within \d+\.\d s \(an endless loop, or a promise that never settles\?\)\nTest: sumOf with a closure$/);
    const ru = await gradeAssignment({ assignment: demo, submissionDir: root, backend: 'wasm', visibleOnly: true, lang: 'ru' });
    expect(ru.tests.find((x) => x.name === 'sumOf with a closure')?.output).toMatch(/^Функция sumOf\(\) не завершилась за \d+\.\d с/);
  });
});

describe('on a real assignment', () => {
  it('momentum-sgd: the starter is not written yet, and an undefined return is named (en, ru)', async () => {
    const starter = fs.readFileSync(path.join(PACKAGE_ROOT, 'assignments', 'momentum-sgd', 'starter.ts'), 'utf8');
    const assignment = getAssignment('momentum-sgd');
    const root = submission('momentum-sgd', { 'solution.ts': starter });
    const line = lineOf(starter, "throw new Error('TODO: implement momentumStep')");
    const en = await gradeAssignment({ assignment, submissionDir: root, backend: 'wasm', visibleOnly: true });
    const first = en.tests[0];
    expect(first.status).toBe('error');
    expect(first.output).toMatch(new RegExp(`^momentumStep\\(\\) is not written yet: it throws "TODO: implement momentumStep" \\(solution\\.ts:${line}:\\d+\\)`));
    const ru = await gradeAssignment({ assignment, submissionDir: root, backend: 'wasm', lang: 'ru', visibleOnly: true });
    expect(ru.tests[0].output).toMatch(/^Функция momentumStep\(\) ещё не написана/);

    // A stub that returns nothing: where the test's own code then fails on undefined, the
    // message names the function that returned it.
    const empty = starter.replace(/throw new Error\('TODO: implement (\w+)'\);/g, 'return undefined as never;');
    const undefRoot = submission('momentum-sgd', { 'solution.ts': empty });
    const all = await gradeAssignment({ assignment, submissionDir: undefRoot, backend: 'wasm', visibleOnly: true });
    const crashed = all.tests.filter((t) => t.status === 'error');
    expect(crashed.length).toBeGreaterThan(0);
    for (const t of crashed) {
      expect(t.output).toMatch(/^(momentumStep|minimize)\(\) returned undefined \(not written yet, or a missing return\?\)/);
    }
  });

  it('mnist-test-loop: an error in a helper file under evaluate() names evaluate(), not the probe', async () => {
    const helpers = `import * as tf from '@tensorflow/tfjs';
export function batchLoss(logits: tf.Tensor, y: tf.Tensor): number {
  if (logits.shape[0] !== 1000) {
    throw new Error('unexpected batch'); // THROW
  }
  return 0;
}
`;
    const solution = `import * as tf from '@tensorflow/tfjs';
import { batchLoss } from './helpers';

export function evaluate(model: tf.LayersModel, data: Iterable<{ x: tf.Tensor; y: tf.Tensor }>): { loss: number; accuracy: number } {
  let loss = 0;
  for (const { x, y } of data) {
    const logits = model.predict(x) as tf.Tensor;
    loss += batchLoss(logits, y); // CALL
  }
  return { loss, accuracy: 0 };
}
`;
    const root = submission('mnist-test-loop', { 'solution.ts': solution, 'helpers.ts': helpers });
    const result = await gradeAssignment({ assignment: getAssignment('mnist-test-loop'), submissionDir: root, backend: 'wasm', visibleOnly: true });
    const t = result.tests[0];
    expect(t.status).toBe('error');
    expect(t.output).toMatch(new RegExp(`^evaluate\\(\\) threw Error: unexpected batch \\(at helpers\\.ts:${lineOf(helpers, 'THROW')}:\\d+\\)`));
    expect(t.output).toContain(`at evaluate (solution.ts:${lineOf(solution, 'CALL')}:`);
    expect(t.output).not.toContain(`${t.name} threw`);
  });
});
