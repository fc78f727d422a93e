/**
 * `grader check [assignment]`: a student's pre-push check. Grades the working copy's
 * assignment folders on the visible tests only, with progress on stderr (a bar that redraws
 * on a terminal, plain lines elsewhere), the table and a summary on stdout (or the result
 * JSON with --json), and an HTML report file like the server's (grader-report.html in the
 * working copy unless --html says where, or --no-html).
 *
 * Exit codes: 0 every visible test passed; 1 something did not pass (including a compile
 * error or a missing folder); 2 nothing could be graded (no assignment folder, unknown id,
 * the grader itself failed). So it works as a git pre-push hook.
 *
 * Without OS isolation (a laptop) it runs anyway, the student's own code, with a one-line
 * warning, and labels the result provisional.
 *
 * The same command runs inside a student kit (grader/kit), registered with `kit` set: the
 * working copy is then the kit (found upwards from the current folder), there is no
 * --catalogue, and every grading event also goes to the kit's replay of the reference.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { STATUS_MARKS, STATUS_SGR, formatResultText } from '../report/format-text';
import type { GradeResult } from '../results/result-schema';
import type { GradeEvent } from '../run/grade-assignment';
import { gradeSubmission } from '../run/grade-submission';
import { resolveSandbox } from '../sandbox';
import { BACKEND_NAMES, type BackendName } from '../tensors';

/** The HTML report's file name, in the working copy unless --html names another. */
export const REPORT_FILE = 'grader-report.html';

export interface CheckOptions {
  /** The working copy: the folder holding <assignment-id>/solution.ts. */
  dir: string;
  assignment?: string;
  json?: boolean;
  backend?: BackendName;
  lang?: 'en' | 'ru';
  /** Root holding assignments/ and reference/ (default: the grader's own). */
  catalogue?: string;
  /** Progress on stderr (default true). */
  progress?: boolean;
  /** Colour in the table on stdout. */
  color?: boolean;
  /** Colour in the progress on stderr. */
  errColor?: boolean;
  /** The HTML report: a file, or false for none (default: grader-report.html in dir). */
  html?: string | false;
  /** Every grading event, besides the progress (the kit's replay follows the tests with it). */
  onEvent?: (event: GradeEvent) => void;
}

export interface CheckIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr is a terminal: progress redraws its line instead of adding lines. */
  errIsTty: boolean;
  /** Terminal width, for the progress bar. */
  columns?: number;
}

export interface CheckOutcome {
  exitCode: 0 | 1 | 2;
  results: GradeResult[];
  provisional: boolean;
  /** Where the HTML report was written, if it was. */
  htmlPath?: string;
}

function allPassed(r: GradeResult): boolean {
  return r.status === 'graded' && r.tests.every((t) => t.status === 'passed');
}

