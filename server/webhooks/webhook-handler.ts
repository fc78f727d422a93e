/**
 * POST /webhooks/<host>: verify the signature over the raw body (nothing changes on a bad
 * one), parse the push, find the student by repository, and record (student, commit). The
 * answer is 202: grading happens later. A redelivered event finds its commit already
 * recorded and is answered as a duplicate.
 */
import type { Request, Response } from 'express';
import type { CourseConfig } from '../../grader/config/course-config-schema';
import { findStudentByRepoKey } from '../../grader/config/load-course-config';
import { findRepoKey } from '../../grader/repo/repo-url';
import type { Push } from '../../grader/queue/grading-service';
import type { SubmissionRow } from '../../grader/store/rows';
import { httpError } from '../http-errors';
import { detectProvider, type Provider } from './providers';

export interface WebhookDeps {
  config: CourseConfig;
  receivePush(push: Push): { submission: SubmissionRow; duplicate: boolean };
}

export type WebhookReply =
  | { status: 'queued' | 'duplicate'; message: string; student: string; commit: string; submission: number }
  | { status: 'ignored'; message: string }
  | { status: 'pong'; message: string };

function rawBody(req: Request): Buffer {
  const body: unknown = req.body;
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** GitHub may post `payload=<json>` form-encoded; everyone else posts JSON. */
function jsonText(req: Request, body: Buffer): string {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(body.toString('utf8')).get('payload') ?? '';
  }
  return body.toString('utf8');
}

export function handleWebhook(deps: WebhookDeps, fixed: Provider | undefined) {
  return (req: Request, res: Response): void => {
    const provider = fixed ?? detectProvider(req.headers);
    if (provider === undefined) throw httpError('UNKNOWN_PROVIDER');
    const body = rawBody(req);

    const verdict = provider.verify(req.headers, body, deps.config.secrets.webhookSecret.reveal());
    if (verdict === 'missing') throw httpError('SIGNATURE_MISSING', { expected: provider.signatureHeader });
    if (verdict === 'invalid') throw httpError('SIGNATURE_INVALID', { header: provider.signatureHeader });

    let payload: unknown;
    try {
      payload = JSON.parse(jsonText(req, body));
    } catch (err) {
      throw httpError('MALFORMED_JSON', { detail: err instanceof Error ? err.message : String(err) });
    }

    const event = provider.event(req.headers);
    const reply = (status: number, value: WebhookReply) => {
      res.status(status).json(value);
    };
    if (provider.isPing(event)) {
      reply(200, { status: 'pong', message: `webhook for course ${deps.config.course} is set up` });
      return;
    }
    if (!provider.isPush(event)) {
      reply(202, { status: 'ignored', message: `event '${event ?? ''}' is not a push; nothing to grade` });
      return;
    }

    const parsed = provider.parsePush(payload);
    if (!parsed.ok) throw httpError('BAD_PAYLOAD', { provider: provider.name, detail: parsed.detail });
    const push = parsed.push;

    const student = push.repoUrls
      .map((u) => findRepoKey(u))
      .filter((k): k is string => k !== undefined)
      .map((k) => findStudentByRepoKey(deps.config, k))
      .find((s) => s !== undefined);
    if (student === undefined) {
      throw httpError('UNKNOWN_REPOSITORY', { course: deps.config.course, urls: push.repoUrls.join(', ') || '(no URL in the payload)' });
    }
    if (push.ref !== `refs/heads/${student.branch}`) {
      reply(202, { status: 'ignored', message: `push to ${push.ref}; grading follows refs/heads/${student.branch} of ${student.id}` });
      return;
    }
    if (push.deleted) {
      reply(202, { status: 'ignored', message: `branch ${student.branch} of ${student.id} was deleted; nothing to grade` });
      return;
    }
    const deliveryId = provider.deliveryId(req.headers);
    const recorded = deps.receivePush({
      studentId: student.id,
      commit: push.after,
      branch: student.branch,
      source: provider.name,
      ...(deliveryId !== undefined ? { deliveryId } : {}),
    });
    reply(202, {
      status: recorded.duplicate ? 'duplicate' : 'queued',
      message: recorded.duplicate
        ? `commit ${push.after.slice(0, 12)} of ${student.id} was already received; it is graded once`
        : `commit ${push.after.slice(0, 12)} of ${student.id} queued for grading`,
      student: student.id,
      commit: push.after,
      submission: recorded.submission.id,
    });
  };
}
