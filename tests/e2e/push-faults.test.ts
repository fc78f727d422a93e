/**
 * Fault injection on the whole pipeline, on real parts: 100 students push to bare
 * repositories on the file system, half announced by signed webhooks and half found by
 * polling; a fifth of the remotes are gone while their pushes are fetched (the fetch fails
 * and is retried; polling fails and finds them later); another fifth are served over HTTP by
 * a host that STALLS (accepts their requests and never answers) for a while: their fetches
 * and ls-remotes are stopped after the course's git timeout and retried, and the other
 * students' pushes are prepared meanwhile; the server (`grader serve`, a child process) is
 * killed with SIGKILL once while pushes are being prepared and once while jobs are being
 * graded, and started again on the same SQLite file each time.
 *
 * The guarantee asserted: every accepted push ends graded exactly once (one stored result
 * for its commit, the right score) or failed with a reason; no job is left queued or
 * running. The counts are printed. Waiting is by the database's state, under the one hang
 * guard: a busy machine makes the run slower, never red.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { DIST_ROOT } from '../../grader/paths';
import { openDatabase, type Database } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { GitHttpHost, SECRET_ENV, StudentRepo, WEBHOOK_SECRET, demoSolution, expectScore, tempDir, waitFor, writeCourseFile } from '../repo/git-helpers';
import { WAIT_GUARD_MS } from '../jest/guard';
import { githubPushPayload, githubRequest, post } from '../server/webhook-signing';

const CLI = path.join(DIST_ROOT, 'grader', 'cli', 'main.js');
const STUDENTS = 100;
/** Of every FAULTY students, two have their remote gone while the push is fetched, two a remote that hangs. */
const FAULTY = 10;
/** The course's git timeout in the suite: a git command silent this long is stopped. */
const GIT_TIMEOUT_SECONDS = 5;

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

