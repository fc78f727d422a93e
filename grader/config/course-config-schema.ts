/**
 * The course file (YAML or JSON) as written by the instructor, and the resolved, frozen
 * configuration the server runs with. Secrets are never in the file: it names the
 * environment variables that hold them.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from '../tensors/backend';
import type { LatePolicy } from './late-policy';
import type { Secret } from './secret';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const IsoDateTimeSchema = z
  .string({ invalid_type_error: 'expected a date and time with a zone, e.g. 2025-03-01T23:59:00+03:00 (quote it in YAML)' })
  .datetime({ offset: true, message: 'expected a date and time with a zone, e.g. 2025-03-01T23:59:00+03:00 or 2025-03-01T20:59:00Z' });

export const LatePolicySchema = z
  .object({
    percentPerDay: z.number().min(0).max(100),
    hardCutoffDays: z.number().min(0).max(3650).optional(),
  })
  .strict();

/**
 * Which of a student's pushes counts for an assignment (see grader/store/counted-score.ts):
 * - latest: the latest push received by the due date; a push after it counts instead only
 *   when its score after the penalty is higher (a late push can raise the score, never lower it);
 * - best: the highest score after the penalty of any push;
 * - latest-on-time: the latest push received by the due date; later pushes are graded and
 *   shown, never counted;
 * - latest-always: the latest push, late or not, even when it scores lower.
 */
export const COUNTED_POLICIES = ['latest', 'best', 'latest-on-time', 'latest-always'] as const;
export type CountedPolicy = (typeof COUNTED_POLICIES)[number];
const CountedPolicySchema = z.enum(COUNTED_POLICIES, {
  errorMap: () => ({ message: `expected one of: ${COUNTED_POLICIES.join(', ')}` }),
});

export const AssignmentEntrySchema = z
  .object({
    id: z.string().regex(ID, 'an assignment id: letters, digits, . _ - (the folder name under assignments/)'),
    due: IsoDateTimeSchema,
    enabled: z.boolean().default(true),
    /** Overrides the course's late policy for this assignment, field by field. */
    latePolicy: LatePolicySchema.partial().optional(),
    /** Overrides the course's choice of the push that counts. */
    counts: CountedPolicySchema.optional(),
  })
  .strict();

/** One student's own due date for one assignment (the late policy and cutoff follow it). */
export const ExtensionEntrySchema = z
  .object({
    student: z.string().regex(ID, 'a student id from the roster'),
    assignment: z.string().regex(ID, 'an assignment id from the assignments list'),
    due: IsoDateTimeSchema,
    /** Why (shown to instructors only). */
    note: z.string().max(500).optional(),
  })
  .strict();

export const StudentEntrySchema = z
  .object({
    id: z.string().regex(ID, 'a student id: letters, digits, . _ - (at most 64)'),
    name: z.string().min(1).max(200),
    /** Clone URL (https://, ssh://, git@host:owner/name) or a path on this machine. */
    repo: z.string().min(1).max(2000),
    branch: z
      .string()
      .min(1)
      .max(200)
      .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._\/-]+$/, 'a branch name')
      .default('main'),
  })
  .strict();

export const SecretsEntrySchema = z
  .object({
    webhookSecretEnv: z.string().regex(ENV_NAME, 'the name of an environment variable'),
    instructorTokenEnv: z.string().regex(ENV_NAME, 'the name of an environment variable'),
    /**
     * The key hidden tests' inputs are drawn with (per commit; see hidden-inputs.ts). Optional:
     * without it the key is derived from the instructor token, so rotating the token then
     * changes hidden inputs on a regrade; a variable of its own keeps them across rotations.
     */
    hiddenInputsSecretEnv: z.string().regex(ENV_NAME, 'the name of an environment variable').optional(),
  })
  .strict();

