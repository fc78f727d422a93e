/**
 * The one place that maps URLs to handlers.
 *
 *   instructors (session cookie)          students (secret link)
 *   /signin  /signout                     /s/:secret                       their page
 *   /dashboard                            /s/:secret/reports/:job          their report
 *   /students/:student                    /s/:secret/reports/:job/events   live feed
 *   /reports/:job  (+ /events, /regrade, /override, /result.json, /gradescope.json)
 *   /assignments/:assignment/(regrade|release|unrelease)
 *   /export/gradebook.csv  /export/links.csv
 *   machines: /webhooks[/host], /healthz, /metrics, /api/status (token or session)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import express, { type Express, type Request, type Response } from 'express';
import { FIGURE_CSS } from '../grader/report/render-figure';
import { REPORT_CSS } from '../grader/report/report-css';
import { PACKAGE_ROOT } from '../grader/paths';
import type { AppContext } from './app';
import { csrfProtected, instructorApi, instructorPage } from './auth/guards';
import { studentForSecret } from './auth/student-links';
import { httpError } from './http-errors';
import { chooseLanguage } from './i18n/language';
import { metricsRoute } from './metrics';
import { dashboardPage } from './pages/dashboard-page';
import { gradebookExport, resultExport } from './pages/exports';
import { LINKS_EXPORT_PATH, linksExport } from './pages/link-export';
import { overrideScore, regradeAssignment, retrySubmission, regradeJob, releaseHidden } from './pages/instructor-actions';
import type { Viewer } from './pages/report-access';
import { reportEvents } from './pages/report-events';
import { reportPage } from './pages/report-page';
import { SignInLimiter, signIn, signInForm, signOut } from './pages/sign-in-page';
import { studentPage } from './pages/student-page';
import { PROVIDERS } from './webhooks/providers';
import { handleWebhook } from './webhooks/webhook-handler';

/** Webhook bodies are read raw (signatures cover the exact bytes). */
export const WEBHOOK_BODY_LIMIT = '5mb';

const STATIC_DIR = path.join(PACKAGE_ROOT, 'server', 'static');

export function registerRoutes(app: Express, ctx: AppContext): void {
  const raw = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });
  const webhookDeps = { config: ctx.config, receivePush: (push: Parameters<AppContext['service']['receivePush']>[0]) => ctx.service.receivePush(push) };

  app.post('/webhooks', raw, handleWebhook(webhookDeps, undefined));
  app.post('/webhooks/github', raw, handleWebhook(webhookDeps, PROVIDERS.github));
  app.post('/webhooks/gitlab', raw, handleWebhook(webhookDeps, PROVIDERS.gitlab));
  app.post('/webhooks/gitea', raw, handleWebhook(webhookDeps, PROVIDERS.gitea));
  app.post('/webhooks/forgejo', raw, handleWebhook(webhookDeps, PROVIDERS.forgejo));

  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ ok: true, course: ctx.config.course });
  });
  app.get('/metrics', metricsRoute(ctx));
  app.get('/api/status', instructorApi(ctx), (_req: Request, res: Response) => {
    res.json(ctx.service.status());
  });

  // Static assets: the stylesheet joins the server's, the report's and the figures' styles.
  const css = `${fs.readFileSync(path.join(STATIC_DIR, 'app.css'), 'utf8')}\n${REPORT_CSS}\n${FIGURE_CSS}`;
  app.get('/static/app.css', (_req: Request, res: Response) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=300').send(css);
  });
  app.use('/static', express.static(STATIC_DIR, { index: false, maxAge: '5m' }));

  const form = express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 20 });
  app.use(chooseLanguage);

  // Instructors.
  const page = instructorPage(ctx);
  const csrf = csrfProtected(ctx);
  const instructor = (): Viewer => ({ kind: 'instructor' });
  const limiter = new SignInLimiter();
  app.get('/', (req: Request, res: Response) => res.redirect(303, '/dashboard'));
  app.get('/signin', signInForm(ctx));
  app.post('/signin', form, signIn(ctx, limiter));
  app.post('/signout', form, signOut(ctx));
  app.get('/dashboard', page, dashboardPage(ctx));
  app.get('/students/:student', page, studentPage(ctx, instructor));
  app.get('/reports/:job', page, reportPage(ctx, instructor));
  app.get('/reports/:job/events', page, reportEvents(ctx, instructor));
  app.get('/reports/:job/result.json', instructorApi(ctx), resultExport(ctx, 'result'));
  app.get('/reports/:job/gradescope.json', instructorApi(ctx), resultExport(ctx, 'gradescope'));
  app.post('/reports/:job/regrade', form, page, csrf, regradeJob(ctx));
  app.post('/reports/:job/override', form, page, csrf, overrideScore(ctx));
  app.post('/assignments/:assignment/regrade', form, page, csrf, regradeAssignment(ctx));
  app.post('/submissions/:submission/retry', form, page, csrf, retrySubmission(ctx));
  app.post('/assignments/:assignment/release', form, page, csrf, releaseHidden(ctx, true));
  app.post('/assignments/:assignment/unrelease', form, page, csrf, releaseHidden(ctx, false));
  app.get('/export/gradebook.csv', instructorApi(ctx), gradebookExport(ctx));
  app.get(LINKS_EXPORT_PATH, instructorApi(ctx), linksExport(ctx));

  // Students, by their secret link.
  const student = (req: Request): Viewer | undefined => {
    const secret = String(req.params.secret);
    const found = studentForSecret(ctx.config, ctx.keys, secret);
    return found !== undefined ? { kind: 'student', student: found, secret } : undefined;
  };
  app.get('/s/:secret', studentPage(ctx, student));
  app.get('/s/:secret/reports/:job', reportPage(ctx, student));
  app.get('/s/:secret/reports/:job/events', reportEvents(ctx, student));

  app.use((req: Request) => {
    throw httpError('NOT_FOUND', { method: req.method, path: req.path });
  });
}
