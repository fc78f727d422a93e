/** Instructor access: `Authorization: Bearer <token>`, the token from the environment. */
import type { NextFunction, Request, Response } from 'express';
import type { CourseConfig } from '../grader/config/course-config-schema';
import { httpError } from './http-errors';
import { constantTimeEqual } from './webhooks/signatures';

export function requireInstructor(config: CourseConfig) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const auth = req.headers.authorization;
    const m = auth === undefined ? null : /^Bearer\s+(\S+)$/i.exec(auth.trim());
    if (m === null) throw httpError('TOKEN_REQUIRED');
    if (!constantTimeEqual(m[1], config.secrets.instructorToken.reveal())) throw httpError('TOKEN_INVALID');
    next();
  };
}
