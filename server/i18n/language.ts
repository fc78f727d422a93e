/**
 * The page language: `?lang=` (the switch; remembered in a cookie), else the cookie, else
 * the browser's Accept-Language, else English.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Lang } from '../../grader/spec/assignment-spec';
import { readCookie, setCookie } from '../auth/cookies';

export const LANGS: readonly Lang[] = ['en', 'ru'];
const COOKIE = 'nn2_lang';

function asLang(v: unknown): Lang | undefined {
  return typeof v === 'string' && (LANGS as readonly string[]).includes(v) ? (v as Lang) : undefined;
}

/** The best of our languages for an Accept-Language header (q-values respected). */
export function fromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (header === undefined) return undefined;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find((m) => m !== null);
      return { tag: (tag ?? '').toLowerCase(), q: q !== undefined && q !== null ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.tag !== '' && Number.isFinite(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const lang = asLang(tag.split('-')[0]);
    if (lang !== undefined) return lang;
  }
  return undefined;
}

export function chooseLanguage(req: Request, res: Response, next: NextFunction): void {
  const asked = asLang(req.query.lang);
  if (asked !== undefined) setCookie(req, res, COOKIE, asked, { maxAgeSeconds: 365 * 24 * 3600 });
  res.locals.lang = asked ?? asLang(readCookie(req, COOKIE)) ?? fromAcceptLanguage(req.get('accept-language')) ?? 'en';
  next();
}

export function langOf(res: Response): Lang {
  return asLang(res.locals.lang) ?? 'en';
}
