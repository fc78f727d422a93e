/**
 * Repository identity. The same repository reaches us under many spellings: the roster's
 * clone URL, and in a webhook the https clone URL, the SSH URL, the web page URL. They are
 * all reduced to one key, `host/owner/name` (lower case, no credentials, no port, no `.git`)
 * or `file:/absolute/path` for repositories on the file system, and compared by key.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export class BadRepoUrlError extends Error {
  readonly code = 'BAD_REPO_URL';
  constructor(readonly url: string, reason: string) {
    super(`not a repository URL: '${url}' (${reason})`);
    this.name = 'BadRepoUrlError';
  }
}

const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/; // git@host:owner/name.git

function cleanPath(p: string): string {
  let out = p.replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '');
  out = out.replace(/\/{2,}/g, '/');
  if (!out.startsWith('/')) out = `/${out}`;
  return out;
}

/** The key a repository is known by. Throws BadRepoUrlError for what cannot be a repository. */
export function repoKey(url: string): string {
  const text = url.trim();
  if (text === '') throw new BadRepoUrlError(url, 'empty');
  if (/[\s\0]/.test(text)) throw new BadRepoUrlError(url, 'contains white space');
  if (text.startsWith('file:')) {
    let p: string;
    try {
      p = fileURLToPath(text);
    } catch (err) {
      throw new BadRepoUrlError(url, err instanceof Error ? err.message : String(err));
    }
    return `file:${cleanPath(path.resolve(p))}`;
  }
  if (text.startsWith('/') || text.startsWith('./') || text.startsWith('../')) {
    return `file:${cleanPath(path.resolve(text))}`;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme !== null) {
    const protocol = scheme[1].toLowerCase();
    if (!['http', 'https', 'ssh', 'git', 'git+ssh', 'ssh+git'].includes(protocol)) {
      throw new BadRepoUrlError(url, `unsupported protocol '${protocol}'`);
    }
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new BadRepoUrlError(url, 'cannot be parsed');
    }
    if (parsed.hostname === '') throw new BadRepoUrlError(url, 'no host');
    const p = cleanPath(decodeURIComponent(parsed.pathname)).toLowerCase();
    if (p === '/') throw new BadRepoUrlError(url, 'no repository path');
    return `${parsed.hostname.toLowerCase()}${p}`;
  }
  const scp = SCP_LIKE.exec(text);
  if (scp !== null) {
    const p = cleanPath(scp[2]).toLowerCase();
    if (p === '/') throw new BadRepoUrlError(url, 'no repository path');
    return `${scp[1].toLowerCase()}${p}`;
  }
  throw new BadRepoUrlError(url, 'expected https://host/owner/name, git@host:owner/name or a path');
}

/** repoKey, or undefined for what is not a repository URL. */
export function findRepoKey(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return repoKey(url);
  } catch {
    return undefined;
  }
}

/** The URL to hand to git: paths become absolute (file:// URLs and https stay as written). */
export function fetchUrl(url: string, baseDir: string): string {
  const text = url.trim();
  if (text.startsWith('./') || text.startsWith('../')) return path.resolve(baseDir, text);
  return text;
}

/** The URL with any password or token removed, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/i, (_m, scheme: string, cred: string) =>
    cred.includes(':') ? `${scheme}${cred.split(':')[0]}:***@` : `${scheme}***@`,
  );
}

/**
 * The repository's path on its git host, as written (case kept, no `.git`, no credentials):
 * `owner/name` for https://host/owner/name.git or git@host:owner/name.git, all segments for
 * a GitLab subgroup (`group/sub/name`). Undefined for a path on this machine or what is not
 * a repository URL; a host API needs it to address the repository.
 */
export function findHostRepoPath(url: string): string | undefined {
  const key = findRepoKey(url);
  if (key === undefined || key.startsWith('file:')) return undefined;
  const text = url.trim();
  let p: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) p = decodeURIComponent(new URL(text).pathname);
  else {
    const scp = SCP_LIKE.exec(text);
    if (scp === null) return undefined;
    p = scp[2];
  }
  const segments = cleanPath(p).split('/').filter((s) => s !== '');
  return segments.length >= 2 ? segments.join('/') : undefined;
}
