/**
 * Records, at kit build time, what the visible tests ask of the modules the kit replaces (the
 * reference, and the helpers of kit-policy.ts): each function export of those modules is
 * wrapped in place while example submissions are graded in this (trusted) process, visible
 * tests only, and every call is written down with the running test, a fingerprint of its
 * arguments and the value it returned (replay-format.ts).
 *
 * Which examples: the reference's values do not depend on the submission, so the examples
 * that pass every visible test suffice (and each must pass them all, or the recording is
 * refused); a helper's calls happen when a test fails, so for an assignment with helpers
 * every example is graded (they are its typical mistakes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeModulePath } from '../paths';
import type { Launcher } from '../runner/launch';
import { gradeAssignment, type GradeEvent } from '../run/grade-assignment';
import type { LoadedAssignment } from '../spec/discover';
import { exampleAsSubmission, listExamples, type Example } from '../spec/examples';
import type { BackendName } from '../tensors';
import { GRADER_VERSION } from '../version';
import type { ReplayedHelper } from './kit-policy';
import {
  encodeValue,
  EXPECTED_FORMAT,
  isIterator,
  RecordingError,
  REFERENCE_MODULE,
  sketchKey,
  sketchValue,
  type ExpectedFile,
  type Json,
  type RecordedCall,
  type RecordedModule,
} from './replay-format';

export interface RecordOptions {
  assignment: LoadedAssignment;
  /** Whether the visible tests read ctx.reference (otherwise nothing is graded for it). */
  usesReference: boolean;
  helpers: readonly ReplayedHelper[];
  backend: BackendName;
  launcher?: Launcher;
  log?: (line: string) => void;
}

export interface Recording {
  file: ExpectedFile;
  /** Per helper file: its function exports and its other exports (JSON form). */
  helpers: Map<string, { functions: string[]; data: Record<string, Json> }>;
  /** Examples graded, with how long each took. */
  graded: Array<{ example: string; ms: number }>;
}

type AnyFunction = (...args: unknown[]) => unknown;

class ModuleRecorder {
  readonly calls: RecordedCall[] = [];
  private readonly seen = new Set<string>();
  readonly functions: string[] = [];
  readonly data: Record<string, Json> = {};
  private readonly restore: Array<() => void> = [];

  constructor(
    readonly name: string,
    private readonly exportsObject: Record<string, unknown>,
    private readonly session: RecordingSession,
  ) {
    for (const [key, value] of Object.entries(exportsObject)) {
      if (key === '__esModule') continue;
      if (typeof value === 'function') this.functions.push(key);
      else this.data[key] = encodeValue(value, `${name}.${key}`);
    }
  }

  patch(): void {
    for (const fn of this.functions) {
      const original = this.exportsObject[fn] as AnyFunction;
      const wrapper = this.wrap(fn, original);
      this.exportsObject[fn] = wrapper;
      if (this.exportsObject[fn] !== wrapper) throw new RecordingError(`${this.name}: the export ${fn} cannot be replaced for recording`);
      this.restore.push(() => {
        this.exportsObject[fn] = original;
      });
    }
  }

  unpatch(): void {
    this.restore.splice(0).forEach((r) => r());
  }