export const LimitsEntrySchema = z
  .object({
    /** A student repository may hold at most this much (what one fetch of a commit brings). */
    maxRepoMb: z.number().positive().max(100_000).default(100),
    /** Bytes of one assignment folder exported for grading (the compiler caps sources at 64 KiB). */
    maxFolderKb: z.number().positive().max(1_000_000).default(2048),
    /** A git command that prints nothing for this long is stopped. */
    gitTimeoutSeconds: z.number().positive().max(3600).default(120),
    /** Tries to fetch an unreachable repository before the submission fails. */
    fetchAttempts: z.number().int().min(1).max(20).default(6),
    /** Tries for a job whose grading failed for a reason that may pass (not a crash). */
    jobAttempts: z.number().int().min(1).max(20).default(3),
  })
  .strict();

/** The git hosts whose commit status API the server posts results to. */
export const COMMIT_STATUS_PROVIDERS = ['github', 'gitlab', 'gitea', 'forgejo'] as const;
export type CommitStatusProvider = (typeof COMMIT_STATUS_PROVIDERS)[number];

const HttpUrlSchema = z
  .string()
  .url('an http(s) URL')
  .regex(/^https?:\/\/[^\s?#]+$/i, 'an http(s) URL without query or fragment');

/** The documented API root each hosted service has; self-hosted ones give `apiUrl`. */
export const DEFAULT_API_URLS: Readonly<Partial<Record<CommitStatusProvider, string>>> = Object.freeze({
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com',
});

export const CommitStatusEntrySchema = z
  .object({
    provider: z.enum(COMMIT_STATUS_PROVIDERS),
    /**
     * Where the API lives: https://api.github.com (GitHub Enterprise: https://host/api/v3);
     * for GitLab, Gitea and Forgejo the instance's root (https://gitlab.example.org), to which
     * /api/v4/... or /api/v1/... is appended. Required for Gitea and Forgejo.
     */
    apiUrl: HttpUrlSchema.optional(),
    /** The environment variable holding the access token (never the token itself). */
    tokenEnv: z.string().regex(ENV_NAME, 'the name of an environment variable'),
    /** The label the host shows; each assignment posts `<context>/<assignment-id>`. */
    context: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^\x00-\x1f\x7f]+$/, 'printable text')
      .default('nn2-grader'),
  })
  .strict();
export type CommitStatusEntry = z.infer<typeof CommitStatusEntrySchema>;

export const CourseFileSchema = z
  .object({
    course: z.string().regex(ID, 'a course id: letters, digits, . _ -'),
    title: z.string().max(200).optional(),
    latePolicy: LatePolicySchema.default({ percentPerDay: 0 }),
    /** Which push counts, for every assignment that does not say otherwise. */
    counts: CountedPolicySchema.default('latest'),
    assignments: z.array(AssignmentEntrySchema).min(1, 'list at least one assignment'),
    roster: z.array(StudentEntrySchema).min(1, 'list at least one student'),
    extensions: z.array(ExtensionEntrySchema).default([]),
    secrets: SecretsEntrySchema,
    /** SQLite file, repository caches and work trees live here (relative to this file). */
    dataDir: z.string().min(1),
    /** Jobs graded at once on this machine; default: the number of cores. */
    concurrency: z.number().int().min(1).max(256).optional(),
    /** A folder with the MNIST IDX files; default: the embedded digits. */
    datasetDir: z.string().min(1).optional(),
    /** A folder holding assignments/ and reference/; default: the grader's own. */
    catalogueRoot: z.string().min(1).optional(),
    backend: z.enum(BACKEND_NAMES).optional(),
    /** The language of the graders' messages in reports (the pages' own text follows the reader). */
    language: z.enum(['en', 'ru']).default('en'),
    limits: LimitsEntrySchema.default({}),
    /**
     * The address students and hosts reach the server at (https://grader.example.org), used in
     * exported student links, commit statuses' links and the webhook URLs printed at start;
     * default: the listening address.
     */
    publicUrl: HttpUrlSchema.optional(),
    /** Post each grading's visible score to the student's commit on the git host. */
    commitStatus: CommitStatusEntrySchema.optional(),
    /**
     * Express's 'trust proxy' for a server behind a reverse proxy that terminates TLS: true
     * (trust the nearest proxy's X-Forwarded-* headers), a number of proxy hops, or addresses
     * ("loopback", "10.0.0.0/8"). Then session cookies get Secure and client addresses are
     * the real ones. Default false: X-Forwarded-* is ignored.
     */
    trustProxy: z.union([z.boolean(), z.number().int().min(0).max(10), z.string().min(1).max(500)]).default(false),
    /**
     * Legacy: may instructors sign in (and call the APIs) with the one shared token of
     * secrets.instructorTokenEnv? Default true. With personal tokens (grader token add) set it
     * to false: then only personal tokens open the instructor pages, and the shared token
     * only keys sessions and student links.
     */
    legacySharedToken: z.boolean().default(true),
  })
  .strict();
