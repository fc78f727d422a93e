/**
 * Builds the demo course in a data folder: one bare git repository per sample student
 * (DIR/repos/<id>.git, the "git host"), filled by committing shipped example submissions
 * into a scratch work tree and pushing over the file system; the course file DIR/course.yaml;
 * the secrets (DIR/secrets.json, mode 0600) and the demo's own state (DIR/demo.json: the
 * anchor time and the scope). The server keeps its database and caches in DIR/grader-data.
 *
 * Commits carry fixed names and dates derived from the anchor, so the same anchor always
 * gives the same commit SHAs, and building again (the next `npm start`) changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import type { CourseFileSchema } from '../../grader/config/course-config-schema';
import { lateness } from '../../grader/config/late-policy';
import { ASSIGNMENTS_ROOT } from '../../grader/paths';
import { DEMO_ASSIGNMENTS, DEMO_LATE_POLICY, DEMO_SCOPES, DEMO_STUDENTS, pushesInScope, scopeIncludes, type DemoScope } from './demo-story';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** A push is committed this long before it is received. */
const COMMIT_LEAD_MS = 10 * 60 * 1000;

export const DEMO_COURSE_ID = 'nn2-demo';
export const DEMO_SECRET_ENV = { webhookSecret: 'NN2_DEMO_WEBHOOK_SECRET', instructorToken: 'NN2_DEMO_INSTRUCTOR_TOKEN' } as const;

/** Where things live in a demo data folder. */
export function demoPaths(dir: string) {
  const root = path.resolve(dir);
  return {
    root,
    state: path.join(root, 'demo.json'),
    secrets: path.join(root, 'secrets.json'),
    courseFile: path.join(root, 'course.yaml'),
    /** The students' repositories (the "git host"). */
    repos: path.join(root, 'repos'),
    /** The server's dataDir: grader.sqlite, its own repository cache, work trees. */
    serverData: path.join(root, 'grader-data'),
  };
}

// ---------------------------------------------------------------------------------------
// State and secrets

export const DemoStateSchema = z
  .object({
    version: z.literal(1),
    /** The hour the folder was created: every date of the demo is relative to it. */
    anchor: z.string().datetime(),
    scope: z.enum(DEMO_SCOPES),
  })
  .strict();
export type DemoState = z.infer<typeof DemoStateSchema>;

export class DemoDataError extends Error {
  readonly code = 'DEMO_DATA_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'DemoDataError';
  }
}

function readJson(file: string): unknown {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return value;
  } catch (err) {
    throw new DemoDataError(`${file}: ${err instanceof Error ? err.message : String(err)}; delete the folder or start with --fresh`);
  }
}

export function readDemoState(dir: string): DemoState | undefined {
  const file = demoPaths(dir).state;
  if (!fs.existsSync(file)) return undefined;
  const parsed = DemoStateSchema.safeParse(readJson(file));
  if (!parsed.success) throw new DemoDataError(`${file} is not a demo state file (${parsed.error.issues[0]?.message ?? 'invalid'}); start with --fresh`);
  return parsed.data;
}

export function writeDemoState(dir: string, state: DemoState): void {
  fs.writeFileSync(demoPaths(dir).state, `${JSON.stringify(state, null, 2)}\n`);
}

/** The anchor of a new demo: the current hour, so dates read well. */
export function anchorFor(nowMs: number): number {
  return Math.floor(nowMs / 3_600_000) * 3_600_000;
}

const DemoSecretsSchema = z.object({ webhookSecret: z.string().min(16), instructorToken: z.string().min(16) }).strict();
export type DemoSecrets = z.infer<typeof DemoSecretsSchema>;

/** The secrets of the folder, made at the first run and kept (mode 0600). */
export function ensureDemoSecrets(dir: string): DemoSecrets {
  const file = demoPaths(dir).secrets;
  if (fs.existsSync(file)) {
    const parsed = DemoSecretsSchema.safeParse(readJson(file));
    if (!parsed.success) throw new DemoDataError(`${file} does not hold the demo's secrets; delete it to make new ones (students' links change)`);
    fs.chmodSync(file, 0o600);
    return parsed.data;
  }
  const secrets: DemoSecrets = { webhookSecret: randomBytes(24).toString('base64url'), instructorToken: randomBytes(24).toString('base64url') };
  fs.writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return secrets;
}

