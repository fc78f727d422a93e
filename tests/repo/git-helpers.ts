/**
 * Real git for tests: bare repositories on the file system (the "host"), a work clone per
 * student, real commits and real pushes over the file system. Also a course file for them,
 * and a git host over HTTP whose repositories can be made to hang.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../grader/paths';
import { GradeResultSchema } from '../../grader/results/result-schema';

export const FIXTURES_ROOT = path.join(PACKAGE_ROOT, 'tests', 'fixtures');

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return { ...env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Student', '-c', 'user.email=student@example.org', '-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], {
    cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** A student's repository: a bare "remote" and a work clone that pushes to it. */
export class StudentRepo {
  readonly bare: string;
  readonly work: string;

  constructor(root: string, readonly id: string, readonly branch = 'main') {
    this.bare = path.join(root, 'remotes', `${id}.git`);
    this.work = path.join(root, 'work', id);
    fs.mkdirSync(this.bare, { recursive: true });
    git(this.bare, 'init', '--quiet', '--bare', `--initial-branch=${branch}`);
    // Hosts let a student delete their branch.
    git(this.bare, 'config', 'receive.denyDeleteCurrent', 'ignore');
    fs.mkdirSync(this.work, { recursive: true });
    git(this.work, 'init', '--quiet', `--initial-branch=${branch}`);
    git(this.work, 'remote', 'add', 'origin', this.bare);
  }

  get url(): string {
    return `file://${this.bare}`;
  }

  /** Writes files (null deletes), commits everything; returns the commit. */
  commit(files: Record<string, string | null>, message = 'work'): string {
    for (const [rel, content] of Object.entries(files)) {
      const p = path.join(this.work, rel);
      if (content === null) fs.rmSync(p, { recursive: true, force: true });
      else {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, content);
      }
    }
    git(this.work, 'add', '--all');
    git(this.work, 'commit', '--quiet', '--allow-empty', '-m', message);
    return this.head();
  }

  symlink(rel: string, target: string): void {
    const p = path.join(this.work, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.symlinkSync(target, p);
  }

  head(): string {
    return git(this.work, 'rev-parse', 'HEAD');
  }

  push(force = false): void {
    git(this.work, 'push', '--quiet', ...(force ? ['--force'] : []), 'origin', `HEAD:refs/heads/${this.branch}`);
  }

  /** Rewrites the last commit (amend) and force-pushes it; returns the new commit. */
  amendAndForcePush(files: Record<string, string | null>): string {
    for (const [rel, content] of Object.entries(files)) {
      const p = path.join(this.work, rel);
      if (content === null) fs.rmSync(p, { force: true });
      else fs.writeFileSync(p, content);
    }
    git(this.work, 'add', '--all');
    git(this.work, 'commit', '--quiet', '--amend', '-m', 'rewritten');
    this.push(true);
    return this.head();
  }

  deleteRemoteBranch(): void {
    git(this.work, 'push', '--quiet', 'origin', `:refs/heads/${this.branch}`);
  }

  /** Drops unreachable objects on the "host" (what a host does some time after a force-push). */
  gcRemote(): void {
    git(this.bare, 'reflog', 'expire', '--expire=now', '--all');
    git(this.bare, 'gc', '--quiet', '--prune=now');
  }
}

/** The demo-add example solutions (tests/fixtures/assignments/demo-add/examples/<name>/solution.ts). */
export function demoSolution(name: 'correct' | 'subtracts' | 'syntax-error' | 'throws' | 'missing-export'): string {
  return fs.readFileSync(path.join(FIXTURES_ROOT, 'assignments', 'demo-add', 'examples', name, 'solution.ts'), 'utf8');
}

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';
export const INSTRUCTOR_TOKEN = 'test-instructor-token-0123456789abcdef';
export const SECRET_ENV = { TEST_GRADER_WEBHOOK_SECRET: WEBHOOK_SECRET, TEST_GRADER_INSTRUCTOR_TOKEN: INSTRUCTOR_TOKEN };

export interface CourseFileOptions {
  students: Array<{ id: string; repo: string; branch?: string }>;
  assignments?: Array<{ id: string; due: string; enabled?: boolean; latePolicy?: { percentPerDay?: number; hardCutoffDays?: number } }>;
  concurrency?: number;
  /** Default: the demo-add fixtures; null: the grader's own assignments/. */
  catalogueRoot?: string | null;
  extra?: Record<string, unknown>;
}

