/**
 * The Express application: webhooks, the instructors' and students' pages, exports, health
 * and metrics. `createApp` is exported for tests; server/main.ts only configures and listens.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { CourseConfig } from '../grader/config/course-config-schema';
import type { GradingService } from '../grader/queue/grading-service';
import { InstructorRecords } from '../grader/store/instructor-records';
import { StaffTokens } from '../grader/store/staff-tokens';
import { ServerKeys } from './auth/keys';
import { HttpError, httpError } from './http-errors';
import { langOf } from './i18n/language';
import { uiText } from './i18n/ui-text';
import { sendMessage } from './pages/page-context';
import { WEBHOOK_BODY_LIMIT, registerRoutes } from './routes';

export interface AppDeps {
  service: GradingService;
  /** Server errors (5xx) with their stack; default stderr. */
  logError?: (message: string) => void;
  /** The clock for sessions and actions (tests). */
  now?: () => number;
}

export interface AppContext {
  config: CourseConfig;
  service: GradingService;
  records: InstructorRecords;
  /** Personal instructor and TA tokens. */
  staff: StaffTokens;
  keys: ServerKeys;
  now: () => number;
  logError: (message: string) => void;
}

function isBodyParserError(err: unknown): err is { type: string; status: number } {
  return typeof err === 'object' && err !== null && 'type' in err && 'status' in err && typeof err.type === 'string' && typeof err.status === 'number';
}

/** Machine clients (webhooks, APIs, exports) get JSON errors; browsers get a page. */
function wantsJson(req: Request): boolean {
  // Browsers ask for text/html first; curl, fetch and scripts send */* and get JSON.
  return req.path.startsWith('/webhooks') || req.path.startsWith('/api/') || req.path.endsWith('.json') || req.path.endsWith('.csv') || req.accepts(['json', 'html']) !== 'html';
}

/** Pages are server-rendered: no inline scripts, no third-party anything. */
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy':
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    // Not no-referrer: under it browsers send `Origin: null` with our own form posts, which
    // the CSRF check refuses (Chromium did, in tests/e2e/browser.test.ts).
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  });
  next();
}

export function createApp(config: CourseConfig, deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a TLS-terminating proxy (the course's trustProxy), req.secure and req.ip follow
  // X-Forwarded-Proto and X-Forwarded-For, so session cookies get Secure; else they are ignored.
  app.set('trust proxy', config.trustProxy);
  const ctx: AppContext = {
    config,
    service: deps.service,
    records: new InstructorRecords(deps.service.store.db),
    staff: new StaffTokens(deps.service.store.db),
    keys: new ServerKeys(config),
    now: deps.now ?? Date.now,
    logError: deps.logError ?? ((m: string) => process.stderr.write(`${m}\n`)),
  };
  app.use(securityHeaders);
  registerRoutes(app, ctx);

  // Express 5 passes thrown errors and rejected promises here.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let error: HttpError;
    if (err instanceof HttpError) error = err;
    else if (isBodyParserError(err) && err.type === 'entity.too.large') error = httpError('BODY_TOO_LARGE', { limit: WEBHOOK_BODY_LIMIT });
    else if (isBodyParserError(err) && err.status >= 400 && err.status < 500) error = httpError('MALFORMED_JSON', { detail: err.type });
    else {
      error = httpError('INTERNAL');
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      ctx.logError(`${req.method} ${req.path}: ${text}`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (wantsJson(req)) {
      res.status(error.status).json(error.toJSON());
      return;
    }
    const t = uiText(langOf(res));
    if (error.status === 404) sendMessage(req, res, ctx, 404, t.notFoundTitle, t.notFoundText);
    else if (error.status >= 500) sendMessage(req, res, ctx, error.status, t.errorTitle, t.errorText);
    else sendMessage(req, res, ctx, error.status, t.forbiddenTitle, error.message);
  });
  return app;
}