/** Exit code of a finished check: 2 when the grader broke, 1 when anything did not pass. */
export function checkExitCode(results: GradeResult[]): 0 | 1 | 2 {
  if (results.length === 0 || results.some((r) => r.status === 'error')) return 2;
  return results.every(allPassed) ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Progress.

export interface ProgressIo {
  err: (text: string) => void;
  /** stderr is a terminal: the bar redraws in place. */
  errIsTty: boolean;
  color?: boolean;
  /** Terminal width (default 80). */
  columns?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface ProgressPrinter {
  onEvent(event: GradeEvent): void;
  /** Stops redrawing and clears the bar (before the table is printed). */
  finish(): void;
}


interface EpochProgress {
  epoch: number | null;
  /** Epochs in all, when the probe says. */
  total: number | null;
  loss: number | null;
  ms: number | null;
  label: string | null;
}

/** Training progress as the probes report it: {epoch, loss, ms}, with epochs (or total) and noise when they say. */
export function readEpoch(data: unknown): EpochProgress | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const r = data as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const epoch = num(r.epoch);
  const loss = num(r.loss);
  if (epoch === null && loss === null) return undefined;
  return { epoch, total: num(r.epochs) ?? num(r.total), loss, ms: num(r.ms), label: typeof r.noise === 'number' ? `noise ${r.noise}` : null };
}

function describeEpoch(e: EpochProgress): string {
  const parts: string[] = [];
  if (e.label !== null) parts.push(e.label);
  if (e.epoch !== null) parts.push(`epoch ${e.epoch + 1}${e.total !== null ? `/${e.total}` : ''}`);
  if (e.loss !== null) parts.push(`loss ${e.loss.toFixed(4)}`);
  if (e.ms !== null && e.epoch !== null && e.epoch >= 0) parts.push(`${(e.ms / 1000 / (e.epoch + 1)).toFixed(1)} s/epoch`);
  return parts.join(' · ');
}

/** A bar of `width` cells filled to `fraction`, in eighths of a cell. */
export function progressBar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  const partial = part > 0 ? ' ▏▎▍▌▋▊▉'[part] : '';
  return `▕${'█'.repeat(full)}${partial}${' '.repeat(Math.max(0, width - full - (part > 0 ? 1 : 0)))}▏`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Progress on stderr. On a terminal, a bar per assignment redraws in place: the tests done out
 * of all, the running test and its time, and while a model trains the epoch and its loss (as
 * tqdm shows in the lecture); each finished test is printed above it with its mark. Elsewhere
 * (a pipe, a CI log, a git hook): plain lines, one per event.
 */
export function createProgressPrinter(io: ProgressIo): ProgressPrinter {
  const now = io.now ?? (() => Date.now());
  const paint = (code: string, text: string) => (io.color === true ? `\x1b[${code}m${text}\x1b[0m` : text);
  let assignment = '';
  let done = 0;
  let total = 0;
  let test = '';
  let testStarted = 0;
  let epoch: EpochProgress | undefined;
  let drawn = false;
  let timer: NodeJS.Timeout | undefined;

  const line = (): string => {
    const cols = Math.max(40, io.columns !== undefined && io.columns > 0 ? io.columns : 80);
    const within = epoch?.total != null && epoch.epoch !== null ? Math.min(1, (epoch.epoch + 1) / epoch.total) : 0;
    const head = `${assignment} ${progressBar((done + within) / Math.max(1, total), 20)} ${done}/${total}`;
    // The test's name last: on a narrow terminal it is what gets cut.
    const tail = [epoch !== undefined ? describeEpoch(epoch) : '', seconds(now() - testStarted), test].filter((p) => p !== '').join(' · ');
    const text = `${head}  ${tail}`;
    return text.length > cols - 1 ? `${text.slice(0, cols - 2)}…` : text;
  };
  const clear = () => {
    if (drawn) io.err('\r\x1b[2K');
    drawn = false;
  };
  const draw = () => {
    if (!io.errIsTty || total === 0) return;
    clear();
    io.err(line());
    drawn = true;
  };
  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case 'compiled':
          clear();
          io.err(`${event.assignment}: ${event.ok ? 'compiled' : paint('31', 'did not compile')}\n`);
          break;
        case 'test-started':
          assignment = event.assignment;
          done = event.index;
          total = event.total;
          test = event.test;
          testStarted = now();
          epoch = undefined;
          if (!io.errIsTty) {
            io.err(`[${event.index + 1}/${event.total}] ${event.test} …\n`);
            break;
          }
          draw();
          if (timer === undefined) {
            timer = setInterval(draw, 250);
            timer.unref();
          }
          break;
        case 'progress': {
          const e = readEpoch(event.data);
          if (e === undefined) break;
          epoch = e;
          if (io.errIsTty) draw();
          else io.err(`    ${describeEpoch(e)}\n`);
          break;
        }
        case 'test-finished': {
          const t = event.test;
          const took = seconds(now() - testStarted);
          done = event.index + 1;
          epoch = undefined;
          if (!io.errIsTty) {
            io.err(`[${event.index + 1}/${event.total}] ${t.name}: ${t.status} (${took})\n`);
            break;
          }
          clear();
          io.err(`  ${paint(STATUS_SGR[t.status], STATUS_MARKS[t.status])} ${t.name} ${paint('2', `(${took})`)}\n`);
          if (done >= total) {
            stopTimer();
            total = 0;
          } else {
            draw();
          }
          break;
        }
      }
    },
    finish() {
      stopTimer();
      clear();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The check.

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function summary(results: GradeResult[], provisional: boolean, ms: number): string {
  const tests = results.flatMap((r) => r.tests);
  const passed = tests.filter((t) => t.status === 'passed').length;
  const score = results.reduce((s, r) => s + r.score, 0);
  const max = results.reduce((s, r) => s + r.max_score, 0);
  const verdict = results.every(allPassed) ? 'all visible tests pass' : 'some visible tests do not pass';
  const label = provisional ? ' (provisional: graded without an OS sandbox)' : '';
  return `Visible tests: ${passed}/${tests.length} passed, ${fmt(score)}/${fmt(max)} points; ${verdict}${label}, in ${seconds(ms)}. Hidden tests run on the server only.`;
}

/** Writes the HTML report; a failure to do so is reported, never fatal. */
async function writeHtmlReport(file: string, results: GradeResult[], lang: 'en' | 'ru', provisional: boolean): Promise<string> {
  const { renderStandaloneReport } = await import('../report/standalone-report');
  const page = renderStandaloneReport(results, { lang, provisional });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, page);
  return file;
}

