/**
 * A git host's commit status API on a local port, strict about what each host documents:
 * method, path, authentication and headers, the body's fields and their allowed values. A
 * request that breaks the rules is answered as the host would (401, 404, 415, 422) and
 * recorded in `problems`; an accepted one is answered 201 with the created status. Tests can
 * make it fail (any HTTP status) or hang, request by request.
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommitStatusProvider } from '../../../grader/config/course-config-schema';

export interface ReceivedStatus {
  provider: CommitStatusProvider;
  /** owner/name (GitLab: the decoded project path). */
  repoPath: string;
  sha: string;
  state: string;
  description: string;
  targetUrl: string;
  context: string;
  /** ms since the host started. */
  at: number;
}

/** What to do with the next request: answer normally (at once or after a while), fail with a status, or never answer. */
export type Behaviour = 'ok' | 'slow' | 'hang' | number;

/** How long a 'slow' answer takes. */
const SLOW_MS = 150;

const ALLOWED_STATES: Record<CommitStatusProvider, readonly string[]> = {
  github: ['error', 'failure', 'pending', 'success'],
  gitlab: ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'],
  gitea: ['pending', 'success', 'error', 'failure', 'warning'],
  forgejo: ['pending', 'success', 'error', 'failure', 'warning'],
};

const BODY_FIELDS: Record<CommitStatusProvider, readonly string[]> = {
  github: ['state', 'target_url', 'description', 'context'],
  gitlab: ['state', 'ref', 'name', 'context', 'target_url', 'description', 'coverage', 'pipeline_id'],
  gitea: ['state', 'target_url', 'description', 'context'],
  forgejo: ['state', 'target_url', 'description', 'context'],
};

const PATHS: Record<CommitStatusProvider, RegExp> = {
  github: /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/,
  // The project is one path segment: its full path URL-encoded (%2F between groups).
  gitlab: /^\/api\/v4\/projects\/([^/]+)\/statuses\/([0-9a-f]{40})$/,
  gitea: /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/,
  forgejo: /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/,
};

export class FakeStatusHost extends EventEmitter {
  readonly received: ReceivedStatus[] = [];
  readonly problems: string[] = [];
  /** Every request, accepted or not, with the behaviour it met. */
  requests = 0;
  /** The most requests open at once. */
  maxOpen = 0;
  private open = 0;
  private readonly plan: Behaviour[] = [];
  private readonly held = new Set<http.ServerResponse>();
  private server: http.Server | undefined;
  private readonly started = Date.now();
  /** When the plan is empty. */
  fallback: Behaviour = 'ok';

  constructor(
    readonly provider: CommitStatusProvider,
    readonly token: string,
  ) {
    super();
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** The API address the course file names (GitHub: the API root; others: the instance root). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (address === null || address === undefined) throw new Error('the fake host is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The next requests meet these behaviours, in order. */
  respondWith(...behaviours: Behaviour[]): this {
    this.plan.push(...behaviours);
    return this;
  }

  /** Resolves when an accepted status matches (already received or still to come). */
  waitForStatus(match: (s: ReceivedStatus) => boolean, what: string, timeoutMs = 180_000): Promise<ReceivedStatus> {
    const found = this.received.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('status', listener);
        reject(new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(this.received.map((s) => [s.context, s.state, s.description]))}`));
      }, timeoutMs);
      const listener = (s: ReceivedStatus) => {
        if (!match(s)) return;
        clearTimeout(timer);
        this.off('status', listener);
        resolve(s);
      };
      this.on('status', listener);
    });
  }

  async close(): Promise<void> {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private refuse(res: http.ServerResponse, status: number, problem: string): void {
    this.problems.push(problem);
    this.emit('problem', problem);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: problem }));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    this.open += 1;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    res.once('close', () => {
      this.open -= 1;
    });
    req.on('end', () => {
      this.requests += 1;
      const behaviour = this.plan.shift() ?? this.fallback;
      this.emit('request', behaviour);
      if (behaviour === 'hang') {
        this.held.add(res);
        return;
      }
      if (typeof behaviour === 'number') {
        res.writeHead(behaviour, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: `planned ${behaviour}` }));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (behaviour === 'slow') setTimeout(() => this.check(req, text, res), SLOW_MS);
      else this.check(req, text, res);
    });
  }

  private check(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
    const p = this.provider;
    if (req.method !== 'POST') return this.refuse(res, 405, `${req.method}: statuses are created with POST`);
    const m = PATHS[p].exec(req.url ?? '');
    if (m === null) return this.refuse(res, 404, `${req.url}: not the ${p} statuses path`);
    const repoPath = p === 'gitlab' ? decodeURIComponent(m[1]) : `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`;
    const sha = p === 'gitlab' ? m[2] : m[3];
    if (p === 'gitlab' && !m[1].includes('%2F')) return this.refuse(res, 404, `${m[1]}: a GitLab project path must be URL-encoded`);

    const h = req.headers;
    const auth =
      p === 'github' ? h.authorization === `Bearer ${this.token}` : p === 'gitlab' ? h['private-token'] === this.token : h.authorization === `token ${this.token}`;
    if (!auth) return this.refuse(res, 401, `${p}: missing or wrong credentials`);
    if (p === 'github') {
      if (h.accept !== 'application/vnd.github+json') return this.refuse(res, 415, `Accept: ${String(h.accept)}, expected application/vnd.github+json`);
      if (h['x-github-api-version'] !== '2022-11-28') return this.refuse(res, 400, `X-GitHub-Api-Version: ${String(h['x-github-api-version'])}`);
    }
    if ((h['user-agent'] ?? '') === '') return this.refuse(res, 403, 'a User-Agent header is required');
    if (!(h['content-type'] ?? '').startsWith('application/json')) return this.refuse(res, 415, `Content-Type: ${String(h['content-type'])}`);

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return this.refuse(res, 400, 'the body is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return this.refuse(res, 422, 'the body is not an object');
    const fields = body as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !BODY_FIELDS[p].includes(k));
    if (unknown.length > 0) return this.refuse(res, 422, `unknown fields: ${unknown.join(', ')}`);
    const { state, target_url: targetUrl, description } = fields;
    const context = p === 'gitlab' ? (fields.name ?? fields.context) : fields.context;
    if (typeof state !== 'string' || !ALLOWED_STATES[p].includes(state)) return this.refuse(res, 422, `state '${String(state)}' is not one of ${ALLOWED_STATES[p].join(', ')}`);
    if (typeof targetUrl !== 'string' || !/^https?:\/\/\S+$/.test(targetUrl)) return this.refuse(res, 422, `target_url '${String(targetUrl)}' is not an http(s) URL`);
    if (typeof description !== 'string') return this.refuse(res, 422, 'description is not a string');
    if (Array.from(description).length > 140) return this.refuse(res, 422, `description is ${Array.from(description).length} characters, more than 140`);
    if (typeof context !== 'string' || context === '') return this.refuse(res, 422, 'no context (GitLab: name)');

    const status: ReceivedStatus = { provider: p, repoPath, sha, state, description, targetUrl, context, at: Date.now() - this.started };
    this.received.push(status);
    res.writeHead(201, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({ id: this.received.length, [p === 'gitlab' ? 'status' : 'state']: state, target_url: targetUrl, description, [p === 'gitlab' ? 'name' : 'context']: context }),
    );
    this.emit('status', status);
  }
}