/** Puts the secrets where the course file says they are: the environment. */
export function exportDemoSecrets(secrets: DemoSecrets, env: NodeJS.ProcessEnv = process.env): void {
  env[DEMO_SECRET_ENV.webhookSecret] = secrets.webhookSecret;
  env[DEMO_SECRET_ENV.instructorToken] = secrets.instructorToken;
}

// ---------------------------------------------------------------------------------------
// Git

function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  // Neither the machine's nor the user's git configuration may change a commit.
  return { ...env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: os.devNull, ...extra };
}

function git(cwd: string, args: string[], extraEnv?: Record<string, string>): string {
  try {
    return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', '-c', 'protocol.file.allow=always', ...args], {
      cwd,
      env: gitEnv(extraEnv),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    const stderr = typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr).trim() : '';
    throw new Error(`git ${args[0]} in ${cwd} failed${stderr !== '' ? `: ${stderr}` : ''}`);
  }
}

function tryGit(cwd: string, args: string[]): string | undefined {
  try {
    return git(cwd, args);
  } catch {
    return undefined;
  }
}

function gitDate(ms: number): string {
  return `${Math.floor(ms / 1000)} +0000`;
}

/** The example's files (never expected.json), as the student would have them. */
function exampleFiles(assignmentId: string, example: string): Array<{ name: string; content: Buffer }> {
  const dir = path.join(ASSIGNMENTS_ROOT, assignmentId, 'examples', example);
  if (!fs.existsSync(dir)) throw new Error(`the demo course needs the example ${assignmentId}/examples/${example}, which is missing from ${ASSIGNMENTS_ROOT}`);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== 'expected.json')
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, content: fs.readFileSync(path.join(dir, name)) }));
}

// ---------------------------------------------------------------------------------------
// The course

export interface BuiltPush {
  studentId: string;
  commit: string;
  /** The receipt time the push is recorded with (ms since the epoch). */
  receivedAt: number;
  message: string;
  /** Assignment folder → example name. */
  folders: Record<string, string>;
  /** Assignments of this push received after their due date. */
  late: string[];
  afterEarlierGraded: boolean;
}

export interface BuiltStudent {
  id: string;
  name: string;
  story: string;
  /** The bare repository. */
  repo: string;
  pushes: BuiltPush[];
  /** Something to tell the user (the repository holds commits the demo did not make). */
  note?: string;
}

export interface DemoCourse {
  dir: string;
  courseFile: string;
  anchorMs: number;
  scope: DemoScope;
  students: BuiltStudent[];
}

export interface BuildDemoCourseOptions {
  dir: string;
  anchorMs: number;
  scope: DemoScope;
}

/** The course file's content (secrets by environment variable, paths relative to it). */
export function demoCourseFile(anchorMs: number, scope: DemoScope): z.input<typeof CourseFileSchema> {
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    course: DEMO_COURSE_ID,
    title: 'Neural networks, part 2 (demo)',
    latePolicy: { ...DEMO_LATE_POLICY },
    assignments: DEMO_ASSIGNMENTS.map((a) => ({ id: a.id, due: iso(anchorMs + a.dueDay * DAY_MS), enabled: scopeIncludes(scope, a.scope) })),
    roster: DEMO_STUDENTS.map((s) => ({ id: s.id, name: s.name, repo: `./repos/${s.id}.git`, branch: 'main' })),
    secrets: { webhookSecretEnv: DEMO_SECRET_ENV.webhookSecret, instructorTokenEnv: DEMO_SECRET_ENV.instructorToken },
    dataDir: './grader-data',
  };
}

function writeCourseYaml(file: string, anchorMs: number, scope: DemoScope): void {
  const header = [
    '# The demo course of `npm start` (grader serve-demo), written at every start: edits here',
    '# are overwritten. A course of your own: see grader/config/course.example.yaml.',
    `# Dates are relative to ${new Date(anchorMs).toISOString()}, when this folder was made.`,
    '# Secrets are in secrets.json next to this file; serve-demo puts them in the environment.',
    '',
  ].join('\n');
  fs.writeFileSync(file, `${header}${stringify(demoCourseFile(anchorMs, scope), { lineWidth: 0 })}`);
}

