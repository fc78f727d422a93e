/**
 * Who may do what. Instructor pages need the session cookie (else: the sign-in page);
 * instructor APIs accept the session or `Authorization: Bearer <token>` (a personal token,
 * or the shared one while legacySharedToken allows it); every instructor POST needs the CSRF
 * token. Both guards put the person in res.locals.actor. Student pages are reached by their
 * secret link only.
 */
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../app';
import { httpError } from '../http-errors';
import { langOf } from '../i18n/language';
import { uiText } from '../i18n/ui-text';
import { sendMessage } from '../pages/page-context';
import { readSession, verifyCsrf, type InstructorSession } from './instructor-session';
import { actorForSession, actorForToken } from './staff';

export function instructorPage(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const session = readSession(req, ctx.keys, ctx.now());
    const actor = session !== undefined ? actorForSession(ctx, session) : undefined;
    if (session === undefined || actor === undefined) {
      if (req.method === 'GET' || req.method === 'HEAD') res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl)}`);
      else {
        const t = uiText(langOf(res));
        sendMessage(req, res, ctx, 401, t.forbiddenTitle, t.signInHelp, { href: '/signin', label: t.signIn });
      }
      return;
    }
    res.locals.session = session;
    res.locals.actor = actor;
    next();
  };
}

/** For state-changing instructor requests (after instructorPage). */
export function csrfProtected(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const session = res.locals.session as InstructorSession | undefined;
    if (session === undefined || !verifyCsrf(req, ctx.keys, session)) {
      const t = uiText(langOf(res));
      sendMessage(req, res, ctx, 403, t.forbiddenTitle, t.csrfText);
      return;
    }
    next();
  };
}

/** JSON/CSV endpoints: the session cookie or the bearer token. */
export function instructorApi(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const session = readSession(req, ctx.keys, ctx.now());
    const fromSession = session !== undefined ? actorForSession(ctx, session) : undefined;
    if (fromSession !== undefined) {
      res.locals.actor = fromSession;
      next();
      return;
    }
    const auth = req.headers.authorization;
    const m = auth === undefined ? null : /^Bearer\s+(\S+)$/i.exec(auth.trim());
    if (m === null) throw httpError('TOKEN_REQUIRED');
    const actor = actorForToken(ctx, m[1]);
    if (actor === undefined) throw httpError('TOKEN_INVALID');
    res.locals.actor = actor;
    next();
  };
}
