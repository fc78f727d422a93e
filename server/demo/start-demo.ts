/**
 * `grader serve-demo` (`npm start`): the grading server on a demo course of three sample
 * students, graded at start. The data folder (default ./demo-data) keeps the students'
 * repositories, the course file, the secrets and the server's database, so the next start
 * finds everything graded and grades nothing twice.
 *
 * The pushes of the story are recorded with their receipt times in the semester (see
 * demo-story.ts) before the server starts; the server then fetches, grades and stores them
 * like any push. A push that must not replace an older one still queued (Boris's fix) is
 * recorded once the older one is being graded.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { CourseConfig } from '../../grader/config/course-config-schema';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { resolveSandbox } from '../../grader/sandbox/resolve-sandbox';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { studentLink } from '../auth/student-links';
import { Poller } from '../../grader/repo/poller';
import { startServer, type RunningServer } from '../main';

/** How often the demo looks for pushes to its repositories. */
const DEMO_POLL_MS = 3_000;
import {
  DemoDataError,
  anchorFor,
  buildDemoCourse,
  demoPaths,
  ensureDemoSecrets,
  exportDemoSecrets,
  readDemoState,
  writeDemoState,
  type BuiltPush,
  type DemoCourse,
} from './demo-course';
import { DEMO_ASSIGNMENTS, scopeIncludes, type DemoScope } from './demo-story';

export const DEFAULT_DEMO_DIR = 'demo-data';
export const DEFAULT_DEMO_PORT = 3000;

export interface DemoOptions {
  /** The data folder; default ./demo-data. */
  dataDir?: string;
  /** Delete the data folder first (only when it is a demo's). */
  fresh?: boolean;
  /** Default 'standard'; a folder built with a larger scope keeps it. */
  scope?: DemoScope;
  /** Default 3000; 0: any free port. */
  port?: number;
  host?: string;
  /** The server's log and the demo's progress (default: stderr with the time). */
  log?: (line: string) => void;
  /** What the user must read: the URL, the token, the links (default: stdout). */
  print?: (line: string) => void;
  now?: () => number;
}