function dueMs(anchorMs: number, assignmentId: string): number {
  const a = DEMO_ASSIGNMENTS.find((x) => x.id === assignmentId);
  if (a === undefined) throw new Error(`the demo story names an assignment it does not schedule: ${assignmentId}`);
  return anchorMs + a.dueDay * DAY_MS;
}

/**
 * Commits a student's pushes into a scratch work tree and pushes them to the bare
 * repository, unless it already holds them. Returns the pushes with their commits.
 */
function buildStudentRepo(reposDir: string, anchorMs: number, scope: DemoScope, student: (typeof DEMO_STUDENTS)[number]): BuiltStudent {
  const bare = path.join(reposDir, `${student.id}.git`);
  if (!fs.existsSync(path.join(bare, 'HEAD'))) {
    fs.mkdirSync(bare, { recursive: true });
    git(bare, ['init', '--quiet', '--bare', '--initial-branch=main']);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `nn2-demo-${student.id}-`));
  try {
    git(work, ['init', '--quiet', '--initial-branch=main']);
    const pushes: BuiltPush[] = [];
    for (const push of pushesInScope(student, scope)) {
      for (const [assignmentId, example] of Object.entries(push.folders)) {
        const folder = path.join(work, assignmentId);
        fs.rmSync(folder, { recursive: true, force: true });
        fs.mkdirSync(folder, { recursive: true });
        for (const f of exampleFiles(assignmentId, example)) fs.writeFileSync(path.join(folder, f.name), f.content, { mode: 0o644 });
      }
      const receivedAt = anchorMs + Math.round(push.day * DAY_MS);
      const date = gitDate(receivedAt - COMMIT_LEAD_MS);
      const email = `${student.id}@students.example.org`;
      git(work, ['add', '--all']);
      git(work, ['commit', '--quiet', '--allow-empty', '--no-verify', '-m', push.message], {
        GIT_AUTHOR_NAME: student.name,
        GIT_AUTHOR_EMAIL: email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_NAME: student.name,
        GIT_COMMITTER_EMAIL: email,
        GIT_COMMITTER_DATE: date,
      });
      const late = Object.keys(push.folders).filter((id) => lateness(DEMO_LATE_POLICY, dueMs(anchorMs, id), receivedAt).daysLate > 0);
      pushes.push({
        studentId: student.id,
        commit: git(work, ['rev-parse', 'HEAD']),
        receivedAt,
        message: push.message,
        folders: { ...push.folders },
        late,
        afterEarlierGraded: push.afterEarlierGraded === true,
      });
    }
    const head = git(work, ['rev-parse', 'HEAD']);
    const theirs = tryGit(bare, ['rev-parse', '--verify', '--quiet', 'refs/heads/main^{commit}']);
    let note: string | undefined;
    if (theirs !== head) {
      const theirsIsOurs = theirs !== undefined && tryGit(work, ['merge-base', '--is-ancestor', theirs, 'HEAD']) !== undefined;
      if (theirs === undefined || theirsIsOurs) {
        git(work, ['push', '--quiet', bare, 'HEAD:refs/heads/main']);
      } else if (tryGit(bare, ['merge-base', '--is-ancestor', head, theirs]) !== undefined) {
        note = `${bare} holds commits after the demo's (yours?); kept as they are`;
      } else {
        throw new DemoDataError(`${bare} holds another history than the demo's; start with --fresh to rebuild the demo`);
      }
    }
    return { id: student.id, name: student.name, story: student.story, repo: bare, pushes, ...(note !== undefined ? { note } : {}) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Builds (or brings up to date) the demo course in `dir`: the students' repositories and the
 * course file. The secrets and the state file are the caller's (see start-demo.ts).
 */
export function buildDemoCourse(options: BuildDemoCourseOptions): DemoCourse {
  const paths = demoPaths(options.dir);
  fs.mkdirSync(paths.repos, { recursive: true });
  const students = DEMO_STUDENTS.map((s) => buildStudentRepo(paths.repos, options.anchorMs, options.scope, s));
  writeCourseYaml(paths.courseFile, options.anchorMs, options.scope);
  return { dir: paths.root, courseFile: paths.courseFile, anchorMs: options.anchorMs, scope: options.scope, students };
}
