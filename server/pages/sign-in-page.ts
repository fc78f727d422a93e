/** GET/POST /signin, POST /signout: the instructor's session. */
import type { Request, Response } from 'express';
import type { AppContext } from '../app';
import { endSession, issueSession, verifyCsrf } from '../auth/instructor-session';
import { actorForToken } from '../auth/staff';
import { langOf } from '../i18n/language';
import { uiText } from '../i18n/ui-text';
import { sendMessage, sendPage, sessionOf } from './page-context';

/** Only same-site paths: never an open redirect. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/dashboard';
}

/** Failed sign-ins per client address, per minute. */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly perMinute = 10) {}
  blocked(key: string, now: number): boolean {
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < 60_000);
    this.failures.set(key, recent);
    return recent.length >= this.perMinute;
  }
  fail(key: string, now: number): void {
    const list = this.failures.get(key) ?? [];
    list.push(now);
    this.failures.set(key, list);
  }
}

export function signInForm(ctx: AppContext) {
  return (req: Request, res: Response): void => {
    if (sessionOf(req, ctx) !== undefined) {
      res.redirect(303, safeNext(req.query.next));
      return;
    }
    sendPage(req, res, ctx, 'sign-in', uiText(langOf(res)).signIn, { next: safeNext(req.query.next), error: '' });
  };
}

export function signIn(ctx: AppContext, limiter: SignInLimiter) {
  return (req: Request, res: Response): void => {
    const t = uiText(langOf(res));
    const body: unknown = req.body;
    const field = (name: string): string | undefined =>
      typeof body === 'object' && body !== null && name in body && typeof (body as Record<string, unknown>)[name] === 'string'
        ? ((body as Record<string, unknown>)[name] as string)
        : undefined;
    const next = safeNext(field('next'));
    // The client's address; behind a trusted proxy (trustProxy), the one it forwarded.
    const who = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const now = ctx.now();
    if (limiter.blocked(who, now)) {
      sendPage(req, res, ctx, 'sign-in', t.signIn, { next, error: t.tooManyAttempts }, { status: 429 });
      return;
    }
    const actor = actorForToken(ctx, field('token') ?? '');
    if (actor === undefined) {
      limiter.fail(who, now);
      sendPage(req, res, ctx, 'sign-in', t.signIn, { next, error: t.tokenWrong }, { status: 401 });
      return;
    }
    issueSession(req, res, ctx.keys, now, actor.kind === 'staff' ? actor.id : 0);
    res.redirect(303, next);
  };
}

export function signOut(ctx: AppContext) {
  return (req: Request, res: Response): void => {
    const session = sessionOf(req, ctx);
    if (session !== undefined && !verifyCsrf(req, ctx.keys, session)) {
      const t = uiText(langOf(res));
      sendMessage(req, res, ctx, 403, t.forbiddenTitle, t.csrfText);
      return;
    }
    endSession(req, res);
    res.redirect(303, '/signin');
  };
}
