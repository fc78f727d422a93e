/**
 * Reads the course file (YAML or JSON), validates it once, reports every problem together,
 * resolves paths against the file's folder, reads the secrets from the environment and
 * returns a frozen configuration.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import type { ZodIssue } from 'zod';
import { discoverAssignments } from '../spec/discover';
import { BadRepoUrlError, fetchUrl, findHostRepoPath, findRepoKey, repoKey } from '../repo/repo-url';
import { CourseFileSchema, DEFAULT_API_URLS, type CommitStatusConfig, type CommitStatusEntry, type CourseConfig } from './course-config-schema';
import { deriveHiddenInputsSecret } from './hidden-inputs';
import { Secret } from './secret';

export class CourseConfigError extends Error {
  readonly code = 'COURSE_CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'CourseConfigError';
  }
}

export interface LoadCourseConfigOptions {
  /** Where the secrets are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Check that every assignment in the file exists in the catalogue (loads the specs).
   * Default true.
   */
  checkCatalogue?: boolean;
  /** Overrides the file's concurrency (the CLI's flag). */
  concurrency?: number;
}

/** Secrets shorter than this are refused: a webhook secret must not be guessable. */
export const MIN_SECRET_LENGTH = 16;

function formatIssue(issue: ZodIssue): string {
  const where = issue.path.reduce<string>(
    (s, p) => (typeof p === 'number' ? `${s}[${p}]` : s === '' ? String(p) : `${s}.${String(p)}`),
    '',
  );
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown key(s): ${issue.keys.join(', ')}`;
  return `${where || '(top level)'}: ${message}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses YAML (JSON is YAML too) and reports syntax errors with their line. */
function parseText(file: string, text: string): { value: unknown; problems: string[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { value: undefined, problems: doc.errors.map((e) => `syntax: ${e.message.split('\n')[0]}`) };
  }
  return { value: doc.toJS(), problems: [] };
}

const LITERAL_SECRET_KEYS = ['webhookSecret', 'instructorToken', 'token', 'secret', 'hiddenInputsSecret'];
const SECRET_ENV_KEYS = ['webhookSecretEnv', 'instructorTokenEnv', 'hiddenInputsSecretEnv'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function stringAt(entry: unknown, key: string): string | undefined {
  return isRecord(entry) && typeof entry[key] === 'string' ? entry[key] : undefined;
}

/** An environment variable that must hold a secret: set, and (optionally) long enough. */
function envProblem(where: string, name: string, env: NodeJS.ProcessEnv, minLength: number): string | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    return `${where}: the environment variable ${name} is not set (secrets are read from the environment, never from the file)`;
  }
  if (value.trim().length < minLength) return `${where}: the value of ${name} is shorter than ${minLength} characters; use a long random string`;
  return undefined;
}

/** Commit statuses: the token's variable is set, the links have a base, every repository an address on the host. */
function commitStatusProblems(raw: Record<string, unknown>, baseDir: string, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const entry = raw.commitStatus;
  if (!isRecord(entry)) return problems;
  if ('token' in entry) {
    problems.push('commitStatus.token: tokens never go in the course file; put the token in an environment variable and name it with commitStatus.tokenEnv');
  }
  const tokenEnv = stringAt(entry, 'tokenEnv');
  if (tokenEnv !== undefined && ENV_NAME.test(tokenEnv)) {
    const problem = envProblem('commitStatus.tokenEnv', tokenEnv, env, 1);
    if (problem !== undefined) problems.push(`${problem}; the server posts commit statuses with it`);
  }
  const provider = stringAt(entry, 'provider');
  if (provider !== undefined && !(provider in DEFAULT_API_URLS) && stringAt(entry, 'apiUrl') === undefined) {
    problems.push(`commitStatus.apiUrl: ${provider} has no default address; give the instance's root, e.g. https://${provider}.example.org`);
  }
  if (raw.publicUrl === undefined) {
    problems.push("publicUrl: commit statuses link to the student's report; give the server's address as students reach it, e.g. https://grader.example.org");
  }
  if (Array.isArray(raw.roster)) {
    raw.roster.forEach((student: unknown, i) => {
      const repo = stringAt(student, 'repo');
      if (repo === undefined || findRepoKey(repo) === undefined) return; // reported with the roster
      if (findHostRepoPath(fetchUrl(repo, baseDir)) === undefined) {
        problems.push(`roster[${i}].repo: commit statuses need the repository's owner/name on the git host, and '${repo}' shows none (a path on this machine?)`);
      }
    });
  }
  return problems;
}

