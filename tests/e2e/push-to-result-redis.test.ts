/**
 * Scale-out on a real redis-server: the server hands jobs to BullMQ, two `grader worker`
 * processes grade 20 pushes; at random moments (a seed, printed, replays them) workers are
 * killed (SIGKILL) and replaced, and redis-server itself is killed and started again on the
 * same port, once without persistence (it comes back empty) and once with an append-only
 * file. Every push must end graded exactly once (one stored result, the right score) or its
 * job failed with the reason; failure messages show every push's and job's state.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DIST_ROOT } from '../../grader/paths';
import type { JobProgressEvent } from '../../grader/queue/grading-service';
import { startServer, type RunningServer } from '../../server/main';
import { FIXTURES_ROOT, SECRET_ENV, StudentRepo, WEBHOOK_SECRET, demoSolution, expectScore, tempDir, waitFor, writeCourseFile } from '../repo/git-helpers';
import { githubPushPayload, githubRequest, post } from '../server/webhook-signing';
import { WAIT_GUARD_MS } from '../jest/guard';


const CLI = path.join(DIST_ROOT, 'grader', 'cli', 'main.js');
const REDIS = '/usr/bin/redis-server';
const haveRedis = fs.existsSync(REDIS) && spawnSync(REDIS, ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** How Redis keeps its data across a restart: not at all, or an append-only file synced on every write. */
type Persistence = 'none' | 'aof';

interface RedisServer {
  url: string;
  port: number;
  dir: string;
  persistence: Persistence;
  child: ChildProcess;
  exited: Promise<void>;
}

async function startRedis(dir: string, persistence: Persistence, port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  fs.mkdirSync(dir, { recursive: true });
  const keep = persistence === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child = spawn(REDIS, ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', ...keep, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
  });
  return { url: `redis://127.0.0.1:${chosen}`, port: chosen, dir, persistence, child, exited };
}

/** A small seeded generator (mulberry32): the same seed gives the same faults. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface WorkerProcess {
  name: string;
  child: ChildProcess;
  events: Array<{ type: string; jobId?: number; attempt?: number; outcome?: string }>;
  exited: Promise<void>;
}

function startWorker(name: string, redisUrl: string, prefix: string, dataDir: string): WorkerProcess {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--redis', redisUrl, '--prefix', prefix, '--name', name, '--concurrency', '1', '--data-dir', dataDir, '--catalogue', FIXTURES_ROOT, '--backend', 'wasm', '--lock-seconds', '10', '--stalled-seconds', '2'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const worker: WorkerProcess = { name, child, events: [], exited: new Promise((r) => child.once('exit', () => r())) };
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        worker.events.push(JSON.parse(line) as WorkerProcess['events'][number]);
      } catch {
        // A line cut short by SIGKILL.
      }
    }
  });
  child.stderr?.on('data', () => undefined);
  return worker;
}

const describeWithRedis = haveRedis ? describe : describe.skip;

const STUDENTS = 20;
/** Workers SIGKILLed (and replaced) at random moments of a run. */
const WORKER_KILLS = 3;
/** FAULT_SEED=<n> replays a run's faults; otherwise each run draws its own seed (printed). */
const SEED = process.env.FAULT_SEED !== undefined ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);

