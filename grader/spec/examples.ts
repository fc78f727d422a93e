/**
 * Example submissions shipped with an assignment (assignments/<id>/examples/<name>/), each
 * with the verdict it must get (expected.json). They document the typical student bugs and
 * keep the specs honest: a parametrised test grades every one of them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import type { LoadedAssignment } from './discover';

const TestStatus = z.enum(['passed', 'failed', 'error', 'timeout', 'killed']);

export const ExpectedVerdictSchema = z
  .object({
    status: z.enum(['graded', 'compile_error', 'missing', 'error']),
    /** Tests that must not pass; every other test must pass. */
    failing: z.array(z.string()).default([]),
    /** Exact statuses for some tests (error, timeout, killed…). */
    statuses: z.record(TestStatus).default({}),
    /** A substring each named test's message must contain (the mistake, named). */
    messages: z.record(z.string()).default({}),
    /**
     * The spec's requirement ids this example breaks (empty for a correct solution). Every
     * failing test must grade one of them, and each of them must be graded by a failing test.
     */
    breaks: z.array(z.string()).default([]),
    /** What bug the example shows (or, for a correct one, in what style it is written). */
    note: z.string(),
  })
  .strict();
export type ExpectedVerdict = z.infer<typeof ExpectedVerdictSchema>;

export interface Example {
  name: string;
  dir: string;
  expected: ExpectedVerdict;
}

export function listExamples(assignment: LoadedAssignment): Example[] {
  const base = path.join(assignment.dir, 'examples');
  if (!fs.existsSync(base)) return [];
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const dir = path.join(base, name);
      const raw: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      const parsed = ExpectedVerdictSchema.safeParse(raw);
      if (!parsed.success) {
        throw new Error(`${assignment.id}/examples/${name}/expected.json: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      return { name, dir, expected: parsed.data };
    });
}

/**
 * Lays an example out as a submission (a root holding <id>/ with the example's files) in a
 * fresh temporary folder; returns the root. The caller removes it.
 */
export function exampleAsSubmission(assignment: LoadedAssignment, example: Example): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `example-${assignment.id}-`));
  const target = path.join(root, assignment.id);
  fs.mkdirSync(target);
  for (const file of fs.readdirSync(example.dir)) {
    if (file === 'expected.json') continue;
    fs.copyFileSync(path.join(example.dir, file), path.join(target, file));
  }
  return root;
}