/** Writes a course file (JSON is YAML) for the demo-add fixture catalogue; returns its path. */
export function writeCourseFile(dir: string, options: CourseFileOptions): string {
  const file = path.join(dir, 'course.yaml');
  const course = {
    course: 'test-course',
    latePolicy: { percentPerDay: 10, hardCutoffDays: 7 },
    assignments: options.assignments ?? [{ id: 'demo-add', due: '2999-01-01T00:00:00Z' }],
    roster: options.students.map((s) => ({ id: s.id, name: `Student ${s.id}`, repo: s.repo, branch: s.branch ?? 'main' })),
    secrets: { webhookSecretEnv: 'TEST_GRADER_WEBHOOK_SECRET', instructorTokenEnv: 'TEST_GRADER_INSTRUCTOR_TOKEN' },
    dataDir: './data',
    ...(options.catalogueRoot === null ? {} : { catalogueRoot: options.catalogueRoot ?? FIXTURES_ROOT }),
    backend: 'wasm',
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...options.extra,
  };
  fs.writeFileSync(file, JSON.stringify(course, null, 2));
  return file;
}

/** Waits until `check` returns a value other than undefined. */
export async function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Checks a stored result's score, unless a test of it timed out: on a heavily loaded shared
 * machine a runner can miss the demo fixture's 5 s start-up limit, which the engine reports
 * as a timeout (never as a pass). What these tests check is the path from push to store.
 */
export function expectScore(row: { result_json: string; score: number } | undefined, expected: number): void {
  expect(row).toBeDefined();
  const parsed: unknown = JSON.parse(row?.result_json ?? '{}');
  const tests = GradeResultSchema.parse(parsed).tests;
  if (tests.some((t) => t.status === 'timeout')) return;
  expect(row?.score).toBe(expected);
}

/**
 * A git host over smart HTTP (git-http-backend behind a small Node server) serving the bare
 * repositories under `projectRoot`, one of which can be made to STALL: its requests are
 * accepted and never answered, as a hung host or a dead proxy does, until `release`.
 */
export class GitHttpHost {
  private server: http.Server | undefined;
  private readonly stalled = new Set<string>();
  private readonly held = new Map<string, Set<net.Socket>>();
  /** Requests held without an answer so far (each is one git command that hung). */
  stalledRequests = 0;

  constructor(readonly projectRoot: string) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  get port(): number {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === 'string') throw new Error('the git host is not listening');
    return address.port;
  }

  /** The clone URL of a bare repository under the project root. */
  url(bare: string): string {
    return `http://127.0.0.1:${this.port}/${path.relative(this.projectRoot, bare)}`;
  }

  /** From now on, requests for this repository hang. */
  stall(bare: string): void {
    this.stalled.add(path.relative(this.projectRoot, bare));
  }

  /** Answers again; connections held so far are dropped (their git was stopped long ago). */
  release(bare: string): void {
    const name = path.relative(this.projectRoot, bare);
    this.stalled.delete(name);
    for (const socket of this.held.get(name) ?? []) socket.destroy();
    this.held.delete(name);
  }

  async close(): Promise<void> {
    for (const sockets of this.held.values()) for (const s of sockets) s.destroy();
    this.held.clear();
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://host');
    const name = decodeURIComponent(url.pathname).split('/').filter((s) => s !== '')[0] ?? '';
    if (this.stalled.has(name)) {
      this.stalledRequests += 1;
      const sockets = this.held.get(name) ?? new Set<net.Socket>();
      sockets.add(req.socket);
      this.held.set(name, sockets);
      return;
    }
    const header = (h: string) => {
      const v = req.headers[h];
      return Array.isArray(v) ? v.join(', ') : (v ?? '');
    };
    const cgi = spawn('/usr/lib/git-core/git-http-backend', [], {
      env: {
        ...cleanEnv(),
        GIT_PROJECT_ROOT: this.projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: header('content-type'),
        ...(req.headers['content-length'] !== undefined ? { CONTENT_LENGTH: header('content-length') } : {}),
        HTTP_CONTENT_ENCODING: header('content-encoding'),
        GIT_PROTOCOL: header('git-protocol'),
        REMOTE_ADDR: '127.0.0.1',
        REMOTE_USER: 'test',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(key, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.once('close', () => {
      if (!headersDone) res.writeHead(500);
      res.end();
    });
    cgi.once('error', () => {
      res.writeHead(500);
      res.end();
    });
  }
}
