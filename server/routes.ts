/**
 * The one place that maps URLs to handlers. Pages (dashboard, reports) are added here too.
 */
import express, { type Express, type Request, type Response } from 'express';
import { httpError } from './http-errors';
import { requireInstructor } from './instructor-auth';
import { PROVIDERS } from './webhooks/providers';
import { handleWebhook } from './webhooks/webhook-handler';
import type { AppContext } from './app';

/** Webhook bodies are read raw (signatures cover the exact bytes). */
export const WEBHOOK_BODY_LIMIT = '5mb';

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
  app.get('/api/status', requireInstructor(ctx.config), (_req: Request, res: Response) => {
    res.json(ctx.service.status());
  });

  app.use((req: Request) => {
    throw httpError('NOT_FOUND', { method: req.method, path: req.path });
  });
}
