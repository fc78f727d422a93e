/**
 * The poster against a local host that checks every request against the provider's
 * documented API: each provider's request, retries with backoff after 5xx and timeouts,
 * refusals not retried, bounded attempts, the newest status winning.
 */
import type { CommitStatusConfig, CommitStatusProvider } from '../../../grader/config/course-config-schema';
import { Secret } from '../../../grader/config/secret';
import { StatusPoster, type DeliveryEvent, type PosterTimes } from '../../../server/commit-status/status-poster';
import type { CommitStatus, StatusPhase } from '../../../server/commit-status/status-requests';
import { FakeStatusHost } from './fake-status-host';

const TOKEN = 'test-token-1234567890';
const SHA = 'c0ffee'.padEnd(40, '0');
const TARGET = 'https://grader.example.org/s/alice.abc/reports/7';

function status(phase: StatusPhase, description = `the ${phase} status`, repoPath = 'NN2/alice'): CommitStatus {
  return { repoPath, sha: SHA, phase, description, targetUrl: TARGET, context: 'nn2-grader/demo-add' };
}

describe('StatusPoster', () => {
  const hosts: FakeStatusHost[] = [];
  const posters: StatusPoster[] = [];
  afterEach(async () => {
    for (const p of posters.splice(0)) p.close();
    await Promise.all(hosts.splice(0).map((h) => h.close()));
  });

  async function setUp(provider: CommitStatusProvider, times: Partial<PosterTimes> = {}) {
    const host = await new FakeStatusHost(provider, TOKEN).start();
    hosts.push(host);
    const config: CommitStatusConfig = { provider, apiUrl: host.url, token: new Secret(TOKEN, 'TEST_STATUS_TOKEN'), context: 'nn2-grader' };
    const log: string[] = [];
    const poster = new StatusPoster(config, (line) => log.push(line), { baseMs: 20, maxMs: 2_000, timeoutMs: 5_000, ...times });
    posters.push(poster);
    const events: DeliveryEvent[] = [];
    poster.on('delivery', (e: DeliveryEvent) => events.push(e));
    return { host, poster, log, events };
  }

  const settled = (poster: StatusPoster) => (poster.idle() ? Promise.resolve() : new Promise<void>((resolve) => poster.once('idle', () => resolve())));

  it.each([
    ['github', 'pending', 'success', 'failure', 'error'],
    ['gitea', 'pending', 'success', 'failure', 'error'],
    ['forgejo', 'pending', 'success', 'failure', 'error'],
    ['gitlab', 'running', 'success', 'failed', 'failed'],
  ] as const)('posts what %s documents: pending, then the final state', async (provider, running, success, failure, error) => {
    const { host, poster, events } = await setUp(provider);
    const wanted: Array<[StatusPhase, string]> = [
      ['queued', 'pending'],
      ['running', running],
      ['success', success],
      ['failure', failure],
      ['error', error],
    ];
    for (const [phase] of wanted) {
      poster.post(status(phase));
      await settled(poster);
    }
    expect(host.problems).toEqual([]);
    expect(host.received.map((s) => [s.state, s.description])).toEqual(wanted.map(([phase, state]) => [state, `the ${phase} status`]));
    expect(host.received[0]).toMatchObject({ repoPath: 'NN2/alice', sha: SHA, targetUrl: TARGET, context: 'nn2-grader/demo-add' });
    expect(events.filter((e) => e.type === 'posted')).toHaveLength(5);
  });

  it("encodes a GitLab subgroup's project path, and cuts a long description to 140 characters", async () => {
    const { host, poster } = await setUp('gitlab');
    poster.post(status('success', `7/7 visible: ${'всё хорошо '.repeat(30)}`, 'course/2025/Bob'));
    await settled(poster);
    expect(host.problems).toEqual([]);
    const [received] = host.received;
    expect(received.repoPath).toBe('course/2025/Bob');
    expect(Array.from(received.description)).toHaveLength(140);
    expect(received.description.endsWith('…')).toBe(true);
  });

  it('tries again after 500s and a request that never answers, with growing backoff, until the host accepts', async () => {
    const { host, poster, events, log } = await setUp('github', { timeoutMs: 300 });
    host.respondWith(500, 'hang', 502);
    poster.post(status('success'));
    await settled(poster);
    expect(host.requests).toBe(4);
    expect(host.received.map((s) => s.state)).toEqual(['success']);
    const retries = events.filter((e): e is Extract<DeliveryEvent, { type: 'retry' }> => e.type === 'retry');
    expect(retries.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(retries[0].error).toMatch(/answered 500/);
    expect(retries[1].error).toMatch(/no answer within 300 ms/);
    expect(retries[2].error).toMatch(/answered 502/);
    // base, 4x base, 16x base, each within ±20 %.
    expect(retries[1].inMs).toBeGreaterThan(retries[0].inMs);
    expect(retries[2].inMs).toBeGreaterThan(retries[1].inMs);
    expect(events.at(-1)).toMatchObject({ type: 'posted', attempt: 4 });
    expect(log.join('\n')).toMatch(/trying again in/);
    expect(log.join('\n')).not.toContain(TOKEN);
  });

  it('gives up after the bounded number of attempts and logs it; a refusal (401) is not retried', async () => {
    const { host, poster, events, log } = await setUp('gitea', { attempts: 3 });
    host.fallback = 503;
    poster.post(status('success'));
    await settled(poster);
    expect(host.requests).toBe(3);
    expect(events.at(-1)).toMatchObject({ type: 'failed', attempt: 3 });
    expect(log.at(-1)).toMatch(/commit status success for NN2\/alice@c0ffee000000 nn2-grader\/demo-add not posted: .*answered 503.*gave up after 3 attempts/);

    host.fallback = 401;
    poster.post(status('failure'));
    await settled(poster);
    expect(host.requests).toBe(4);
    expect(events.at(-1)).toMatchObject({ type: 'failed', attempt: 1 });
  });

  it('a connection refused is retried like a 5xx', async () => {
    const { host, poster, events } = await setUp('github', { attempts: 2 });
    await host.close();
    poster.post(status('success'));
    await settled(poster);
    expect(events.map((e) => e.type)).toEqual(['retry', 'failed']);
    expect(events[1]).toMatchObject({ error: expect.stringMatching(/gave up after 2 attempts/) });
  });

  it('the newest status wins: a pending waiting for its retry is replaced by the final one, and a repeat is not sent', async () => {
    const { host, poster, events } = await setUp('github', { baseMs: 60_000, maxMs: 60_000 });
    host.respondWith(500);
    poster.post(status('queued'));
    await new Promise<void>((resolve) => poster.once('delivery', () => resolve()));
    expect(events.map((e) => e.type)).toEqual(['retry']);
    // The retry would wait a minute; the result arrives meanwhile and goes at once.
    poster.post(status('success'));
    await settled(poster);
    expect(host.received.map((s) => s.state)).toEqual(['success']);
    expect(events.map((e) => e.type)).toEqual(['retry', 'superseded', 'posted']);

    poster.post(status('running', 'being graded'));
    poster.post(status('running', 'being graded'));
    await settled(poster);
    poster.post(status('running', 'being graded'));
    await settled(poster);
    expect(host.received.map((s) => s.description)).toEqual(['the success status', 'being graded']);
  });

  it('keeps at most `concurrency` requests open: a class regraded at once does not flood the host', async () => {
    const { host, poster } = await setUp('github', { concurrency: 2 });
    host.fallback = 'slow';
    const shas = Array.from({ length: 6 }, (_, i) => String(i).repeat(40));
    for (const sha of shas) poster.post({ ...status('success'), sha });
    await settled(poster);
    expect(host.problems).toEqual([]);
    expect(new Set(host.received.map((s) => s.sha))).toEqual(new Set(shas));
    expect(host.maxOpen).toBe(2);
  });

  it('close drops what waits and aborts what is in flight', async () => {
    const { host, poster, events } = await setUp('github');
    host.respondWith('hang');
    poster.post(status('success'));
    await new Promise<void>((resolve) => host.once('request', () => resolve()));
    poster.close();
    await settled(poster);
    expect(events).toEqual([]);
    poster.post(status('failure'));
    expect(poster.idle()).toBe(true);
  });
});
