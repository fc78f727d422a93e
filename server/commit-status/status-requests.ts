/**
 * The one request each git host documents for setting a commit's status, built from a
 * provider-neutral status:
 *
 * - GitHub: POST {api}/repos/{owner}/{repo}/statuses/{sha}, `Authorization: Bearer`,
 *   `Accept: application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`; body
 *   {state: pending|success|failure|error, target_url, description, context}.
 * - GitLab: POST {root}/api/v4/projects/{URL-encoded path}/statuses/{sha}, `PRIVATE-TOKEN`;
 *   body {state: pending|running|success|failed|canceled, target_url, description, name}.
 * - Gitea and Forgejo: POST {root}/api/v1/repos/{owner}/{repo}/statuses/{sha},
 *   `Authorization: token`; body {state: pending|success|error|failure|warning, target_url,
 *   description, context}.
 */
import type { CommitStatusConfig, CommitStatusProvider } from '../../grader/config/course-config-schema';
import { GRADER_VERSION } from '../../grader/version';

/** Where a grading is, as a status: waiting, being graded, or its outcome. */
export type StatusPhase = 'queued' | 'running' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  /** The repository on its host: owner/name (GitLab: group/.../name). */
  repoPath: string;
  sha: string;
  phase: StatusPhase;
  description: string;
  targetUrl: string;
  context: string;
}

export interface StatusRequest {
  url: string;
  headers: Record<string, string>;
  /** JSON. */
  body: string;
}

/** GitHub's limit on a status description; the others allow more, and get the same text. */
export const MAX_DESCRIPTION_CHARS = 140;

export const USER_AGENT = `nn2-grader/${GRADER_VERSION}`;

/** Each host's word for a phase. */
export const PROVIDER_STATES: Readonly<Record<CommitStatusProvider, Readonly<Record<StatusPhase, string>>>> = Object.freeze({
  github: { queued: 'pending', running: 'pending', success: 'success', failure: 'failure', error: 'error' },
  gitea: { queued: 'pending', running: 'pending', success: 'success', failure: 'failure', error: 'error' },
  forgejo: { queued: 'pending', running: 'pending', success: 'success', failure: 'failure', error: 'error' },
  // GitLab has no `error`: a grading that could not finish is `failed` too (the text says why).
  gitlab: { queued: 'pending', running: 'running', success: 'success', failure: 'failed', error: 'failed' },
});

/** At most MAX_DESCRIPTION_CHARS characters (code points), cut with an ellipsis. */
export function fitDescription(text: string): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length <= MAX_DESCRIPTION_CHARS ? chars.join('') : `${chars.slice(0, MAX_DESCRIPTION_CHARS - 1).join('')}…`;
}

/** owner and name: the last two segments (a Gitea under a sub-path has more before them). */
function ownerAndName(repoPath: string): string {
  return repoPath
    .split('/')
    .slice(-2)
    .map((s) => encodeURIComponent(s))
    .join('/');
}

export function statusRequest(config: CommitStatusConfig, status: CommitStatus): StatusRequest {
  const state = PROVIDER_STATES[config.provider][status.phase];
  const sha = encodeURIComponent(status.sha);
  const common = { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT };
  const fields = { state, target_url: status.targetUrl, description: fitDescription(status.description) };
  const token = config.token.reveal();
  switch (config.provider) {
    case 'github':
      return {
        url: `${config.apiUrl}/repos/${ownerAndName(status.repoPath)}/statuses/${sha}`,
        headers: { ...common, Accept: 'application/vnd.github+json', Authorization: `Bearer ${token}`, 'X-GitHub-Api-Version': '2022-11-28' },
        body: JSON.stringify({ ...fields, context: status.context }),
      };
    case 'gitlab':
      return {
        url: `${config.apiUrl}/api/v4/projects/${encodeURIComponent(status.repoPath)}/statuses/${sha}`,
        headers: { ...common, Accept: 'application/json', 'PRIVATE-TOKEN': token },
        body: JSON.stringify({ ...fields, name: status.context }),
      };
    case 'gitea':
    case 'forgejo':
      return {
        url: `${config.apiUrl}/api/v1/repos/${ownerAndName(status.repoPath)}/statuses/${sha}`,
        headers: { ...common, Accept: 'application/json', Authorization: `token ${token}` },
        body: JSON.stringify({ ...fields, context: status.context }),
      };
  }
}
