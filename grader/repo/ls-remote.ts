/**
 * The head of one branch of a remote, without fetching (`git ls-remote`): what polling
 * compares against the last known head.
 */
import { gitErrorText, runRemoteGit } from './git-client';
import { RemoteUnreachableError } from './repo-errors';
import { redactUrl } from './repo-url';

/** The commit the branch points at, or null when the remote has no such branch. */
export async function remoteHead(url: string, branch: string, timeoutMs: number): Promise<string | null> {
  let text: string;
  try {
    text = await runRemoteGit(['ls-remote', '--heads', '--', url, `refs/heads/${branch}`], { timeoutMs });
  } catch (err) {
    throw new RemoteUnreachableError(redactUrl(url), gitErrorText(err).replace(url, redactUrl(url)));
  }
  for (const line of text.split('\n')) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (ref === `refs/heads/${branch}` && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
  }
  return null;
}