function serve(configFile: string): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile, '--port', '0', '--poll', '2', '--concurrency', '2'], {
    env: { ...process.env, ...SECRET_ENV },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let log = '';
  return new Promise<Server>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m !== null) resolve({ child, url: m[1], exited });
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${log.slice(-4000)}`)));
  });
}

async function kill(server: Server): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

const CountSchema = z.object({ n: z.number().int() });

describe('the push pipeline under faults', () => {
  let root: string;
  let db: Database | undefined;
  let server: Server | undefined;
  let host: GitHttpHost | undefined;
  const envBefore = { ...process.env };

  beforeAll(() => {
    root = tempDir('e2e-faults');
    Object.assign(process.env, SECRET_ENV);
  });

  afterAll(async () => {
    if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) await kill(server);
    db?.close();
    await host?.close();
    for (const k of Object.keys(SECRET_ENV)) if (!(k in envBefore)) delete process.env[k];
    fs.rmSync(root, { recursive: true, force: true });
  });

  it(`grades every accepted push of ${STUDENTS} students exactly once through failing remotes and two server kills`, async () => {
    const students = Array.from({ length: STUDENTS }, (_, i) => new StudentRepo(root, `s${String(i).padStart(3, '0')}`));
    const byWebhook = (i: number) => i % 2 === 0;
    const faulty = (i: number) => i % FAULTY === 3 || i % FAULTY === 4;
    const stalls = (i: number) => i % FAULTY === 6 || i % FAULTY === 7;
    const healthy = (i: number) => !faulty(i) && !stalls(i);
    const expected = (i: number) => (i % 3 === 0 ? 5 : 10);
    const commits = students.map((s, i) => {
      // Each student's own content, so no two jobs share a result by content.
      const c = s.commit({ 'demo-add/solution.ts': `${demoSolution(expected(i) === 10 ? 'correct' : 'subtracts')}// ${s.id}\n` });
      s.push();
      return c;
    });
    const away = (s: StudentRepo) => `${s.bare}.away`;
    students.forEach((s, i) => {
      if (faulty(i)) fs.renameSync(s.bare, away(s));
    });
    // The stalling students' repositories are reached over HTTP, through a host that hangs.
    host = new GitHttpHost(path.join(root, 'remotes'));
    await host.start();
    const gitHost = host;
    const repoUrl = (s: StudentRepo, i: number) => (stalls(i) ? gitHost.url(s.bare) : s.url);
    students.forEach((s, i) => {
      if (stalls(i)) gitHost.stall(s.bare);
    });
    const file = writeCourseFile(root, {
      students: students.map((s, i) => ({ id: s.id, repo: repoUrl(s, i) })),
      concurrency: 2,
      extra: { limits: { gitTimeoutSeconds: GIT_TIMEOUT_SECONDS } },
    });

    server = await serve(file);
    db = openDatabase(path.join(root, 'data', 'grader.sqlite'));
    const store = new GradeStore(db);
    const count = (sql: string) => CountSchema.parse(db?.prepare(sql).get()).n;

    const replies = await Promise.all(
      students.flatMap((s, i) => (byWebhook(i) ? [post(server?.url ?? '', '/webhooks/github', githubRequest(githubPushPayload({ cloneUrl: repoUrl(s, i), after: commits[i] }), WEBHOOK_SECRET))] : [])),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 202));

    // Kill 1, while pushes are being prepared: as soon as the first is prepared.
    await waitFor(() => (count(`SELECT COUNT(*) AS n FROM submissions WHERE state = 'prepared'`) > 0 ? true : undefined), WAIT_GUARD_MS, 'a first prepared push', 10);
    const unpreparedAtKill = count(`SELECT COUNT(*) AS n FROM submissions WHERE state = 'received'`);
    await kill(server);
    server = await serve(file);

    // The gone remotes have failed a fetch (webhook) or a poll: bring them back.
    const faultyByWebhook = students.filter((_, i) => faulty(i) && byWebhook(i)).map((s) => s.id);
    await waitFor(
      () => (store.listSubmissions().filter((s) => faultyByWebhook.includes(s.student_id) && s.attempts > 0 && s.error !== null).length === faultyByWebhook.length ? true : undefined),
      WAIT_GUARD_MS,
      'a failed fetch of every gone remote announced by webhook',
      50,
    );
    // The hanging remotes: every push announced by webhook had a fetch stopped and waits for
    // its next attempt (retrying, with the reason), and meanwhile every other student's push
    // was prepared, the ones found by polling too: a hung remote holds up nobody else.
    const stalledByWebhook = students.filter((_, i) => stalls(i) && byWebhook(i)).map((s) => s.id);
    const healthyIds = students.filter((_, i) => healthy(i)).map((s) => s.id);
    const describePushes = () =>
      store
        .listSubmissions()
        .map((s) => `${s.student_id} ${s.commit_sha.slice(0, 8)} ${s.source} ${s.state} a${s.attempts} ${s.error ?? ''}`)
        .join('\n');
    await waitFor(
      () => {
        const rows = store.listSubmissions();
        const stalledRetrying = stalledByWebhook.every((id) => rows.some((r) => r.student_id === id && r.state === 'received' && r.attempts > 0 && /stopped answering/.test(r.error ?? '')));
        const othersPrepared = healthyIds.every((id) => rows.some((r) => r.student_id === id && r.state === 'prepared'));
        return stalledRetrying && othersPrepared ? true : undefined;
      },
      WAIT_GUARD_MS,
      'a stopped fetch of every hanging remote announced by webhook, and every other push prepared meanwhile',
      50,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\npushes:\n${describePushes()}`);
    });
    const stalledRetried = store.listSubmissions().filter((r) => stalledByWebhook.includes(r.student_id) && r.attempts > 0).length;
    const retriedFetches = count(`SELECT COUNT(*) AS n FROM submissions WHERE state = 'received' AND attempts > 0`);
    students.forEach((s, i) => {
      if (faulty(i)) fs.renameSync(away(s), s.bare);
      if (stalls(i)) gitHost.release(s.bare);
    });

    // Kill 2, while jobs are being graded.
    await waitFor(() => (count(`SELECT COUNT(*) AS n FROM results`) >= STUDENTS / 4 && count(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'`) > 0 ? true : undefined), WAIT_GUARD_MS, 'a quarter graded and a job running', 10);
    const runningAtKill = count(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'`);
    await kill(server);
    server = await serve(file);

    const describeState = () =>
      store
        .listSubmissions()
        .filter((s) => s.state !== 'prepared' || store.listResults({ studentId: s.student_id }).length === 0)
        .map((s) => `${s.student_id} ${s.commit_sha.slice(0, 8)} ${s.source} ${s.state} a${s.attempts} ${s.error ?? ''}`)
        .join('\n');
    await waitFor(
      () => {
        const settled = students.every((s, i) => store.listResults({ studentId: s.id }).some((r) => r.commit_sha === commits[i]) || store.listSubmissions(s.id).some((x) => x.state === 'failed'));
        return settled && count(`SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')`) === 0 ? true : undefined;
      },
      WAIT_GUARD_MS,
      'every push graded or failed',
      200,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\npushes without a result:\n${describeState()}`);
    });

    const results = store.listResults();
    const failed = store.listSubmissions().filter((s) => s.state === 'failed');
    const interrupted = count(`SELECT COALESCE(SUM(interruptions), 0) AS n FROM jobs`);
    console.log(
      `push faults: ${STUDENTS} pushes (${replies.length} by webhook, ${STUDENTS - replies.length} by polling), ${students.filter((_, i) => faulty(i)).length} remotes gone and ${students.filter((_, i) => stalls(i)).length} hanging for a while ` +
        `(${gitHost.stalledRequests} git requests hung, ${stalledRetried} hung fetches retried); ` +
        `kill 1 with ${unpreparedAtKill} pushes unprepared, kill 2 with ${runningAtKill} jobs running; ${retriedFetches} fetches retried, ${interrupted} jobs interrupted; ` +
        `graded ${results.length}, failed ${failed.length}`,
    );
    // A failed push says why; none is expected here, every remote came back.
    for (const f of failed) expect(f.error ?? '').not.toBe('');
    expect(failed.map((f) => f.student_id)).toEqual([]);
    // Exactly once: one result per student and commit, and one submission per push.
    expect(results).toHaveLength(STUDENTS);
    expect(new Set(results.map((r) => `${r.student_id} ${r.commit_sha}`)).size).toBe(STUDENTS);
    expect(count(`SELECT COUNT(*) AS n FROM submissions`)).toBe(STUDENTS);
    for (const [i, s] of students.entries()) {
      const row = results.find((r) => r.student_id === s.id);
      expect(row).toMatchObject({ commit_sha: commits[i], status: 'graded' });
      expectScore(row, expected(i));
    }
    expect(count(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'done'`)).toBe(STUDENTS);
  });
});
