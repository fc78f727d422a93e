/**
 * Scale-out on a real redis-server: the server hands jobs to BullMQ, two `grader worker`
 * processes grade 20 pushes, and one worker is killed (SIGKILL) in the middle of a job.
 * No job may be lost and none stored twice.
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

async function startRedis(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { url: `redis://127.0.0.1:${port}`, child };
}

interface WorkerProcess {
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
  const worker: WorkerProcess = { child, events: [], exited: new Promise((r) => child.once('exit', () => r())) };
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') worker.events.push(JSON.parse(line) as WorkerProcess['events'][number]);
  });
  child.stderr?.on('data', () => undefined);
  return worker;
}

const describeWithRedis = haveRedis ? describe : describe.skip;

describeWithRedis('push to stored result through Redis workers', () => {
  let root: string;
  let redis: { url: string; child: ChildProcess } | undefined;
  let server: RunningServer | undefined;
  const workers: WorkerProcess[] = [];
  const envBefore = { ...process.env };

  beforeAll(async () => {
    root = tempDir('e2e-redis');
    Object.assign(process.env, SECRET_ENV);
    redis = await startRedis(root);
  });

  afterAll(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
    await server?.close();
    if (redis !== undefined) {
      redis.child.kill('SIGTERM');
      await new Promise((r) => redis?.child.once('exit', r));
    }
    for (const k of Object.keys(SECRET_ENV)) if (!(k in envBefore)) delete process.env[k];
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('grades 20 pushes with two workers, one killed mid-job: none lost, none stored twice', async () => {
    if (redis === undefined) throw new Error('no redis');
    const prefix = `test-${process.pid}`;
    const students = Array.from({ length: 20 }, (_, i) => new StudentRepo(root, `s${String(i).padStart(2, '0')}`));
    const commits = students.map((s, i) => {
      const c = s.commit({ 'demo-add/solution.ts': demoSolution(i % 2 === 0 ? 'correct' : 'subtracts') });
      s.push();
      return c;
    });
    const file = writeCourseFile(root, { students: students.map((s) => ({ id: s.id, repo: s.url })) });
    server = await startServer({ configFile: file, port: 0, redisUrl: redis.url, redisPrefix: prefix, log: () => undefined });
    const running = server;
    // Workers' progress reaches the server (the live report pages) through BullMQ.
    const progressed = new Set<number>();
    running.service.on('progress', (e: JobProgressEvent) => {
      if (e.progress.type === 'test-finished') progressed.add(e.jobId);
    });

    const doomed = startWorker('w1', redis.url, prefix, path.join(root, 'w1'));
    const survivor = startWorker('w2', redis.url, prefix, path.join(root, 'w2'));
    workers.push(doomed, survivor);
    await waitFor(() => (doomed.events.some((e) => e.type === 'ready') && survivor.events.some((e) => e.type === 'ready') ? true : undefined), 60_000, 'both workers ready');

    const replies = await Promise.all(students.map((s, i) => post(running.url, '/webhooks/github', githubRequest(githubPushPayload({ cloneUrl: s.url, after: commits[i] }), WEBHOOK_SECRET))));
    expect(replies.every((r) => r.status === 202)).toBe(true);

    // Kill w1 in the middle of its second job.
    const victim = await waitFor(() => doomed.events.filter((e) => e.type === 'started')[1], 120_000, 'w1 to start its second job', 10);
    await new Promise((r) => setTimeout(r, 50));
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(doomed.events.some((e) => e.type === 'finished' && e.jobId === victim.jobId)).toBe(false);

    const results = await waitFor(() => {
      const rows = running.service.store.listResults();
      return rows.length >= 20 ? rows : undefined;
    }, WAIT_GUARD_MS, '20 stored results', 200).catch((err: unknown) => {
      // Where each push is: a push that never became a job shows its submission's state and error.
      const submissions = running.service.store
        .listSubmissions()
        .map((s) => `${s.id} ${s.student_id} ${s.commit_sha.slice(0, 8)} ${s.state} a${s.attempts} available_at+${s.available_at - Date.now()}ms ${s.error ?? ''}`);
      const jobs = running.service.queue.listJobs().map((j) => `${j.id} ${j.student_id} ${j.state} a${j.attempts} i${j.interruptions} ${j.error ?? ''}`);
      const tail = (w: WorkerProcess) => w.events.slice(-8).map((e) => JSON.stringify(e));
      throw new Error(`${String(err)}\nsubmissions:\n${submissions.join('\n')}\njobs:\n${jobs.join('\n')}\nw1:\n${tail(doomed).join('\n')}\nw2:\n${tail(survivor).join('\n')}`);
    });
    await running.service.waitUntilIdle(30_000);

    const final = running.service.store.listResults();
    expect(final).toHaveLength(20);
    expect(new Set(final.map((r) => r.job_id)).size).toBe(20);
    expect(new Set(final.map((r) => r.student_id)).size).toBe(20);
    for (const [i, s] of students.entries()) {
      const row = final.find((r) => r.student_id === s.id);
      expect(row).toMatchObject({ commit_sha: commits[i], status: 'graded' });
      expectScore(row, i % 2 === 0 ? 10 : 5);
    }
    expect(running.service.queue.counts()).toMatchObject({ queued: 0, running: 0, done: 20, failed: 0 });
    // The job w1 died on was taken over by w2 and stored once.
    const taken = final.find((r) => r.job_id === victim.jobId);
    expect(taken?.worker).toBe('w2');
    expect(results.length).toBe(20);
    expect(progressed.size).toBeGreaterThanOrEqual(15);
    // Each job was graded to completion exactly once by a live worker.
    const finished = survivor.events.filter((e) => e.type === 'finished').map((e) => e.jobId);
    const finishedByDoomed = doomed.events.filter((e) => e.type === 'finished').map((e) => e.jobId);
    expect(new Set([...finished, ...finishedByDoomed]).size).toBe(20);
  });
});
