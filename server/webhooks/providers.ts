/**
 * The git hosts whose webhooks we accept: how each one signs, names its events and
 * describes a push. Every payload is parsed with a schema that keeps only what we use.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { verifyGiteaLike, verifyGithub, verifyGitlab, type Verdict } from './signatures';

export type ProviderName = 'github' | 'gitlab' | 'gitea' | 'forgejo';

/** A push, whatever host sent it. */
export interface PushEvent {
  ref: string;
  /** The new head; all zeros when the branch was deleted. */
  after: string;
  deleted: boolean;
  /** Every URL the payload gives for the repository (clone, SSH, web page). */
  repoUrls: string[];
}

export interface Provider {
  name: ProviderName;
  /** The header carrying the signature or token (for messages). */
  signatureHeader: string;
  verify(headers: IncomingHttpHeaders, body: Buffer, secret: string): Verdict;
  /** The event name; undefined when the host did not say. */
  event(headers: IncomingHttpHeaders): string | undefined;
  isPush(event: string | undefined): boolean;
  isPing(event: string | undefined): boolean;
  deliveryId(headers: IncomingHttpHeaders): string | undefined;
  parsePush(payload: unknown): { ok: true; push: PushEvent } | { ok: false; detail: string };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

const ZERO = /^0+$/;
const url = z.string().min(1).max(2000);

/** GitHub, Gitea and Forgejo send the same push shape. */
const GithubLikePushSchema = z.object({
  ref: z.string().min(1),
  after: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, 'after: expected a commit hash'),
  deleted: z.boolean().optional(),
  repository: z.object({
    clone_url: url.optional(),
    ssh_url: url.optional(),
    html_url: url.optional(),
    git_url: url.optional(),
    url: url.optional(),
    full_name: z.string().optional(),
  }),
});

const GitlabPushSchema = z.object({
  object_kind: z.string().optional(),
  ref: z.string().min(1),
  after: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, 'after: expected a commit hash'),
  checkout_sha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i).nullable().optional(),
  project: z
    .object({
      git_http_url: url.optional(),
      git_ssh_url: url.optional(),
      web_url: url.optional(),
      http_url: url.optional(),
      ssh_url: url.optional(),
    })
    .optional(),
  repository: z
    .object({
      url: url.optional(),
      git_http_url: url.optional(),
      git_ssh_url: url.optional(),
      homepage: url.optional(),
    })
    .optional(),
});

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
}

function defined(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}

function githubLike(name: ProviderName, signatureHeader: string, eventHeader: string, deliveryHeader: string, verify: Provider['verify']): Provider {
  return {
    name,
    signatureHeader,
    verify,
    event: (h) => header(h, eventHeader),
    isPush: (e) => e === undefined || e === 'push',
    isPing: (e) => e === 'ping',
    deliveryId: (h) => header(h, deliveryHeader),
    parsePush(payload) {
      const parsed = GithubLikePushSchema.safeParse(payload);
      if (!parsed.success) return { ok: false, detail: issues(parsed.error) };
      const p = parsed.data;
      const r = p.repository;
      return {
        ok: true,
        push: {
          ref: p.ref,
          after: p.after.toLowerCase(),
          deleted: p.deleted === true || ZERO.test(p.after),
          repoUrls: defined([r.clone_url, r.ssh_url, r.html_url, r.git_url, r.url]),
        },
      };
    },
  };
}

export const PROVIDERS: Readonly<Record<ProviderName, Provider>> = Object.freeze({
  github: githubLike('github', 'X-Hub-Signature-256', 'x-github-event', 'x-github-delivery', (h, body, secret) =>
    verifyGithub(header(h, 'x-hub-signature-256'), body, secret),
  ),
  gitea: githubLike('gitea', 'X-Gitea-Signature', 'x-gitea-event', 'x-gitea-delivery', (h, body, secret) =>
    verifyGiteaLike(header(h, 'x-gitea-signature'), body, secret),
  ),
  forgejo: githubLike('forgejo', 'X-Forgejo-Signature', 'x-forgejo-event', 'x-forgejo-delivery', (h, body, secret) =>
    verifyGiteaLike(header(h, 'x-forgejo-signature') ?? header(h, 'x-gitea-signature'), body, secret),
  ),
  gitlab: {
    name: 'gitlab',
    signatureHeader: 'X-Gitlab-Token',
    verify: (h, _body, secret) => verifyGitlab(header(h, 'x-gitlab-token'), secret),
    event: (h) => header(h, 'x-gitlab-event'),
    isPush: (e) => e === undefined || e === 'Push Hook',
    isPing: () => false,
    deliveryId: (h) => header(h, 'x-gitlab-event-uuid') ?? header(h, 'idempotency-key'),
    parsePush(payload) {
      const parsed = GitlabPushSchema.safeParse(payload);
      if (!parsed.success) return { ok: false, detail: issues(parsed.error) };
      const p = parsed.data;
      if (p.object_kind !== undefined && p.object_kind !== 'push') return { ok: false, detail: `object_kind is '${p.object_kind}', not 'push'` };
      const after = (p.checkout_sha ?? p.after).toLowerCase();
      return {
        ok: true,
        push: {
          ref: p.ref,
          after,
          deleted: ZERO.test(p.after),
          repoUrls: defined([
            p.project?.git_http_url,
            p.project?.git_ssh_url,
            p.project?.web_url,
            p.project?.http_url,
            p.project?.ssh_url,
            p.repository?.git_http_url,
            p.repository?.git_ssh_url,
            p.repository?.url,
            p.repository?.homepage,
          ]),
        },
      };
    },
  },
});

/** Which host sent a request to the shared /webhooks URL, from its headers. */
export function detectProvider(headers: IncomingHttpHeaders): Provider | undefined {
  if (header(headers, 'x-forgejo-signature') !== undefined || header(headers, 'x-forgejo-event') !== undefined) return PROVIDERS.forgejo;
  if (header(headers, 'x-gitea-signature') !== undefined || header(headers, 'x-gitea-event') !== undefined) return PROVIDERS.gitea;
  if (header(headers, 'x-gitlab-token') !== undefined || header(headers, 'x-gitlab-event') !== undefined) return PROVIDERS.gitlab;
  if (header(headers, 'x-hub-signature-256') !== undefined || header(headers, 'x-github-event') !== undefined) return PROVIDERS.github;
  return undefined;
}

export function isProviderName(value: string): value is ProviderName {
  return value === 'github' || value === 'gitlab' || value === 'gitea' || value === 'forgejo';
}
