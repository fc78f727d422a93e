/**
 * Webhook requests built the way each host builds them: GitHub signs the raw body with
 * HMAC-SHA256 in X-Hub-Signature-256 ("sha256=" + hex); Gitea and Forgejo put the bare hex
 * HMAC in X-Gitea-Signature / X-Forgejo-Signature (and Gitea adds GitHub's header too);
 * GitLab sends the secret itself in X-Gitlab-Token. Payloads follow the hosts' push events.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookRequest {
  headers: Record<string, string>;
  body: string;
}

const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

export function githubPushPayload(p: { cloneUrl: string; htmlUrl?: string; sshUrl?: string; ref?: string; after: string; before?: string; deleted?: boolean }) {
  return {
    ref: p.ref ?? 'refs/heads/main',
    before: p.before ?? '0'.repeat(40),
    after: p.after,
    created: false,
    deleted: p.deleted ?? false,
    forced: false,
    compare: `${p.htmlUrl ?? 'https://github.com/x/y'}/compare/abc...def`,
    commits: [{ id: p.after, message: 'work', timestamp: '2025-02-28T12:00:00+03:00', added: [], removed: [], modified: ['demo-add/solution.ts'] }],
    head_commit: { id: p.after, message: 'work' },
    repository: {
      id: 1,
      name: 'repo',
      full_name: 'nn2/repo',
      private: true,
      html_url: p.htmlUrl ?? 'https://github.com/nn2/repo',
      clone_url: p.cloneUrl,
      ssh_url: p.sshUrl ?? 'git@github.com:nn2/repo.git',
      git_url: 'git://github.com/nn2/repo.git',
      default_branch: 'main',
    },
    pusher: { name: 'student', email: 'student@example.org' },
    sender: { login: 'student', id: 2 },
  };
}

export function gitlabPushPayload(p: { httpUrl: string; sshUrl?: string; webUrl?: string; ref?: string; after: string }) {
  const deleted = /^0+$/.test(p.after);
  return {
    object_kind: 'push',
    event_name: 'push',
    before: 'f'.repeat(40),
    after: p.after,
    ref: p.ref ?? 'refs/heads/main',
    checkout_sha: deleted ? null : p.after,
    user_username: 'student',
    project_id: 15,
    project: {
      id: 15,
      name: 'repo',
      web_url: p.webUrl ?? 'https://gitlab.example.org/nn2/repo',
      git_ssh_url: p.sshUrl ?? 'git@gitlab.example.org:nn2/repo.git',
      git_http_url: p.httpUrl,
      path_with_namespace: 'nn2/repo',
      default_branch: 'main',
    },
    repository: { name: 'repo', url: p.sshUrl ?? 'git@gitlab.example.org:nn2/repo.git', homepage: p.webUrl ?? 'https://gitlab.example.org/nn2/repo', git_http_url: p.httpUrl },
    commits: [{ id: p.after, message: 'work' }],
    total_commits_count: 1,
  };
}

export function giteaPushPayload(p: { cloneUrl: string; htmlUrl?: string; ref?: string; after: string }) {
  return {
    ref: p.ref ?? 'refs/heads/main',
    before: '0'.repeat(40),
    after: p.after,
    compare_url: '',
    commits: [{ id: p.after, message: 'work\n' }],
    total_commits: 1,
    repository: {
      id: 3,
      name: 'repo',
      full_name: 'nn2/repo',
      html_url: p.htmlUrl ?? 'https://gitea.example.org/nn2/repo',
      clone_url: p.cloneUrl,
      ssh_url: 'git@gitea.example.org:nn2/repo.git',
      default_branch: 'main',
    },
    pusher: { login: 'student' },
    sender: { login: 'student' },
  };
}

export function githubRequest(payload: unknown, secret: string, event = 'push', delivery: string = randomUUID()): WebhookRequest {
  return githubRawRequest(JSON.stringify(payload), secret, event, delivery);
}

/** A GitHub request for a body given as is (form-encoded, or not even JSON). */
export function githubRawRequest(body: string, secret: string, event = 'push', delivery: string = randomUUID(), contentType = 'application/json'): WebhookRequest {
  return {
    body,
    headers: {
      'content-type': contentType,
      'user-agent': 'GitHub-Hookshot/abc123',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-github-hook-id': '42',
      'x-hub-signature-256': `sha256=${hmac(secret, body)}`,
    },
  };
}

export function gitlabRequest(payload: unknown, token: string, event = 'Push Hook'): WebhookRequest {
  return {
    body: JSON.stringify(payload),
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitLab/17.0.0',
      'x-gitlab-event': event,
      'x-gitlab-token': token,
      'x-gitlab-event-uuid': randomUUID(),
      'x-gitlab-instance': 'https://gitlab.example.org',
    },
  };
}

export function giteaRequest(payload: unknown, secret: string, event = 'push'): WebhookRequest {
  const body = JSON.stringify(payload, null, 2);
  const signature = hmac(secret, body);
  const delivery = randomUUID();
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Go-http-client/1.1',
      'x-gitea-delivery': delivery,
      'x-gitea-event': event,
      'x-gitea-event-type': event,
      'x-gitea-signature': signature,
      'x-github-delivery': delivery,
      'x-github-event': event,
      'x-hub-signature-256': `sha256=${signature}`,
    },
  };
}

export function forgejoRequest(payload: unknown, secret: string, event = 'push'): WebhookRequest {
  const body = JSON.stringify(payload, null, 2);
  const signature = hmac(secret, body);
  const delivery = randomUUID();
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-forgejo-delivery': delivery,
      'x-forgejo-event': event,
      'x-forgejo-signature': signature,
      'x-gitea-delivery': delivery,
      'x-gitea-event': event,
      'x-gitea-signature': signature,
    },
  };
}

export async function post(baseUrl: string, pathname: string, request: WebhookRequest): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${baseUrl}${pathname}`, { method: 'POST', headers: request.headers, body: request.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
