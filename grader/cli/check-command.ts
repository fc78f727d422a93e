/**
 * `grader check [assignment]`: a student's pre-push check. Grades the working copy's
 * assignment folders on the visible tests only, with progress lines on stderr, the table and
 * a summary on stdout (or the result JSON with --json).
 *
 * Exit codes: 0 every visible test passed; 1 something did not pass (including a compile
 * error or a missing folder); 2 nothing could be graded (no assignment folder, unknown id,
 * the grader itself failed). So it works as a git pre-push hook.
 *
 * Without OS isolation (a laptop) it runs anyway, the student's own code, with a one-line
 * warning, and labels the result provisional.
 */
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { formatResultText } from '../report/format-text';
import type { GradeResult } from '../results/result-schema';
import type { GradeEvent } from '../run/grade-assignment';
import { gradeSubmission } from '../run/grade-submission';
import { resolveSandbox } from '../sandbox';
import { BACKEND_NAMES, type BackendName } from '../tensors';

interface CheckFlags {
  dir: string;
  json?: boolean;
  backend?: BackendName;
  lang: 'en' | 'ru';
  catalogue?: string;
  progress: boolean;
}

export interface CheckOptions {
  /** The working copy: the folder holding <assignment-id>/solution.ts. */
  dir: string;
  assignment?: string;
  json?: boolean;
  backend?: BackendName;
  lang?: 'en' | 'ru';
  /** Root holding assignments/ and reference/ (default: the grader's own). */
  catalogue?: string;
  /** Progress lines on stderr (default true). */
  progress?: boolean;
  color?: boolean;
}

export interface CheckIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr is a terminal: progress overwrites its line instead of adding lines. */
  errIsTty: boolean;
}

export interface CheckOutcome {
  exitCode: 0 | 1 | 2;
  results: GradeResult[];
  provisional: boolean;
}

function allPassed(r: GradeResult): boolean {
  return r.status === 'graded' && r.tests.every((t) => t.status === 'passed');
}

/** Exit code of a finished check: 2 when the grader broke, 1 when anything did not pass. */
export function checkExitCode(results: GradeResult[]): 0 | 1 | 2 {
  if (results.length === 0 || results.some((r) => r.status === 'error')) return 2;
  return results.every(allPassed) ? 0 : 1;
}

function describeProgress(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof record.epoch === 'number') parts.push(`epoch ${record.epoch + 1}`);
  if (typeof record.loss === 'number') parts.push(`loss ${record.loss.toFixed(4)}`);
  if (typeof record.ms === 'number') parts.push(`${(record.ms / 1000).toFixed(1)} s`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** Progress lines on stderr, like tqdm: one per test, and the epochs of long ones. */
function progressPrinter(io: CheckIo): (event: GradeEvent) => void {
  let testStarted = 0;
  let pending = false;
  const clear = () => {
    if (pending && io.errIsTty) io.err('\r\x1b[2K');
    pending = false;
  };
  return (event) => {
    switch (event.type) {
      case 'compiled':
        io.err(`${event.assignment}: ${event.ok ? 'compiled' : 'did not compile'}\n`);
        break;
      case 'test-started':
        testStarted = Date.now();
        clear();
        io.err(`[${event.index + 1}/${event.total}] ${event.test} …${io.errIsTty ? '' : '\n'}`);
        pending = io.errIsTty;
        break;
      case 'progress': {
        const text = describeProgress(event.data);
        if (text === undefined) break;
        clear();
        io.err(io.errIsTty ? `    ${event.test}: ${text}` : `    ${text}\n`);
        pending = io.errIsTty;
        break;
      }
      case 'test-finished': {
        clear();
        const seconds = ((Date.now() - testStarted) / 1000).toFixed(1);
        io.err(`[${event.index + 1}/${event.total}] ${event.test.name}: ${event.test.status} (${seconds} s)\n`);
        break;
      }
    }
  };
}

function summary(results: GradeResult[], provisional: boolean): string {
  const tests = results.flatMap((r) => r.tests);
  const passed = tests.filter((t) => t.status === 'passed').length;
  const score = results.reduce((s, r) => s + r.score, 0);
  const max = results.reduce((s, r) => s + r.max_score, 0);
  const verdict = results.every(allPassed) ? 'all visible tests pass' : 'some visible tests do not pass';
  const label = provisional ? ' (provisional: graded without an OS sandbox)' : '';
  return `Visible tests: ${passed}/${tests.length} passed, ${Number.isInteger(score) ? score : score.toFixed(2)}/${max} points; ${verdict}${label}. Hidden tests run on the server only.`;
}

export async function runCheck(options: CheckOptions, io: CheckIo): Promise<CheckOutcome> {
  // The student's own code on their own machine: run without OS isolation if need be.
  const sandbox = resolveSandbox({ require: false, allowInsecure: true });
  const provisional = sandbox.warning !== undefined;
  if (sandbox.warning !== undefined) io.err(`grader check: ${sandbox.warning.replace(/^warning: /, '')}; the result is provisional\n`);
  const results = await gradeSubmission({
    launcher: sandbox.launcher,
    submissionDir: path.resolve(options.dir),
    assignmentIds: options.assignment !== undefined ? [options.assignment] : undefined,
    backend: options.backend,
    visibleOnly: true,
    lang: options.lang ?? 'en',
    catalogueRoot: options.catalogue !== undefined ? path.resolve(options.catalogue) : undefined,
    onEvent: options.progress === false ? undefined : progressPrinter(io),
  });
  const exitCode = checkExitCode(results);
  if (options.json) {
    const labelled = results.map((r) => ({ ...r, provisional }));
    const payload = options.assignment !== undefined || labelled.length === 1 ? labelled[0] : labelled;
    io.out(`${JSON.stringify(payload, null, 2)}\n`);
  } else {
    const table = results.map((r) => formatResultText(r, { color: options.color ?? false })).join('\n\n');
    io.out(`${table}\n\n${summary(results, provisional)}\n`);
  }
  return { exitCode, results, provisional };
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .argument('[assignment]', 'the assignment to check (default: every assignment folder present)')
    .description('grade your working copy on the visible tests (exit 0 only when all of them pass)')
    .option('-d, --dir <dir>', 'the working copy, holding <assignment-id>/solution.ts', '.')
    .option('--json', 'print the result JSON instead of the table')
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKEND_NAMES]))
    .addOption(new Option('--lang <lang>', 'language of messages').choices(['en', 'ru']).default('en'))
    .option('--catalogue <dir>', "a folder holding assignments/ and reference/ (default: the grader's own)")
    .option('--no-progress', 'no progress lines on stderr')
    .action(async (assignment: string | undefined, flags: CheckFlags) => {
      const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
      const io: CheckIo = {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        errIsTty: process.stderr.isTTY === true,
      };
      let code: 0 | 1 | 2;
      try {
        const outcome = await runCheck(
          { dir: flags.dir, assignment, json: flags.json, backend: flags.backend, lang: flags.lang, catalogue: flags.catalogue, progress: flags.progress, color },
          io,
        );
        code = outcome.exitCode;
      } catch (err) {
        process.stderr.write(`grader check: ${err instanceof Error ? err.message : String(err)}\n`);
        code = 2;
      }
      process.exitCode = code;
    });
}