export interface RunningDemo {
  server: RunningServer;
  course: DemoCourse;
  config: CourseConfig;
  dashboardUrl: string;
  instructorToken: string;
  /** Each student's own page (the secret link), by student id. */
  studentLinks: Record<string, string>;
  /** True when this machine has no OS sandbox and student code runs without it. */
  insecureNoSandbox: boolean;
  /** Pushes recorded by this start (the others were known from an earlier one). */
  recorded: { new: number; known: number };
  /** Resolves once every push of the story is recorded (some wait for earlier ones). */
  replayed: Promise<void>;
  /** Resolves when every recorded push is graded and stored; rejects after `timeoutMs`. */
  whenGraded(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export class DemoPortError extends Error {
  readonly code = 'DEMO_PORT_IN_USE';
  constructor(
    readonly host: string,
    readonly port: number,
    cause: string,
  ) {
    super(`cannot listen on ${host}:${port}: ${cause}. Another server (or an earlier demo) is using it; pick another port with --port N (0: any free port)`);
    this.name = 'DemoPortError';
  }
}

function defaultLog(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** mkdir -p, one level at a time (Node's recursive mkdir never returns under /proc). */
function makeDir(dir: string): void {
  if (fs.existsSync(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) makeDir(parent);
  fs.mkdirSync(dir);
}

/**
 * Makes sure `dir` can be the demo's: created if missing, wiped with `fresh` (a demo's
 * folder only), refused when it holds something else or cannot be written.
 */
export function prepareDataDir(dir: string, fresh: boolean): void {
  const paths = demoPaths(dir);
  const root = paths.root;
  if (fs.existsSync(root)) {
    if (!fs.statSync(root).isDirectory()) throw new DemoDataError(`${root} is a file, not a folder; choose a data folder with --data DIR`);
    const entries = fs.readdirSync(root);
    const isDemo = fs.existsSync(paths.state);
    if (entries.length > 0 && !isDemo) {
      throw new DemoDataError(`${root} is not empty and holds no demo course (no demo.json); choose a new or empty folder with --data DIR`);
    }
    if (fresh && entries.length > 0) fs.rmSync(root, { recursive: true, force: true });
  }
  try {
    makeDir(root);
    const probe = path.join(root, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new DemoDataError(`cannot write to the data folder ${root} (${errorCode(err) ?? errorText(err)}); choose a writable folder with --data DIR`);
  }
}

/** Fails early, with a clear message, when the port is taken. */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(new DemoPortError(host, port, errorCode(err) === 'EADDRINUSE' ? 'the port is in use' : errorText(err))));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Records pushes (with their receipt times) in the server's store; returns how many were new. */
function recordPushes(store: GradeStore, pushes: readonly BuiltPush[]): { new: number; known: number } {
  const counts = { new: 0, known: 0 };
  for (const p of pushes) {
    const r = store.recordSubmission({ studentId: p.studentId, commit: p.commit, branch: 'main', source: 'poll', receivedAt: p.receivedAt });
    if (r.duplicate) counts.known += 1;
    else counts.new += 1;
  }
  return counts;
}

/** Splits each history where a push has to wait for the earlier ones to be graded. */
function splitHistories(course: DemoCourse): { first: BuiltPush[]; later: BuiltPush[][] } {
  const first: BuiltPush[] = [];
  const later: BuiltPush[][] = [];
  for (const s of course.students) {
    const cut = s.pushes.findIndex((p) => p.afterEarlierGraded);
    first.push(...(cut < 0 ? s.pushes : s.pushes.slice(0, cut)));
    if (cut >= 0) later.push(s.pushes.slice(cut));
  }
  return { first, later };
}

/** The folder's scope: what it was built with, grown to `wanted` (never shrunk). */
function settleState(dir: string, wanted: DemoScope, now: number, log: (line: string) => void): { anchorMs: number; scope: DemoScope } {
  const state = readDemoState(dir);
  if (state === undefined) {
    writeDemoState(dir, { version: 1, anchor: new Date(anchorFor(now)).toISOString(), scope: wanted });
    return { anchorMs: anchorFor(now), scope: wanted };
  }
  let scope = state.scope;
  if (scopeIncludes(wanted, scope) && wanted !== scope) {
    scope = wanted;
    writeDemoState(dir, { ...state, scope });
  } else if (wanted !== scope) {
    log(`demo: ${dir} already holds the ${scope} demo (${scopeFlag(scope)}); keeping it (--fresh starts over with ${scopeFlag(wanted)})`);
  }
  return { anchorMs: Date.parse(state.anchor), scope };
}

function scopeFlag(scope: DemoScope): string {
  return scope === 'standard' ? 'the default' : `--${scope}`;
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? defaultLog;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_DEMO_PORT;
  const dir = demoPaths(options.dataDir ?? DEFAULT_DEMO_DIR).root;

  prepareDataDir(dir, options.fresh === true);
  await assertPortFree(host, port);
  const { anchorMs, scope } = settleState(dir, options.scope ?? 'standard', now(), log);
  const secrets = ensureDemoSecrets(dir);
  exportDemoSecrets(secrets);
  const course = buildDemoCourse({ dir, anchorMs, scope });
  for (const s of course.students) if (s.note !== undefined) log(`demo: ${s.note}`);

  // No OS isolation here (no bubblewrap, no user namespaces): run anyway, and say so.
  const sandbox = resolveSandbox({ require: false, allowInsecure: true });
  const insecureNoSandbox = !sandbox.isolated;

  const config = loadCourseConfig(course.courseFile);
  const { first, later } = splitHistories(course);
  const db = openDatabase(config.databaseFile);
  let recorded: { new: number; known: number };
  try {
    recorded = recordPushes(new GradeStore(db), first);
  } finally {
    db.close();
  }

  let server: RunningServer;
  try {
    server = await startServer({ configFile: course.courseFile, port, host, insecureNoSandbox, log });
  } catch (err) {
    if (errorCode(err) === 'EADDRINUSE') throw new DemoPortError(host, port, 'the port is in use');
    throw err;
  }

  let closing = false;
  const service = server.service;
  /** A student's earlier pushes are all fetched and none of their jobs still waits in the queue. */
  const drained = (studentId: string) =>
    service.store.listSubmissions(studentId).every((s) => s.state !== 'received') && !service.queue.listJobs({ studentId }).some((j) => j.state === 'queued');
  const replayLater = async (pushes: BuiltPush[]) => {
    for (const push of pushes) {
      while (!closing && !drained(push.studentId)) await new Promise((r) => setTimeout(r, 100));
      if (closing) return;
      const counts = recordPushes(service.store, [push]);
      recorded.new += counts.new;
      recorded.known += counts.known;
      if (counts.new > 0) log(`demo: ${push.studentId} pushes ${push.commit.slice(0, 12)} "${push.message}"`);
      service.tick();
    }
  };
  const replayed = Promise.all(later.map(replayLater)).then(() => undefined);
  // Once the stories are told, the demo behaves like a plain git host: pushes to the
  // repositories under repos/ are noticed by polling and graded.
  let poller: Poller | undefined;
  void replayed.then(() => {
    if (closing) return;
    poller = new Poller({
      config,
      store: service.store,
      onHead: (student, commit) => service.receivePush({ studentId: student.id, commit, branch: student.branch, source: 'poll' }),
    });
    poller.start(DEMO_POLL_MS, (round) => {
      for (const e of round.errors) log(`poll ${e.studentId}: ${e.error}`);
    });
  });

  const token = config.secrets.instructorToken.reveal();
  const studentLinks = Object.fromEntries(config.roster.map((s) => [s.id, `${server.url}${studentLink(config, s.id)}`]));
  const graded = DEMO_ASSIGNMENTS.filter((a) => scopeIncludes(scope, a.scope)).map((a) => a.id);

  print('');
  print(`Demo course ${config.course}: ${config.roster.length} students, ${graded.length} assignments graded (${graded.join(', ')})`);
  if (scope !== 'all') print(`  (${scope === 'light' ? 'without MNIST training' : 'one MNIST training'}; npm start -- --all grades every assignment of every student)`);
  print('');
  print(`  Dashboard         ${server.url}/dashboard`);
  print(`  Instructor token  ${token}`);
  print('                    (sign in with it; the API takes "Authorization: Bearer <token>")');
  print('');
  print("  Students' own pages (secret links):");
  const width = Math.max(...course.students.map((s) => s.name.length));
  for (const s of course.students) {
    print(`    ${s.name.padEnd(width)}  ${studentLinks[s.id]}`);
    print(`    ${''.padEnd(width)}  ${s.story}`);
  }
  print('');
  print(`  Data              ${dir} (--fresh starts over)`);
  print(`  Repositories      ${path.join(dir, 'repos')}/<student>.git (push to one: it is graded within seconds)`);
  if (insecureNoSandbox) {
    print('');
    print('  WARNING: no OS sandbox here; the demo runs the students\' code without one (as --insecure-no-sandbox does):');
    print(`           ${(sandbox.warning ?? '').replace(/^warning: /, '')}`.trimEnd());
    print('           Fine for the shipped examples; never grade untrusted code like this (see grader doctor).');
  }
  print('');
  const known = (p: BuiltPush) => service.store.listSubmissions(p.studentId).some((s) => s.commit_sha === p.commit);
  const waiting = later.flat().filter((p) => !known(p)).length;
  const more = waiting > 0 ? `, ${waiting} more once the earlier ones are graded` : '';
  if (recorded.new > 0) print(`Grading ${recorded.new} pushes${more}; progress below. Ctrl-C stops the server.`);
  else if (waiting > 0 || !service.idle()) print(`Finishing what an earlier start left${more}; progress below. Ctrl-C stops the server.`);
  else print('Everything was graded at an earlier start; nothing to do. Ctrl-C stops the server.');
  print('');

  return {
    server,
    course,
    config,
    dashboardUrl: `${server.url}/dashboard`,
    instructorToken: token,
    studentLinks,
    insecureNoSandbox,
    get recorded() {
      return { ...recorded };
    },
    replayed,
    async whenGraded(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      await Promise.race([
        replayed,
        new Promise((_r, reject) => setTimeout(() => reject(new Error(`the demo's pushes are not all recorded after ${timeoutMs} ms`)), timeoutMs).unref()),
      ]);
      await service.waitUntilIdle(Math.max(0, deadline - Date.now()));
    },
    async close() {
      closing = true;
      await replayed;
      await poller?.stop();
      await server.close();
    },
  };
}

/**
 * Runs the demo until SIGINT or SIGTERM, then stops the server cleanly (jobs being graded
 * go back to the queue and are finished at the next start).
 */
export async function serveDemo(options: DemoOptions = {}): Promise<void> {
  const started = Date.now();
  const log = options.log ?? defaultLog;
  const demo = await startDemo({ ...options, log });
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  let stopping = false;
  void (async () => {
    await demo.replayed;
    while (!stopping) {
      try {
        await demo.whenGraded(60_000);
      } catch {
        continue;
      }
      if (stopping) return;
      const results = demo.server.service.store.listResults();
      log(`demo: all pushes graded; ${results.length} results stored, ${((Date.now() - started) / 1000).toFixed(1)} s after the start. Dashboard: ${demo.dashboardUrl}`);
      return;
    }
  })();
  await stopped;
  stopping = true;
  log('demo: stopping (jobs being graded go back to the queue; the next start finishes them)');
  await demo.close();
  log('demo: stopped');
}

