/**
 * In the student kit: the reference (and the replaced helper modules, see kit-policy.ts) as
 * replays of the values recorded at kit build time (`.grader/expected/<id>.json`).
 *
 * A call is looked up by the running test, the function and its arguments' fingerprint:
 * first the same occurrence of the same arguments in the same test, then the same
 * arguments anywhere, then arguments that are close (another machine's rounding). The value
 * comes back as the module gave it: tensors (fresh ones, the caller owns them), generators,
 * promises. A call of the reference that was never recorded is a grader error that says so,
 * never a wrong verdict; a hint helper's returns a value that matches no answer.
 *
 * The running test comes from the grading events (trackGradeEvent), as grade-assignment
 * reports them to the check command.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GradeEvent } from '../../run/grade-assignment';
import {
  decodeValue,
  ExpectedFileSchema,
  poisonValue,
  REFERENCE_MODULE,
  sketchesClose,
  sketchKey,
  sketchValue,
  type ExpectedFile,
  type Json,
  type RecordedCall,
  type RecordedModule,
} from '../replay-format';

export class ReplayError extends Error {
  readonly code: 'KIT_REPLAY_MISSING' | 'KIT_EXPECTED_MISSING';
  constructor(code: ReplayError['code'], message: string) {
    super(message);
    this.code = code;
    this.name = 'ReplayError';
  }
}

let expectedDir: string | undefined;
let currentTest = '';
const occurrences = new Map<string, number>();
const files = new Map<string, ExpectedFile>();

/** Where the expected files are: the kit's `.grader/expected` (kit-discover sets it). */
export function setExpectedDir(dir: string): void {
  expectedDir = dir;
  files.clear();
}

/** Follows grading: each test's calls are counted from its start. */
export function trackGradeEvent(event: GradeEvent): void {
  if (event.type === 'test-started') {
    currentTest = event.test;
    occurrences.clear();
  }
}

function expectedFile(assignment: string): ExpectedFile {
  let file = files.get(assignment);
  if (file === undefined) {
    if (expectedDir === undefined) throw new ReplayError('KIT_EXPECTED_MISSING', 'grader bug: the folder of the recorded values was never set');
    const where = path.join(expectedDir, `${assignment}.json`);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(where, 'utf8'));
    } catch (err) {
      throw new ReplayError('KIT_EXPECTED_MISSING', `the kit's recorded values for ${assignment} cannot be read (${where}: ${(err as Error).message}); reinstall the kit`);
    }
    const parsed = ExpectedFileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ReplayError('KIT_EXPECTED_MISSING', `the kit's recorded values for ${assignment} are malformed (${where}): ${parsed.error.issues[0]?.message ?? ''}`);
    }
    file = parsed.data;
    files.set(assignment, file);
  }
  return file;
}

function moduleOf(assignment: string, module: string): RecordedModule {
  const found = expectedFile(assignment).modules[module];
  if (found === undefined) {
    throw new ReplayError('KIT_EXPECTED_MISSING', `the kit holds no recorded values of ${module} for ${assignment}; reinstall the kit`);
  }
  return found;
}

function choose(calls: RecordedCall[], test: string, key: string, n: number, args: Json): RecordedCall | undefined {
  const same = calls.filter((c) => c.key === key);
  const close = same.length > 0 ? [] : calls.filter((c) => sketchesClose(c.args, args));
  for (const pool of [same, close]) {
    const inTest = pool.filter((c) => c.test === test);
    const found = inTest.find((c) => c.n === n) ?? inTest[inTest.length - 1] ?? pool[0];
    if (found !== undefined) return found;
  }
  return undefined;
}

function* replayItems(items: Json[]): Generator<unknown> {
  for (const item of items) yield decodeValue(item);
}

/** The recorded value as the module returned it. */
function revive(value: Json): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$iter') return replayItems(value.$iter as Json[]);
    if (keys.length === 1 && keys[0] === '$p') return Promise.resolve(revive(value.$p));
  }
  return decodeValue(value);
}

function describeArgs(args: Json): string {
  const text = JSON.stringify(args);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** One function of a replayed module. */
export function replayFunction(assignment: string, module: string, fn: string): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const recorded = moduleOf(assignment, module);
    const sketch = sketchValue(args);
    const key = sketchKey(sketch);
    const counter = `${module}\u0000${fn}\u0000${key}`;
    const n = occurrences.get(counter) ?? 0;
    occurrences.set(counter, n + 1);
    const calls = recorded.calls.filter((c) => c.fn === fn);
    const found = choose(calls, currentTest, key, n, sketch);
    if (found !== undefined) return revive(found.value);
    if (recorded.onMissing === 'no-match' && calls.length > 0) return revive(poisonValue(calls[0].value));
    const what = module === REFERENCE_MODULE ? 'the reference' : module;
    throw new ReplayError(
      'KIT_REPLAY_MISSING',
      `the student kit has no recorded value of ${what}'s ${fn}() for these arguments in the test '${currentTest}' (call ${n + 1}): the kit is older than the assignment, or the test depends on something the kit cannot replay. This is not a mistake of yours; tell the instructors. Arguments: ${describeArgs(sketch)}`,
    );
  };
}

/** What `ctx.reference` is in the kit: every function the reference exported, replayed. */
export function referenceReplay(assignment: string): Record<string, unknown> {
  const recorded = moduleOf(assignment, REFERENCE_MODULE);
  const names = new Set([...recorded.exports, ...recorded.calls.map((c) => c.fn)]);
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = replayFunction(assignment, REFERENCE_MODULE, name);
  for (const [name, value] of Object.entries(recorded.data)) out[name] = decodeValue(value);
  return out;
}