export async function runCheck(options: CheckOptions, io: CheckIo): Promise<CheckOutcome> {
  const started = Date.now();
  // The student's own code on their own machine: run without OS isolation if need be.
  const sandbox = resolveSandbox({ require: false, allowInsecure: true });
  const provisional = sandbox.warning !== undefined;
  if (sandbox.warning !== undefined) io.err(`grader check: ${sandbox.warning.replace(/^warning: /, '')}; the result is provisional\n`);
  const progress = options.progress === false ? undefined : createProgressPrinter({ err: io.err, errIsTty: io.errIsTty, color: options.errColor, columns: io.columns });
  const lang = options.lang ?? 'en';
  let results: GradeResult[];
  try {
    results = await gradeSubmission({
      launcher: sandbox.launcher,
      submissionDir: path.resolve(options.dir),
      assignmentIds: options.assignment !== undefined ? [options.assignment] : undefined,
      backend: options.backend,
      visibleOnly: true,
      lang,
      catalogueRoot: options.catalogue !== undefined ? path.resolve(options.catalogue) : undefined,
      onEvent: (event) => {
        options.onEvent?.(event);
        progress?.onEvent(event);
      },
    });
  } finally {
    progress?.finish();
  }
  const exitCode = checkExitCode(results);
  if (options.json) {
    const labelled = results.map((r) => ({ ...r, provisional }));
    const payload = options.assignment !== undefined || labelled.length === 1 ? labelled[0] : labelled;
    io.out(`${JSON.stringify(payload, null, 2)}\n`);
  } else {
    const table = results.map((r) => formatResultText(r, { color: options.color ?? false })).join('\n\n');
    io.out(`${table}\n\n${summary(results, provisional, Date.now() - started)}\n`);
  }
  let htmlPath: string | undefined;
  if (options.html !== false) {
    const target = path.resolve(options.dir, options.html ?? REPORT_FILE);
    try {
      htmlPath = await writeHtmlReport(target, results, lang, provisional);
      (options.json ? io.err : io.out)(`HTML report: ${htmlPath}\n`);
    } catch (err) {
      io.err(`grader check: could not write the HTML report ${target}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return { exitCode, results, provisional, ...(htmlPath !== undefined ? { htmlPath } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The command.

/** How a student kit registers the command (see grader/kit/runtime/kit-main.ts). */
export interface KitCheckSetup {
  /** The kit's marker file: the working copy is the nearest folder upwards that holds it. */
  marker: string;
  /** Every grading event (the kit's reference replay follows the tests with it). */
  onEvent: (event: GradeEvent) => void;
  /** Printed after the summary when git does not run the check before pushes yet. */
  hookHint?: (dir: string) => string | undefined;
}

interface CheckFlags {
  dir?: string;
  json?: boolean;
  backend?: BackendName;
  lang: 'en' | 'ru';
  catalogue?: string;
  progress: boolean;
  html: string | boolean;
}

/** The nearest folder from `start` upwards holding `marker`, else `start`. */
export function findWorkingCopy(start: string, marker: string): string {
  for (let dir = path.resolve(start); ; ) {
    if (fs.existsSync(path.join(dir, marker))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start);
    dir = parent;
  }
}

/** Whether git runs the kit's hooks (core.hooksPath is .githooks) in `dir`; undefined outside a git work tree. */
export function hooksInstalled(dir: string): boolean | undefined {
  const inside = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, encoding: 'utf8', timeout: 5_000 });
  if (inside.error !== undefined || inside.status !== 0 || inside.stdout.trim() !== 'true') return undefined;
  const run = spawnSync('git', ['config', '--get', 'core.hooksPath'], { cwd: dir, encoding: 'utf8', timeout: 5_000 });
  return run.status === 0 && run.stdout.trim() === '.githooks';
}

export function registerCheckCommand(program: Command, kit?: KitCheckSetup): void {
  const command = program
    .command('check')
    .argument('[assignment]', 'the assignment to check (default: every assignment folder present)')
    .description('grade your working copy on the visible tests (exit 0 only when all of them pass)')
    .option('-d, --dir <dir>', kit !== undefined ? 'the kit (default: the one holding the current folder)' : 'the working copy, holding <assignment-id>/solution.ts (default: the current folder)')
    .option('--json', 'print the result JSON instead of the table')
    .option('--html <file>', `write the HTML report there (default: ${REPORT_FILE} in the working copy)`)
    .option('--no-html', 'no HTML report')
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKEND_NAMES]))
    .addOption(new Option('--lang <lang>', 'language of messages').choices(['en', 'ru']).default('en'))
    .option('--no-progress', 'no progress on stderr');
  if (kit === undefined) command.option('--catalogue <dir>', "a folder holding assignments/ and reference/ (default: the grader's own)");
  command.action(async (assignment: string | undefined, flags: CheckFlags) => {
    const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
    const io: CheckIo = {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      errIsTty: process.stderr.isTTY === true,
      columns: process.stderr.columns,
    };
    const dir = flags.dir ?? (kit !== undefined ? findWorkingCopy(process.cwd(), kit.marker) : '.');
    let code: 0 | 1 | 2;
    try {
      const outcome = await runCheck(
        {
          dir,
          assignment,
          json: flags.json,
          backend: flags.backend,
          lang: flags.lang,
          catalogue: flags.catalogue,
          progress: flags.progress,
          color: process.stdout.isTTY === true && !noColor,
          errColor: process.stderr.isTTY === true && !noColor,
          html: flags.html === false ? false : typeof flags.html === 'string' ? flags.html : undefined,
          onEvent: kit?.onEvent,
        },
        io,
      );
      code = outcome.exitCode;
      const hint = kit?.hookHint?.(dir);
      if (hint !== undefined && !flags.json) process.stdout.write(hint);
    } catch (err) {
      process.stderr.write(`grader check: ${err instanceof Error ? err.message : String(err)}\n`);
      code = 2;
    }
    process.exitCode = code;
  });
}