/**
 * Checks across fields and against the environment. Each runs on whatever part of the raw
 * file it needs, so a problem elsewhere never hides it.
 */
function extraProblems(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv, checkCatalogue: boolean): string[] {
  const problems: string[] = [];
  if (!isRecord(raw)) return problems;
  problems.push(...commitStatusProblems(raw, baseDir, env));

  const secrets = raw.secrets;
  if (isRecord(secrets)) {
    for (const literal of LITERAL_SECRET_KEYS) {
      if (literal in secrets) {
        const envKey =
          literal === 'instructorToken' || literal === 'token' ? 'instructorTokenEnv' : literal === 'hiddenInputsSecret' ? 'hiddenInputsSecretEnv' : 'webhookSecretEnv';
        problems.push(`secrets.${literal}: secrets never go in the course file; put the value in an environment variable and name it with secrets.${envKey}`);
      }
    }
    const names: string[] = [];
    for (const key of SECRET_ENV_KEYS) {
      const name = stringAt(secrets, key);
      if (name === undefined || !ENV_NAME.test(name)) continue;
      names.push(name);
      const problem = envProblem(`secrets.${key}`, name, env, MIN_SECRET_LENGTH);
      if (problem !== undefined) problems.push(problem);
    }
    const tokenEnv = isRecord(raw.commitStatus) ? stringAt(raw.commitStatus, 'tokenEnv') : undefined;
    if (tokenEnv !== undefined) names.push(tokenEnv);
    if (new Set(names).size < names.length) {
      problems.push('secrets: each secret must come from a variable of its own (webhook secret, instructor token, hidden inputs, commit status token)');
    }
  }

  if (Array.isArray(raw.roster)) {
    const ids = new Map<string, number>();
    const keys = new Map<string, number>();
    raw.roster.forEach((entry: unknown, i) => {
      const id = stringAt(entry, 'id');
      if (id !== undefined) {
        const prev = ids.get(id);
        if (prev !== undefined) problems.push(`roster[${i}].id: '${id}' is also roster[${prev}]`);
        else ids.set(id, i);
      }
      const repo = stringAt(entry, 'repo');
      if (repo === undefined || repo === '') return;
      try {
        const key = repoKey(fetchUrl(repo, baseDir));
        const prev = keys.get(key);
        if (prev !== undefined) problems.push(`roster[${i}].repo: the same repository as roster[${prev}] (${key})`);
        else keys.set(key, i);
      } catch (err) {
        if (err instanceof BadRepoUrlError) problems.push(`roster[${i}].repo: ${err.message}`);
        else throw err;
      }
    });
  }

  const assignmentIds: Array<[number, string]> = [];
  if (Array.isArray(raw.assignments)) {
    const seen = new Map<string, number>();
    raw.assignments.forEach((entry: unknown, i) => {
      const id = stringAt(entry, 'id');
      if (id === undefined) return;
      assignmentIds.push([i, id]);
      const prev = seen.get(id);
      if (prev !== undefined) problems.push(`assignments[${i}].id: '${id}' is also assignments[${prev}]`);
      else seen.set(id, i);
    });
  }

  if (Array.isArray(raw.extensions)) {
    const students = new Set(Array.isArray(raw.roster) ? raw.roster.map((e: unknown) => stringAt(e, 'id')) : []);
    const assignments = new Set(assignmentIds.map(([, id]) => id));
    const seen = new Map<string, number>();
    raw.extensions.forEach((entry: unknown, i) => {
      const student = stringAt(entry, 'student');
      const assignment = stringAt(entry, 'assignment');
      if (student !== undefined && !students.has(student)) problems.push(`extensions[${i}].student: no student '${student}' in the roster`);
      if (assignment !== undefined && !assignments.has(assignment)) problems.push(`extensions[${i}].assignment: no assignment '${assignment}' in the assignments list`);
      if (student === undefined || assignment === undefined) return;
      const key = `${student}/${assignment}`;
      const prev = seen.get(key);
      if (prev !== undefined) problems.push(`extensions[${i}]: ${student} already has an extension for ${assignment} (extensions[${prev}]); keep one`);
      else seen.set(key, i);
    });
  }

  let catalogueOk = true;
  for (const key of ['datasetDir', 'catalogueRoot'] as const) {
    const value = raw[key];
    if (typeof value === 'string' && value !== '') {
      const dir = path.resolve(baseDir, value);
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) problems.push(`${key}: no such folder: ${dir}`);
      else if (key === 'catalogueRoot' && !fs.existsSync(path.join(dir, 'assignments'))) problems.push(`catalogueRoot: ${dir} has no assignments/ folder`);
      else continue;
      if (key === 'catalogueRoot') catalogueOk = false;
    }
  }

  if (checkCatalogue && catalogueOk && assignmentIds.length > 0) {
    const rootValue = raw.catalogueRoot;
    const root = typeof rootValue === 'string' && rootValue !== '' ? path.resolve(baseDir, rootValue) : undefined;
    const catalogue = discoverAssignments(root);
    const known = new Set(catalogue.assignments.map((a) => a.id));
    for (const [i, id] of assignmentIds) {
      if (known.has(id)) continue;
      const broken = catalogue.broken.find((b) => b.id === id);
      problems.push(
        broken !== undefined
          ? `assignments[${i}].id: assignment '${id}' is broken: ${broken.error}`
          : `assignments[${i}].id: no assignment '${id}' in the catalogue; known: ${[...known].join(', ') || '(none)'}`,
      );
    }
  }
  return problems;
}

