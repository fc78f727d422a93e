/**
 * An example submission graded once per `jest` run, whichever test file asks first.
 *
 * The example-verdict shards, the kit's parity tests and the report-figure tests all need the
 * server's grading of the same example submissions; an MNIST grading trains for a minute, and
 * grading each example three times made the suite a third longer. The first test file to ask
 * for an example claims it (a claim file created exclusively), grades it and stores the result;
 * a file that asks while the claim is held waits for the result (the grading is what it would
 * have done itself, so waiting costs nothing). A claim whose process died is taken over.
 *
 * Outside a jest run with the shared folder (tests/jest/shared-dir.js), it simply grades.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import type { GradeResult } from '../../grader/results/result-schema';
import type { LoadedAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, type Example } from '../../grader/spec/examples';

/** How often a waiting file looks again, besides the folder's change events. */
const RECHECK_MS = 1_000;

async function gradeHere(assignment: LoadedAssignment, example: Example): Promise<GradeResult> {
  const root = exampleAsSubmission(assignment, example);
  try {
    return await gradeAssignment({ assignment, submissionDir: root, backend: 'wasm' });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves when something changes in `dir`, or after RECHECK_MS. */
function change(dir: string): Promise<void> {
  return new Promise((resolve) => {
    let watcher: fs.FSWatcher | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, RECHECK_MS);
    try {
      watcher = fs.watch(dir, done);
    } catch {
      // No watch here: the recheck timer is enough.
    }
  });
}

/**
 * The full grading (visible and hidden tests, wasm backend, the default sandbox) of one example,
 * shared between the test files of this jest run.
 */
export async function gradeExampleOnce(assignment: LoadedAssignment, example: Example): Promise<GradeResult> {
  const shared = process.env.GRADER_TEST_SHARED_DIR;
  if (shared === undefined || !fs.existsSync(shared)) return gradeHere(assignment, example);
  const dir = path.join(shared, 'graded-examples');
  fs.mkdirSync(dir, { recursive: true });
  // The catalogue is part of the name: the fixtures' demo-add and the course's assignments differ.
  const key = `${path.basename(path.dirname(path.dirname(assignment.dir)))}--${assignment.id}--${example.name}`.replace(/[^\w.-]/g, '_');
  const resultFile = path.join(dir, `${key}.json`);
  const claimFile = path.join(dir, `${key}.claim`);
  for (;;) {
    if (fs.existsSync(resultFile)) return JSON.parse(fs.readFileSync(resultFile, 'utf8')) as GradeResult;
    let claimed = false;
    try {
      fs.writeFileSync(claimFile, String(process.pid), { flag: 'wx' });
      claimed = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (claimed) {
      try {
        const result = await gradeHere(assignment, example);
        const temporary = `${resultFile}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, JSON.stringify(result));
        fs.renameSync(temporary, resultFile);
        return result;
      } finally {
        // On success the result is there before the claim goes; on failure a waiter grades it.
        fs.rmSync(claimFile, { force: true });
      }
    }
    const holder = Number.parseInt(fs.existsSync(claimFile) ? fs.readFileSync(claimFile, 'utf8') : '', 10);
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      fs.rmSync(claimFile, { force: true });
      continue;
    }
    await change(dir);
  }
}
