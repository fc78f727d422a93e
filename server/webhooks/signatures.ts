/**
 * How each git host signs its webhook requests, checked in constant time:
 * - GitHub: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>
 * - Gitea: X-Gitea-Signature: <hex HMAC-SHA256 of the raw body>; Forgejo: X-Forgejo-Signature
 * - GitLab: X-Gitlab-Token: the secret itself
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha256Hex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Equal strings, compared in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  // Hash first so lengths match and a length difference leaks nothing either.
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export type Verdict = 'ok' | 'missing' | 'invalid';

export function verifyGithub(header: string | undefined, body: Buffer, secret: string): Verdict {
  if (header === undefined || header.trim() === '') return 'missing';
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (m === null) return 'invalid';
  return constantTimeEqual(m[1].toLowerCase(), hmacSha256Hex(secret, body)) ? 'ok' : 'invalid';
}

export function verifyGiteaLike(header: string | undefined, body: Buffer, secret: string): Verdict {
  if (header === undefined || header.trim() === '') return 'missing';
  const value = header.trim().replace(/^sha256=/i, '');
  if (!/^[0-9a-f]{64}$/i.test(value)) return 'invalid';
  return constantTimeEqual(value.toLowerCase(), hmacSha256Hex(secret, body)) ? 'ok' : 'invalid';
}

export function verifyGitlab(header: string | undefined, secret: string): Verdict {
  if (header === undefined || header === '') return 'missing';
  return constantTimeEqual(header, secret) ? 'ok' : 'invalid';
}
