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

export const AssignmentEntrySchema = z
  .object({
    id: z.string().regex(ID, 'an assignment id: letters, digits, . _ - (the folder name under assignments/)'),
    due: IsoDateTimeSchema,
    enabled: z.boolean().default(true),
    /** Overrides the course's late policy for this assignment, field by field. */
    latePolicy: LatePolicySchema.partial().optional(),
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

export const CourseFileSchema = z
  .object({
    course: z.string().regex(ID, 'a course id: letters, digits, . _ -'),
    title: z.string().max(200).optional(),
    latePolicy: LatePolicySchema.default({ percentPerDay: 0 }),
    assignments: z.array(AssignmentEntrySchema).min(1, 'list at least one assignment'),
    roster: z.array(StudentEntrySchema).min(1, 'list at least one student'),
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
     * exported student links and the webhook URLs printed at start; default: the listening address.
     */
    publicUrl: z
      .string()
      .url('a URL such as https://grader.example.org')
      .regex(/^https?:\/\/[^?#]*$/i, 'an http(s) URL without ?query or #fragment')
      .optional(),
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
}

export interface StudentConfig {
  readonly id: string;
  readonly name: string;
  /** As written (paths made absolute); what git is given. */
  readonly repo: string;
  /** The identity webhooks are matched by (see repo-url.ts). */
  readonly repoKey: string;
  readonly branch: string;
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
  readonly trustProxy: boolean | number | string;
  readonly legacySharedToken: boolean;
}