export type CourseFile = z.infer<typeof CourseFileSchema>;

export interface AssignmentConfig {
  readonly id: string;
  readonly enabled: boolean;
  /** ms since the epoch. */
  readonly dueMs: number;
  readonly due: string;
  readonly latePolicy: Readonly<LatePolicy>;
  readonly counts: CountedPolicy;
}

export interface ExtensionConfig {
  readonly studentId: string;
  readonly assignmentId: string;
  readonly due: string;
  /** ms since the epoch. */
  readonly dueMs: number;
  readonly note?: string;
}

export interface StudentConfig {
  readonly id: string;
  readonly name: string;
  /** As written (paths made absolute); what git is given. */
  readonly repo: string;
  /** The identity webhooks are matched by (see repo-url.ts). */
  readonly repoKey: string;
  /** The repository's path on its git host (owner/name); undefined for a local path. */
  readonly hostRepoPath?: string;
  readonly branch: string;
}

/** Where and how results are posted as commit statuses (see server/commit-status/). */
export interface CommitStatusConfig {
  readonly provider: CommitStatusProvider;
  /** Without a trailing slash. */
  readonly apiUrl: string;
  readonly token: Secret;
  readonly context: string;
}

export interface CourseLimits {
  readonly maxRepoBytes: number;
  readonly maxFolderBytes: number;
  readonly gitTimeoutMs: number;
  readonly fetchAttempts: number;
  readonly jobAttempts: number;
}

/** The configuration the server runs with: validated, paths resolved, secrets read, frozen. */
export interface CourseConfig {
  readonly file: string;
  readonly course: string;
  readonly title?: string;
  readonly assignments: readonly AssignmentConfig[];
  readonly roster: readonly StudentConfig[];
  /** Per-student due dates (grader/config/due-dates.ts reads them). */
  readonly extensions: readonly ExtensionConfig[];
  readonly secrets: {
    readonly webhookSecret: Secret;
    readonly instructorToken: Secret;
    /** Draws each commit's hidden-test inputs (grader/config/hidden-inputs.ts); never leaves the server. */
    readonly hiddenInputs: Secret;
  };
  readonly dataDir: string;
  /** dataDir/grader.sqlite */
  readonly databaseFile: string;
  /** dataDir/repos: one cached bare repository per student. */
  readonly reposDir: string;
  /** dataDir/work: one fresh folder per job. */
  readonly workDir: string;
  readonly concurrency: number;
  readonly datasetDir?: string;
  readonly catalogueRoot?: string;
  readonly backend?: (typeof BACKEND_NAMES)[number];
  readonly language: 'en' | 'ru';
  readonly limits: CourseLimits;
  /** Without a trailing slash. */
  readonly publicUrl?: string;
  readonly commitStatus?: CommitStatusConfig;
  readonly trustProxy: boolean | number | string;
  readonly legacySharedToken: boolean;
}
