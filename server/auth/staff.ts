/**
 * Who an instructor request comes from: a person with a personal token (staff_tokens), or
 * the holder of the course's shared token (legacy, unless the course sets
 * legacySharedToken: false). The name is what overrides, releases and regrades record.
 */
import type { Response } from 'express';
import type { StaffRole } from '../../grader/store/staff-tokens';
import type { AppContext } from '../app';
import { constantTimeEqual } from '../webhooks/signatures';
import type { InstructorSession } from './instructor-session';

export type Actor = { kind: 'shared' } | { kind: 'staff'; id: number; name: string; role: StaffRole };

/** What the shared token's actions are recorded as. */
export const SHARED_TOKEN_ACTOR = 'instructor (shared token)';

export function actorName(actor: Actor): string {
  return actor.kind === 'shared' ? SHARED_TOKEN_ACTOR : actor.name;
}

/** The person a sign-in or bearer token belongs to, if it stands. */
export function actorForToken(ctx: AppContext, token: string): Actor | undefined {
  const text = token.trim();
  if (ctx.config.legacySharedToken && text !== '' && constantTimeEqual(text, ctx.config.secrets.instructorToken.reveal())) return { kind: 'shared' };
  const row = ctx.staff.verify(text, ctx.now());
  return row !== undefined ? { kind: 'staff', id: row.id, name: row.name, role: row.role } : undefined;
}

/** The person a valid session names, while their token still stands (revocation ends it). */
export function actorForSession(ctx: AppContext, session: InstructorSession): Actor | undefined {
  if (session.staffId === 0) return ctx.config.legacySharedToken ? { kind: 'shared' } : undefined;
  const row = ctx.staff.findActive(session.staffId);
  return row !== undefined ? { kind: 'staff', id: row.id, name: row.name, role: row.role } : undefined;
}

/** The name to record for the request's instructor action (set by the guards). */
export function actingName(res: Response): string {
  const actor: unknown = res.locals.actor;
  if (typeof actor === 'object' && actor !== null && 'kind' in actor) {
    if (actor.kind === 'shared') return SHARED_TOKEN_ACTOR;
    if (actor.kind === 'staff' && 'name' in actor && typeof actor.name === 'string') return actor.name;
  }
  throw new Error('an instructor action ran without an authenticated instructor');
}
