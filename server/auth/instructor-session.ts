/**
 * Instructors sign in with a personal token (or the course's shared one) and get a session
 * cookie: `<issued-ms>.<nonce>.<staff-id>.<mac>` (staff id 0: the shared token), HttpOnly,
 * SameSite=Lax, valid for 12 hours. The MAC key derives from the shared token (see keys.ts);
 * whether the person's token still stands is checked on every request (auth/staff.ts).
 *
 * CSRF: every instructor form carries a token bound to the session (an HMAC of the cookie
 * under its own key) and every state-changing request must bring it back; a cross-site
 * Origin header is refused as well.
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual } from '../webhooks/signatures';
import { clearCookie, readCookie, setCookie } from './cookies';
import type { ServerKeys } from './keys';

export const SESSION_COOKIE = 'nn2_session';
export const SESSION_SECONDS = 12 * 3600;

export interface InstructorSession {
  /** The cookie's value (CSRF tokens are bound to it). */
  value: string;
  issuedAt: number;
  /** The staff_tokens row of the person signed in; 0 for the shared token. */
  staffId: number;
}

export function issueSession(req: Request, res: Response, keys: ServerKeys, now: number, staffId = 0): InstructorSession {
  const body = `${now}.${randomBytes(12).toString('base64url')}.${staffId}`;
  const value = `${body}.${keys.mac('session', body)}`;
  setCookie(req, res, SESSION_COOKIE, value, { maxAgeSeconds: SESSION_SECONDS });
  return { value, issuedAt: now, staffId };
}

export function endSession(req: Request, res: Response): void {
  clearCookie(req, res, SESSION_COOKIE);
}

export function readSession(req: Request, keys: ServerKeys, now: number): InstructorSession | undefined {
  const value = readCookie(req, SESSION_COOKIE);
  if (value === undefined) return undefined;
  const m = /^(\d{1,16})\.([A-Za-z0-9_-]{16})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (m === null) return undefined;
  if (!constantTimeEqual(m[4], keys.mac('session', `${m[1]}.${m[2]}.${m[3]}`))) return undefined;
  const issuedAt = Number(m[1]);
  if (!(issuedAt <= now + 60_000 && now - issuedAt < SESSION_SECONDS * 1000)) return undefined;
  return { value, issuedAt, staffId: Number(m[3]) };
}

export function csrfToken(keys: ServerKeys, session: InstructorSession): string {
  return keys.mac('csrf', session.value);
}

/** Same-origin check for state-changing requests: a browser always sends Origin on a cross-site POST. */
export function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function verifyCsrf(req: Request, keys: ServerKeys, session: InstructorSession): boolean {
  const body: unknown = req.body;
  const sent = typeof body === 'object' && body !== null && '_csrf' in body && typeof body._csrf === 'string' ? body._csrf : req.get('x-csrf-token');
  return sent !== undefined && sameOrigin(req) && constantTimeEqual(sent, csrfToken(keys, session));
}

export type SessionMiddleware = (req: Request, res: Response, next: NextFunction) => void;
