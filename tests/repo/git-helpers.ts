/**
 * Real git for tests: bare repositories on the file system (the "host"), a work clone per
 * student, real commits and real pushes over the file system. Also a course file for them.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
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