describeWithRedis.each([
  ['without persistence (Redis comes back empty)', 'none' as Persistence],
  ['with an append-only file (Redis comes back with its data)', 'aof' as Persistence],
])('push to stored result through Redis workers, Redis restarted %s', (_title, persistence) => {
  let root: string;
  let redis: RedisServer | undefined;
  let server: RunningServer | undefined;
  const workers: WorkerProcess[] = [];
  const envBefore = { ...process.env };

  beforeAll(async () => {
    root = tempDir(`e2e-redis-${persistence}`);
    Object.assign(process.env, SECRET_ENV);
    redis = await startRedis(path.join(root, 'redis'), persistence);
  });

  afterAll(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
    await server?.close();
    if (redis !== undefined && redis.child.exitCode === null && redis.child.signalCode === null) {
      redis.child.kill('SIGTERM');
      await redis.exited;
    }
    for (const k of Object.keys(SECRET_ENV)) if (!(k in envBefore)) delete process.env[k];
    fs.rmSync(root, { recursive: true, force: true });
  });

  it(`grades ${STUDENTS} pushes while ${WORKER_KILLS} workers are killed at random moments and Redis is killed and restarted: each graded once or failed with a reason`, async () => {
    if (redis === undefined) throw new Error('no redis');
    const seed = SEED + (persistence === 'aof' ? 1 : 0);
    const random = seededRandom(seed);
    const prefix = `test-${process.pid}-${persistence}`;
    const students = Array.from({ length: STUDENTS }, (_, i) => new StudentRepo(root, `s${String(i).padStart(2, '0')}`));
    const expected = (i: number) => (i % 2 === 0 ? 10 : 5);
    const commits = students.map((s, i) => {
      const c = s.commit({ 'demo-add/solution.ts': `${demoSolution(expected(i) === 10 ? 'correct' : 'subtracts')}// ${s.id}\n` });
      s.push();
      return c;
    });
    const file = writeCourseFile(root, { students: students.map((s) => ({ id: s.id, repo: s.url })) });
    server = await startServer({ configFile: file, port: 0, redisUrl: redis.url, redisPrefix: prefix, log: () => undefined });
    const running = server;
    const store = running.service.store;
    // Workers' progress reaches the server (the live report pages) through BullMQ.
    const progressed = new Set<number>();
    running.service.on('progress', (e: JobProgressEvent) => {
      if (e.progress.type === 'test-finished') progressed.add(e.jobId);
    });

    let next = 1;
    const launch = () => {
      const w = startWorker(`w${next}`, redis?.url ?? '', prefix, path.join(root, `w${next}`));
      next += 1;
      workers.push(w);
      return w;
    };
    const live = () => workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    launch();
    launch();
    await waitFor(() => (workers.every((w) => w.events.some((e) => e.type === 'ready')) ? true : undefined), WAIT_GUARD_MS, 'both workers ready');

    // The faults, drawn from the seed: each comes once that many jobs were started (by any
    // worker), after a random delay.
    type Fault = { kind: 'kill-worker' | 'restart-redis'; afterStarts: number; delayMs: number };
    const faults: Fault[] = [
      ...Array.from({ length: WORKER_KILLS }, () => ({ kind: 'kill-worker' as const, afterStarts: 1 + Math.floor(random() * (STUDENTS - 4)), delayMs: Math.floor(random() * 1500) })),
      { kind: 'restart-redis' as const, afterStarts: 2 + Math.floor(random() * (STUDENTS - 6)), delayMs: Math.floor(random() * 1500) },
    ].sort((a, b) => a.afterStarts - b.afterStarts);
    const starts = () => workers.reduce((n, w) => n + w.events.filter((e) => e.type === 'started').length, 0);
    const done: string[] = [];

    const replies = await Promise.all(students.map((s, i) => post(running.url, '/webhooks/github', githubRequest(githubPushPayload({ cloneUrl: s.url, after: commits[i] }), WEBHOOK_SECRET))));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 202));

    for (const fault of faults) {
      await waitFor(() => (starts() >= fault.afterStarts ? true : undefined), WAIT_GUARD_MS, `${fault.afterStarts} jobs started`, 10);
      await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.kind === 'kill-worker') {
        const candidates = live();
        const victim = candidates[Math.floor(random() * candidates.length)];
        const busy = victim.events.filter((e) => e.type === 'started').length > victim.events.filter((e) => e.type === 'finished').length;
        victim.child.kill('SIGKILL');
        await victim.exited;
        launch();
        done.push(`killed ${victim.name} after ${starts()} starts${busy ? ' mid-job' : ''}`);
      } else {
        const old = redis;
        old.child.kill('SIGKILL');
        await old.exited;
        redis = await startRedis(old.dir, old.persistence, old.port);
        done.push(`restarted redis after ${starts()} starts`);
      }
    }

    // Settled: every push has its one result or a failed job with the reason, nothing queued or running.
    const jobsOf = (studentId: string) => running.service.queue.listJobs().filter((j) => j.student_id === studentId);
    const settled = () =>
      students.every((s, i) => store.listResults({ studentId: s.id }).some((r) => r.commit_sha === commits[i]) || jobsOf(s.id).some((j) => j.state === 'failed')) &&
      running.service.queue.counts().queued === 0 &&
      running.service.queue.counts().running === 0;
    await waitFor(() => (settled() ? true : undefined), WAIT_GUARD_MS, 'every push graded or failed', 200).catch((err: unknown) => {
      // Where each push is: a push that never became a job shows its submission's state and error.
      const submissions = store
        .listSubmissions()
        .map((s) => `${s.id} ${s.student_id} ${s.commit_sha.slice(0, 8)} ${s.state} a${s.attempts} available_at+${s.available_at - Date.now()}ms ${s.error ?? ''}`);
      const jobs = running.service.queue.listJobs().map((j) => `${j.id} ${j.student_id} ${j.state} a${j.attempts} i${j.interruptions} ${j.runner ?? ''} ${j.error ?? ''}`);
      const tails = workers.map((w) => `${w.name}:\n${w.events.slice(-6).map((e) => JSON.stringify(e)).join('\n')}`);
      throw new Error(`${String(err)}\nseed ${seed} (FAULT_SEED=${SEED}); faults: ${done.join('; ')}\nsubmissions:\n${submissions.join('\n')}\njobs:\n${jobs.join('\n')}\n${tails.join('\n')}`);
    });

    const results = store.listResults();
    const jobs = running.service.queue.listJobs();
    const failed = jobs.filter((j) => j.state === 'failed');
    const interruptions = jobs.reduce((n, j) => n + j.interruptions, 0);
    console.log(
      `redis faults (${persistence}), seed ${seed}: ${STUDENTS} pushes; ${done.join('; ')}; ` +
        `${starts()} job starts, ${interruptions} interruptions; graded ${results.length}, failed ${failed.length}` +
        `${failed.length > 0 ? ` (${failed.map((j) => `${j.student_id} ${j.error_code ?? ''}: ${j.error ?? ''}`).join('; ')})` : ''}; progress from ${progressed.size} jobs`,
    );
    // A failed job says why; exactly once: one result per job and per student, for its commit.
    for (const f of failed) expect(f.error ?? '').not.toBe('');
    expect(results.length + failed.length).toBe(STUDENTS);
    expect(new Set(results.map((r) => r.job_id)).size).toBe(results.length);
    expect(new Set(results.map((r) => r.student_id)).size).toBe(results.length);
    expect(store.listSubmissions()).toHaveLength(STUDENTS);
    for (const [i, s] of students.entries()) {
      const row = results.find((r) => r.student_id === s.id);
      if (row === undefined) continue;
      expect(row).toMatchObject({ commit_sha: commits[i], status: 'graded' });
      expectScore(row, expected(i));
    }
    expect(running.service.queue.counts()).toMatchObject({ queued: 0, running: 0, done: results.length, failed: failed.length });
    expect(progressed.size).toBeGreaterThan(0);
  });
});
