/** What every page handler needs: who is asking, in which language, and the page frame. */
import type { Request, Response } from 'express';
import type { Lang } from '../../grader/spec/assignment-spec';
import type { AppContext } from '../app';
import { csrfToken, readSession, type InstructorSession } from '../auth/instructor-session';
import { actorForSession, actorName } from '../auth/staff';
import { langOf, LANGS } from '../i18n/language';
import { uiText } from '../i18n/ui-text';
import { renderPage, type LayoutModel, type PageName } from '../views/render';

const LANG_LABELS: Record<Lang, string> = { en: 'English', ru: 'Русский' };

/** A valid session cookie whose person may still sign in (a revoked token ends its sessions). */
export function sessionOf(req: Request, ctx: AppContext): InstructorSession | undefined {
  return signedIn(req, ctx)?.session;
}

function signedIn(req: Request, ctx: AppContext): { session: InstructorSession; name: string } | undefined {
  const session = readSession(req, ctx.keys, ctx.now());
  const actor = session !== undefined ? actorForSession(ctx, session) : undefined;
  return session !== undefined && actor !== undefined ? { session, name: actorName(actor) } : undefined;
}

/** The current URL with ?lang= set. */
function withLang(req: Request, lang: Lang): string {
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

export interface PageOptions {
  head?: string;
  scripts?: string[];
  status?: number;
}

export function sendPage(req: Request, res: Response, ctx: AppContext, page: PageName, title: string, model: Record<string, unknown>, options: PageOptions = {}): void {
  const lang = langOf(res);
  const signed = signedIn(req, ctx);
  const layout: LayoutModel = {
    title,
    lang,
    instructor: signed !== undefined,
    ...(signed !== undefined ? { csrf: csrfToken(ctx.keys, signed.session), signedInAs: signed.name } : {}),
    langLinks: LANGS.map((l) => ({ lang: l, href: withLang(req, l), current: l === lang, label: LANG_LABELS[l] })),
    ...(options.head !== undefined ? { head: options.head } : {}),
    ...(options.scripts !== undefined ? { scripts: options.scripts } : {}),
  };
  res.status(options.status ?? 200).type('html').set('Cache-Control', 'no-store').send(renderPage(page, layout, model));
}

/** A page with a heading and a sentence (errors, notices). */
export function sendMessage(req: Request, res: Response, ctx: AppContext, status: number, title: string, text: string, link?: { href: string; label: string }): void {
  sendPage(req, res, ctx, 'message', title, { title, text, link }, { status });
}

/** The same 404 for a page that does not exist and one the reader may not see. */
export function notFound(req: Request, res: Response, ctx: AppContext): void {
  const t = uiText(langOf(res));
  sendMessage(req, res, ctx, 404, t.notFoundTitle, t.notFoundText);
}

export function formatTime(ms: number, lang: Lang): string {
  return new Date(ms).toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' }) + ' UTC';
}
