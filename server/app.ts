/**
 * The Express app: `createApp(config, deps)` builds it without listening (tests mount it on
 * an ephemeral port); server/main.ts listens.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { CourseConfig } from '../grader/config/course-config-schema';
import type { GradingService } from '../grader/queue/grading-service';
import { HttpError, httpError } from './http-errors';
import { WEBHOOK_BODY_LIMIT, registerRoutes } from './routes';

export interface AppDeps {
  /** What the routes use of the grading service. */
  service: Pick<GradingService, 'receivePush' | 'status'>;
  /** Server errors (5xx) with their stack; default stderr. */
  logError?: (message: string) => void;
}

export interface AppContext extends AppDeps {
  config: CourseConfig;
}

function isBodyParserError(err: unknown): err is { type: string; status: number } {
  return typeof err === 'object' && err !== null && 'type' in err && 'status' in err && typeof err.type === 'string' && typeof err.status === 'number';
}

export function createApp(config: CourseConfig, deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const ctx: AppContext = { ...deps, config };
  registerRoutes(app, ctx);

  // Express 5 passes thrown errors and rejected promises here.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let error: HttpError;
    if (err instanceof HttpError) error = err;
    else if (isBodyParserError(err) && err.type === 'entity.too.large') error = httpError('BODY_TOO_LARGE', { limit: WEBHOOK_BODY_LIMIT });
    else {
      error = httpError('INTERNAL');
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      (deps.logError ?? ((m: string) => process.stderr.write(`${m}\n`)))(`${req.method} ${req.path}: ${text}`);
    }
    res.status(error.status).json(error.toJSON());
  });
  return app;
}