/** Zod's own complaint about literal secrets is replaced by the clearer one above. */
function keepIssue(issue: ZodIssue): boolean {
  if (issue.code !== 'unrecognized_keys') return true;
  const where = issue.path.join('.');
  if (where === 'secrets') return !issue.keys.every((k) => LITERAL_SECRET_KEYS.includes(k));
  return !(where === 'commitStatus' && issue.keys.every((k) => k === 'token'));
}

function resolveCommitStatus(entry: CommitStatusEntry, env: NodeJS.ProcessEnv): CommitStatusConfig {
  const apiUrl = entry.apiUrl ?? DEFAULT_API_URLS[entry.provider] ?? '';
  return {
    provider: entry.provider,
    apiUrl: apiUrl.replace(/\/+$/, ''),
    token: new Secret((env[entry.tokenEnv] ?? '').trim(), entry.tokenEnv),
    context: entry.context,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Validates a course file's parsed content; `file` names it in messages and anchors paths. */
export function resolveCourseConfig(raw: unknown, file: string, options: LoadCourseConfigOptions = {}): CourseConfig {
  const env = options.env ?? process.env;
  const baseDir = path.dirname(path.resolve(file));
  const result = CourseFileSchema.safeParse(raw);
  const problems = result.success ? [] : result.error.issues.filter(keepIssue).map(formatIssue);
  problems.push(...extraProblems(raw, baseDir, env, options.checkCatalogue ?? true));
  if (options.concurrency !== undefined && (!Number.isInteger(options.concurrency) || options.concurrency < 1)) {
    problems.push(`concurrency: ${options.concurrency} given on the command line is not a positive whole number`);
  }
  if (!result.success || problems.length > 0) throw new CourseConfigError(file, [...new Set(problems)]);
  const data = result.data;

  const dataDir = path.resolve(baseDir, data.dataDir);
  const secrets = data.secrets;
  const instructorToken = new Secret((env[secrets.instructorTokenEnv] ?? '').trim(), secrets.instructorTokenEnv);
  const config: CourseConfig = {
    file: path.resolve(file),
    course: data.course,
    ...(data.title !== undefined ? { title: data.title } : {}),
    assignments: data.assignments.map((a) => ({
      id: a.id,
      enabled: a.enabled,
      due: a.due,
      dueMs: Date.parse(a.due),
      latePolicy: { ...data.latePolicy, ...a.latePolicy },
      counts: a.counts ?? data.counts,
    })),
    roster: data.roster.map((s) => {
      const repo = fetchUrl(s.repo, baseDir);
      const hostRepoPath = findHostRepoPath(repo);
      return { id: s.id, name: s.name, repo, repoKey: repoKey(repo), ...(hostRepoPath !== undefined ? { hostRepoPath } : {}), branch: s.branch };
    }),
    extensions: data.extensions.map((e) => ({
      studentId: e.student,
      assignmentId: e.assignment,
      due: e.due,
      dueMs: Date.parse(e.due),
      ...(e.note !== undefined ? { note: e.note } : {}),
    })),
    secrets: {
      webhookSecret: new Secret((env[secrets.webhookSecretEnv] ?? '').trim(), secrets.webhookSecretEnv),
      instructorToken,
      hiddenInputs:
        secrets.hiddenInputsSecretEnv !== undefined
          ? new Secret((env[secrets.hiddenInputsSecretEnv] ?? '').trim(), secrets.hiddenInputsSecretEnv)
          : deriveHiddenInputsSecret(instructorToken, data.course),
    },
    dataDir,
    databaseFile: path.join(dataDir, 'grader.sqlite'),
    reposDir: path.join(dataDir, 'repos'),
    workDir: path.join(dataDir, 'work'),
    concurrency: options.concurrency ?? data.concurrency ?? os.availableParallelism(),
    ...(data.datasetDir !== undefined ? { datasetDir: path.resolve(baseDir, data.datasetDir) } : {}),
    ...(data.catalogueRoot !== undefined ? { catalogueRoot: path.resolve(baseDir, data.catalogueRoot) } : {}),
    ...(data.backend !== undefined ? { backend: data.backend } : {}),
    language: data.language,
    limits: {
      maxRepoBytes: Math.round(data.limits.maxRepoMb * 1024 * 1024),
      maxFolderBytes: Math.round(data.limits.maxFolderKb * 1024),
      gitTimeoutMs: Math.round(data.limits.gitTimeoutSeconds * 1000),
      fetchAttempts: data.limits.fetchAttempts,
      jobAttempts: data.limits.jobAttempts,
    },
    ...(data.publicUrl !== undefined ? { publicUrl: data.publicUrl.replace(/\/+$/, '') } : {}),
    ...(data.commitStatus !== undefined ? { commitStatus: resolveCommitStatus(data.commitStatus, env) } : {}),
    trustProxy: data.trustProxy,
    legacySharedToken: data.legacySharedToken,
  };
  return deepFreeze(config);
}

/** Reads and validates a course file. Throws CourseConfigError listing every problem. */
export function loadCourseConfig(file: string, options: LoadCourseConfigOptions = {}): CourseConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CourseConfigError(file, [`cannot read the file: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const { value, problems } = parseText(file, text);
  if (problems.length > 0) throw new CourseConfigError(file, problems);
  return resolveCourseConfig(value, file, options);
}

/** The environment variables that hold this course's secrets: kept from every process that runs student code. */
export function secretEnvNames(config: CourseConfig): string[] {
  const s = config.secrets;
  return [s.webhookSecret.source, s.instructorToken.source, s.hiddenInputs.source, ...(config.commitStatus !== undefined ? [config.commitStatus.token.source] : [])];
}

export function findStudent(config: CourseConfig, id: string) {
  return config.roster.find((s) => s.id === id);
}

export function getStudent(config: CourseConfig, id: string) {
  const s = findStudent(config, id);
  if (s === undefined) throw new Error(`no student '${id}' in course ${config.course}`);
  return s;
}

export function findStudentByRepoKey(config: CourseConfig, key: string) {
  return config.roster.find((s) => s.repoKey === key);
}

export function findAssignment(config: CourseConfig, id: string) {
  return config.assignments.find((a) => a.id === id);
}
