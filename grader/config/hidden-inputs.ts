/**
 * Hidden tests draw their inputs from a key per commit, made from a course secret: the inputs
 * one student sees (or leaks) serve no other commit, and the same commit regraded sees the
 * same numbers. Only the per-commit key travels with a job (to this server's grading
 * processes or to Redis workers); the course secret stays in the server.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { Secret } from './secret';

/**
 * The default course secret when the course file names none: derived from the instructor
 * token (as the server's other keys are, see server/auth/keys.ts), under a purpose of its own.
 */
export function deriveHiddenInputsSecret(instructorToken: Secret, course: string): Secret {
  const key = Buffer.from(hkdfSync('sha256', instructorToken.reveal(), `nn2-grader:${course}`, 'hidden-inputs', 32));
  return new Secret(key.toString('base64url'), `${instructorToken.source} (derived)`);
}

/** The key a commit's hidden tests draw their inputs with (hex, HMAC-SHA256). */
export function hiddenInputsKey(secret: Secret, commit: string): string {
  return createHmac('sha256', secret.reveal()).update(`hidden-inputs:${commit}`).digest('hex');
}
