/**
 * Push to stored result (issue 7): the real server path on this machine.
 *   - latency: one student pushes again and again (a real `git push` to a bare repository,
 *     then the webhook signed as GitHub signs it, to the real Express app); from the start
 *     of the push to the result stored in SQLite. p50 and p95.
 *   - drain: 50 students' pushes recorded while grading is stopped, then the time until the
 *     last result is stored, at the default concurrency (the number of cores).
 * The assignment is momentum-sgd when the course catalogue has it, else the demo-add fixture.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { GradingService, type ServiceEvent } from '../../grader/queue/grading-service';
import { discoverAssignments } from '../../grader/spec/discover';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import type { ResultRow } from '../../grader/store/rows';
import { createApp } from '../../server/app';
import { FIXTURES_ROOT, SECRET_ENV, StudentRepo, WEBHOOK_SECRET, tempDir, writeCourseFile } from '../repo/git-helpers';
import { githubPushPayload, githubRequest, post } from '../server/webhook-signing';
import type { BenchContext, BenchRow } from './bench-types';

export const name = 'push-latency';

const run$ = promisify(execFile);

interface Subject {
  assignmentId: string;
  catalogueRoot: string | undefined;
  solution: string;
}

function pickSubject(): Subject {
  const course = discoverAssignments();
  const momentum = course.assignments.find((a) => a.id === 'momentum-sgd');
  const correct = momentum !== undefined ? path.join(momentum.dir, 'examples', 'correct', 'solution.ts') : undefined;
  if (correct !== undefined && fs.existsSync(correct)) {
    return { assignmentId: 'momentum-sgd', catalogueRoot: undefined, solution: fs.readFileSync(correct, 'utf8') };
  }
  return {
    assignmentId: 'demo-add',
    catalogueRoot: FIXTURES_ROOT,
    solution: fs.readFileSync(path.join(FIXTURES_ROOT, 'assignments', 'demo-add', 'examples', 'correct', 'solution.ts'), 'utf8'),
  };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length) - 1;
  return s[Math.min(s.length - 1, Math.max(0, rank))];
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

interface Setup {
  service: GradingService;
  store: GradeStore;
  server: Server;
  url: string;
  events: ServiceEvent[];
  close(): Promise<void>;
}

async function setUp(root: string, subject: Subject, students: StudentRepo[]): Promise<Setup> {
  Object.assign(process.env, SECRET_ENV);
  const file = writeCourseFile(root, {
    students: students.map((s) => ({ id: s.id, repo: s.url })),
    assignments: [{ id: subject.assignmentId, due: '2999-01-01T00:00:00Z' }],
    catalogueRoot: subject.catalogueRoot ?? null,
  });
  const config = loadCourseConfig(file);
  const store = new GradeStore(openDatabase(config.databaseFile));
  const events: ServiceEvent[] = [];
  const service = new GradingService({ config, store, tickMs: 200, log: (e) => events.push(e) });
  const server = createApp(config, { service, logError: () => undefined }).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    service,
    store,
    server,
    url,
    events,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.stop();
      store.db.close();
    },
  };
}

async function pushAndAnnounce(s: StudentRepo, url: string): Promise<string> {
  const commit = s.head();
  await run$('git', ['-C', s.work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${s.branch}`]);
  const res = await post(url, '/webhooks/github', githubRequest(githubPushPayload({ cloneUrl: s.url, after: commit }), WEBHOOK_SECRET));
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(res.json)}`);
  return commit;
}

function phases(rows: ResultRow[]) {
  return [
    { name: 'receipt → grading starts (fetch, queue)', ms: Math.round(mean(rows.map((r) => r.queue_ms))), count: rows.length },
    { name: 'fetch in the job (cache hit)', ms: Math.round(mean(rows.map((r) => r.fetch_ms ?? 0))), count: rows.length },
    { name: 'export the folder', ms: Math.round(mean(rows.map((r) => r.export_ms ?? 0))), count: rows.length },
    { name: 'grade (child process + sandboxed runner)', ms: Math.round(mean(rows.map((r) => r.grade_ms ?? 0))), count: rows.length },
    { name: 'receipt → stored', ms: Math.round(mean(rows.map((r) => r.total_ms))), count: rows.length },
  ];
}

export async function run(context: BenchContext): Promise<BenchRow[]> {
  const subject = pickSubject();
  const pushes = context.quick ? 5 : 20;
  const drainCount = context.quick ? 10 : 50;
  const rows: BenchRow[] = [];
  const root = tempDir('bench-push');
  try {
    // Latency: one push at a time.
    context.log(`push-latency: ${pushes} pushes of ${subject.assignmentId}, one at a time`);
    const student = new StudentRepo(path.join(root, 'latency'), 'lat');
    const latency = await setUp(path.join(root, 'latency'), subject, [student]);
    const samples: number[] = [];
    try {
      await latency.service.start();
      for (let i = 0; i < pushes + 1; i++) {
        student.commit({ [`${subject.assignmentId}/solution.ts`]: `${subject.solution}\n// push ${i}\n` });
        const t0 = performance.now();
        const commit = await pushAndAnnounce(student, latency.url);
        for (;;) {
          const stored = latency.store.listResults({ studentId: 'lat' }).find((r) => r.commit_sha === commit);
          if (stored !== undefined) break;
          if (latency.events.some((e) => e.type === 'job-failed' || e.type === 'prepare-failed')) throw new Error(`grading failed: ${JSON.stringify(latency.events.slice(-3))}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        // The first push also warms the cache and the OS file cache: not counted.
        if (i > 0) samples.push(performance.now() - t0);
      }
      const results = latency.store.listResults().slice(1);
      const bad = results.filter((r) => r.score !== r.max_score);
      const p50 = percentile(samples, 50);
      const p95 = percentile(samples, 95);
      const common = {
        unit: 'ms',
        better: 'lower' as const,
        details: { samples: samples.map(Math.round), assignment: subject.assignmentId, notFullScore: bad.length },
      };
      rows.push({
        name: `push → stored, p50 (${subject.assignmentId})`,
        status: 'ok',
        value: Math.round(p50),
        ...common,
        message: `git push + GitHub webhook + fetch + grade + store; ${samples.length} pushes, min ${Math.round(Math.min(...samples))}, max ${Math.round(Math.max(...samples))}`,
        breakdown: { title: 'mean per push, from the stored timings', totalMs: Math.round(mean(samples)), items: phases(results) },
      });
      rows.push({ name: `push → stored, p95 (${subject.assignmentId})`, status: 'ok', value: Math.round(p95), ...common });
    } finally {
      await latency.close();
    }

    // Drain: many students' pushes waiting, then grading starts.
    context.log(`push-latency: draining ${drainCount} queued submissions`);
    const drainRoot = path.join(root, 'drain');
    const students = Array.from({ length: drainCount }, (_, i) => new StudentRepo(drainRoot, `d${String(i).padStart(2, '0')}`));
    for (const [i, s] of students.entries()) s.commit({ [`${subject.assignmentId}/solution.ts`]: `${subject.solution}\n// student ${i}\n` });
    const drain = await setUp(drainRoot, subject, students);
    try {
      for (const s of students) await pushAndAnnounce(s, drain.url);
      const t0 = performance.now();
      await drain.service.start();
      await drain.service.waitUntilIdle(30 * 60_000, 20);
      const seconds = (performance.now() - t0) / 1000;
      const results = drain.store.listResults();
      if (results.length !== drainCount) throw new Error(`${results.length} of ${drainCount} results stored: ${JSON.stringify(drain.service.status())}`);
      rows.push({
        name: `drain ${drainCount} queued submissions (${subject.assignmentId})`,
        status: 'ok',
        value: Math.round(seconds * 10) / 10,
        unit: 's',
        better: 'lower',
        message: `concurrency ${drain.service.config.concurrency} (cores: ${os.availableParallelism()}); ${(drainCount / seconds).toFixed(2)} submissions/s; ${results.filter((r) => r.score !== r.max_score).length} not full score`,
        breakdown: { title: 'mean per submission', totalMs: Math.round((seconds * 1000) / drainCount), items: phases(results) },
        details: { perSubmissionMs: Math.round((seconds * 1000) / drainCount), concurrency: drain.service.config.concurrency },
      });
    } finally {
      await drain.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return rows;
}
