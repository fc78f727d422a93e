/**
 * Every error the HTTP side answers with: a stable code, an HTTP status and a message
 * template. Responses carry `{ error: { code, message } }`.
 */
export const HTTP_ERRORS = {
  SIGNATURE_MISSING: { status: 401, message: (p: { expected: string }) => `no signature: expected the ${p.expected} header (set the webhook's secret to the course's webhook secret)` },
  SIGNATURE_INVALID: { status: 401, message: (p: { header: string }) => `the ${p.header} header does not match the body: check that the webhook's secret is the course's webhook secret` },
  TOKEN_REQUIRED: { status: 401, message: () => 'an instructor token is required: send Authorization: Bearer <token>' },
  TOKEN_INVALID: { status: 401, message: () => 'the instructor token is not valid' },
  MALFORMED_JSON: { status: 400, message: (p: { detail: string }) => `the body is not valid JSON: ${p.detail}` },
  BAD_PAYLOAD: { status: 400, message: (p: { provider: string; detail: string }) => `not a ${p.provider} push event: ${p.detail}` },
  UNKNOWN_PROVIDER: { status: 401, message: () => 'no webhook signature: expected X-Hub-Signature-256 (GitHub), X-Gitlab-Token (GitLab), X-Gitea-Signature (Gitea) or X-Forgejo-Signature (Forgejo); or post to /webhooks/<host>' },
  UNKNOWN_REPOSITORY: { status: 404, message: (p: { course: string; urls: string }) => `no student of course ${p.course} has the repository ${p.urls}; check the roster's repo URLs` },
  NOT_FOUND: { status: 404, message: (p: { method: string; path: string }) => `no such page: ${p.method} ${p.path}` },
  BODY_TOO_LARGE: { status: 413, message: (p: { limit: string }) => `the body is larger than ${p.limit}` },
  INTERNAL: { status: 500, message: () => 'the server failed; the error was logged' },
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;
type ParamsOf<C extends HttpErrorCode> = Parameters<(typeof HTTP_ERRORS)[C]['message']>[0];

export class HttpError extends Error {
  readonly status: number;

  constructor(
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = HTTP_ERRORS[code].status;
  }

  toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Builds the catalogue's error `code` with its parameters. */
export function httpError<C extends HttpErrorCode>(code: C, ...params: ParamsOf<C> extends undefined ? [] : [ParamsOf<C>]): HttpError {
  const template = HTTP_ERRORS[code].message as (p?: unknown) => string;
  return new HttpError(code, template(params[0]));
}