  private add(call: RecordedCall): void {
    const id = `${call.test}\u0000${call.fn}\u0000${call.n}\u0000${call.key}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.calls.push(call);
  }

  private wrap(fn: string, original: AnyFunction): AnyFunction {
    const recorder = this;
    return function recorded(this: unknown, ...args: unknown[]): unknown {
      const session = recorder.session;
      const test = session.currentTest;
      const sketch = sketchValue(args);
      const key = sketchKey(sketch);
      const n = session.occurrence(`${recorder.name}\u0000${fn}\u0000${key}`);
      const where = `${recorder.name}.${fn}() in '${test}'`;
      const result = original.apply(this, args);
      if (isIterator(result)) {
        const items: Json[] = [];
        recorder.add({ test, fn, n, key, args: sketch, value: { $iter: items } });
        return (function* replayable(): Generator<unknown> {
          try {
            for (;;) {
              const step = result.next();
              if (step.done === true) return step.value;
              items.push(encodeValue(step.value, `${where}, item ${items.length}`));
              yield step.value;
            }
          } finally {
            result.return?.(undefined);
          }
        })();
      }
      if (result instanceof Promise) {
        return result.then((value: unknown) => {
          recorder.add({ test, fn, n, key, args: sketch, value: { $p: encodeValue(value, where) } });
          return value;
        });
      }
      recorder.add({ test, fn, n, key, args: sketch, value: encodeValue(result, where) });
      return result;
    };
  }

  toRecorded(onMissing: RecordedModule['onMissing']): RecordedModule {
    return { onMissing, exports: [...this.functions], data: this.data, calls: this.calls };
  }
}

class RecordingSession {
  currentTest = '';
  private readonly counts = new Map<string, number>();

  onEvent = (event: GradeEvent): void => {
    if (event.type === 'test-started') {
      this.currentTest = event.test;
      this.counts.clear();
    }
  };

  occurrence(key: string): number {
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return n;
  }
}

function loadModule(modulePath: string): Record<string, unknown> {
  return require(modulePath) as Record<string, unknown>;
}

function passesEverything(example: Example): boolean {
  return example.expected.status === 'graded' && example.expected.failing.length === 0;
}

export async function recordExpected(options: RecordOptions): Promise<Recording> {
  const { assignment, helpers } = options;
  const session = new RecordingSession();
  const reference = new ModuleRecorder(REFERENCE_MODULE, loadModule(assignment.referenceModule), session);
  const helperRecorders = helpers.map((h) => {
    const source = path.join(assignment.dir, h.file);
    if (!fs.existsSync(source)) throw new RecordingError(`kit policy: ${assignment.id}/${h.file} does not exist`);
    return { helper: h, recorder: new ModuleRecorder(h.file, loadModule(codeModulePath(source)), session) };
  });
  const examples = listExamples(assignment);
  const passing = examples.filter(passesEverything);
  if (options.usesReference && passing.length === 0) {
    throw new RecordingError(`${assignment.id}: its visible tests use the reference, but no example passes every visible test to record the reference's values with`);
  }
  const toGrade = helpers.length > 0 ? examples : options.usesReference ? passing : [];
  const graded: Recording['graded'] = [];
  const all = [reference, ...helperRecorders.map((h) => h.recorder)];
  all.forEach((r) => r.patch());
  try {
    for (const example of toGrade) {
      const root = exampleAsSubmission(assignment, example);
      const started = Date.now();
      try {
        const result = await gradeAssignment({
          assignment,
          submissionDir: root,
          backend: options.backend,
          visibleOnly: true,
          launcher: options.launcher,
          onEvent: session.onEvent,
        });
        const broke = result.tests.filter((t) => t.output.startsWith('internal grader error'));
        if (result.status === 'error' || broke.length > 0) {
          throw new RecordingError(`${assignment.id}/examples/${example.name}: the grader failed while recording: ${result.output ?? broke.map((t) => t.output).join('\n')}`);
        }
        if (passesEverything(example) && !(result.status === 'graded' && result.tests.every((t) => t.status === 'passed'))) {
          const failed = result.tests.filter((t) => t.status !== 'passed').map((t) => `${t.name}: ${t.status}`);
          throw new RecordingError(`${assignment.id}/examples/${example.name} should pass every visible test, but ${failed.join('; ') || result.status}`);
        }
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
      graded.push({ example: example.name, ms: Date.now() - started });
      options.log?.(`  recorded ${assignment.id}/examples/${example.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    all.forEach((r) => r.unpatch());
  }
  for (const { helper, recorder } of helperRecorders) {
    const recordedFns = new Set(recorder.calls.map((c) => c.fn));
    if (recordedFns.size === 0 && toGrade.length > 0) {
      throw new RecordingError(`${assignment.id}/${helper.file}: no call was recorded while grading the examples; is it still used by the visible tests?`);
    }
  }
  const modules: ExpectedFile['modules'] = { [REFERENCE_MODULE]: reference.toRecorded('error') };
  for (const { helper, recorder } of helperRecorders) modules[helper.file] = recorder.toRecorded(helper.onMissing);
  return {
    file: { format: EXPECTED_FORMAT, assignment: assignment.id, grader_version: GRADER_VERSION, backend: options.backend, modules },
    helpers: new Map(helperRecorders.map(({ helper, recorder }) => [helper.file, { functions: [...recorder.functions], data: recorder.data }])),
    graded,
  };
}
