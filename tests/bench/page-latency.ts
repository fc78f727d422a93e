/**
 * Page latency for a large course: how fast the server renders its pages when the store holds
 * 100 students × 8 assignments × 3 pushes, every job graded. All of it is server-side
 * rendering from SQLite (Handlebars, the grade book built per request, result JSON parsed
 * per report); nothing is fetched or graded while measuring.
 *   - the course: the grader's own 8 assignments (catalogueRoot null), dummy repository
 *     paths; the store is filled directly through GradeStore and JobQueue (submission, jobs,
 *     claim, complete), as the grading service would;
 *   - the stored result JSON is real: one grading of momentum-sgd's `nesterov` example (failed
 *     tests with their diff figures), and in full mode of mnist-mlp's `correct` example (with its
 *     figures) for the assignments that train on MNIST; reused for every row with its
 *     assignment and commit set per row (the stored score columns vary, the JSON's own score
 *     cannot: it must be the sum of its tests');
 *   - the app (createApp with a GradingService that is never started) listens on 127.0.0.1;
 *     requests go through fetch, signed in as instructor (the session cookie of POST /signin).
 * Each page: one untimed first request (templates compile, caches fill), then the median of
 * N requests, and the response size.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { PACKAGE_ROOT } from '../../grader/paths';
import { GradingService } from '../../grader/queue/grading-service';
import { GradeResultSchema, type GradeResult } from '../../grader/results/result-schema';
import { discoverAssignments, type LoadedAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import { openDatabase } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { createApp } from '../../server/app';
import { INSTRUCTOR_TOKEN, SECRET_ENV, tempDir, writeCourseFile } from '../repo/git-helpers';
import type { BenchContext, BenchRow } from './bench-types';

export const name = 'page-latency';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');
const STUDENTS = 100;
const PUSHES = 3;
const HOUR = 3_600_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const sha = (text: string) => crypto.createHash('sha1').update(text).digest('hex');

/** Grades one example with the repository's CLI in a child process (tfjs stays out of this one). */
function gradeExample(a: LoadedAssignment, exampleName: string): { result: GradeResult; ms: number } {
  const example = listExamples(a).find((e) => e.name === exampleName);
  if (example === undefined) throw new Error(`${a.id} has no example ${exampleName}`);
  const root = exampleAsSubmission(a, example);
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'grade', '--assignment', a.id, '--submission', root, '--json'], {
      encoding: 'utf8',
      timeout: 10 * 60_000,
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`grading ${a.id}/${exampleName} exited ${r.status ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`);
    return { result: GradeResultSchema.parse(JSON.parse(r.stdout)), ms };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Assignments whose spec loads MNIST train models: they get the mnist-mlp result (with figures). */
function usesMnist(a: LoadedAssignment): boolean {
  return /mnist/i.test(fs.readFileSync(path.join(a.dir, 'spec.ts'), 'utf8'));
}

interface Page {
  name: string;
  path: string;
  note: string;
}

interface Measured {
  samples: number[];
  firstMs: number;
  bytes: number;
  status: number;
}

export async function run(context: BenchContext): Promise<BenchRow[]> {
  const requests = context.quick ? 5 : 20;
  const catalogue = discoverAssignments();
  const byId = (id: string) => {
    const a = catalogue.assignments.find((x) => x.id === id);
    if (a === undefined) throw new Error(`the catalogue has no ${id}`);
    return a;
  };
  const momentum = byId('momentum-sgd');
  const mlp = byId('mnist-mlp');

  // Real results, graded once.
  context.log(`page-latency: grading momentum-sgd/nesterov${context.quick ? '' : ' and mnist-mlp/correct'} for the stored result JSON`);
  const light = gradeExample(momentum, 'nesterov');
  const heavy = context.quick ? undefined : gradeExample(mlp, 'correct');
  const sourceOf = (a: LoadedAssignment) => (heavy !== undefined && usesMnist(a) ? heavy : light);

  const envBefore = { ...process.env };
  const root = tempDir('bench-pages');
  const rows: BenchRow[] = [];
  try {
    Object.assign(process.env, SECRET_ENV);
    const assignments = catalogue.assignments;
    const students = Array.from({ length: STUDENTS }, (_, i) => `s${String(i).padStart(3, '0')}`);
    const file = writeCourseFile(root, {
      students: students.map((id) => ({ id, repo: `/nonexistent/${id}.git` })),
      assignments: assignments.map((a) => ({ id: a.id, due: '2999-01-01T00:00:00Z' })),
      catalogueRoot: null,
    });
    const config = loadCourseConfig(file);
    const store = new GradeStore(openDatabase(config.databaseFile));
    const service = new GradingService({ config, store });

    // Fill: one submission per push, a job per assignment, claimed and completed.
    context.log(`page-latency: filling the store: ${STUDENTS} students × ${assignments.length} assignments × ${PUSHES} pushes`);
    const fillStart = performance.now();
    const start = Date.now() - 30 * 24 * HOUR;
    let jsonBytes = 0;
    let results = 0;
    const jobOf = new Map<string, number>();
    const checked = new Set<string>();
    for (const [si, student] of students.entries()) {
      store.db.transaction(() => {
        for (let p = 0; p < PUSHES; p++) {
          const at = start + si * 60_000 + p * 24 * HOUR;
          const commit = sha(`${student} push ${p}`);
          const { submission } = store.recordSubmission({ studentId: student, commit, branch: 'main', source: 'github', receivedAt: at });
          store.markPrepared(submission.id, { now: at + 800, fetchMs: 800, notes: [] });
          service.queue.addJobs(
            submission,
            assignments.map((a) => ({ assignmentId: a.id, treeSha: sha(`${student} ${a.id} ${p}`), daysLate: 0 })),
            at + 800,
          );
          for (;;) {
            const job = service.queue.claim('bench', at + 1_000);
            if (job === undefined) break;
            const a = byId(job.assignment_id);
            const source = sourceOf(a).result;
            // A spread of scores in the stored columns (what the grade book reads), so the
            // dashboard's statistics and histograms have something to show. The JSON keeps its
            // own score: the schema requires it to be the sum of its tests'.
            const score = Math.round(source.max_score * (((si * 7 + p * 3 + a.id.length) % 11) / 10) * 100) / 100;
            const json = JSON.stringify({ ...source, assignment: a.id, commit });
            if (!checked.has(a.id)) {
              const parsed = GradeResultSchema.safeParse(JSON.parse(json));
              if (!parsed.success) throw new Error(`the stored result JSON for ${a.id} does not fit the schema: ${parsed.error.issues[0]?.message}`);
              checked.add(a.id);
            }
            jsonBytes += json.length;
            results += 1;
            service.queue.complete(job.id, {
              status: source.status,
              score,
              maxScore: source.max_score,
              penaltyPercent: 0,
              finalScore: score,
              backend: source.backend,
              dataset: source.dataset ?? null,
              graderVersion: source.grader_version,
              worker: 'bench',
              queueMs: 200,
              fetchMs: 800,
              exportMs: 20,
              gradeMs: source.duration_ms,
              totalMs: source.duration_ms + 1_000,
              storedAt: at + 1_000 + source.duration_ms,
              resultJson: json,
            });
            if (si === 0 && p === PUSHES - 1) jobOf.set(a.id, job.id);
          }
        }
      })();
    }
    const fillMs = performance.now() - fillStart;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const dbBytes = fs.statSync(config.databaseFile).size;
    rows.push({
      name: `fill the store (${results} results)`,
      status: 'ok',
      value: Math.round(fillMs / 100) / 10,
      unit: 's',
      better: 'lower',
      message: `setup, not a page: GradeStore + JobQueue, a transaction per student; database ${(dbBytes / 1024 / 1024).toFixed(1)} MiB, result JSON ${(jsonBytes / 1024 / 1024).toFixed(1)} MiB`,
      details: {
        fillMs: Math.round(fillMs),
        databaseBytes: dbBytes,
        resultJsonBytes: jsonBytes,
        sourceResults: {
          'momentum-sgd/nesterov': { bytes: JSON.stringify(light.result).length, gradeMs: Math.round(light.ms) },
          ...(heavy !== undefined ? { 'mnist-mlp/correct': { bytes: JSON.stringify(heavy.result).length, gradeMs: Math.round(heavy.ms) } } : {}),
        },
      },
    });

    const server: Server = createApp(config, { service, logError: (m) => context.log(`page-latency: server error: ${m.split('\n')[0]}`) }).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const signin = await fetch(`${url}/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: INSTRUCTOR_TOKEN, next: '/dashboard' }).toString(),
        redirect: 'manual',
      });
      const cookie = signin.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      if (signin.status !== 303 || cookie === '') throw new Error(`sign-in answered ${signin.status} without a session cookie`);

      const get = async (p: string): Promise<{ ms: number; bytes: number; status: number }> => {
        const t0 = performance.now();
        const res = await fetch(`${url}${p}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
        const body = await res.arrayBuffer();
        return { ms: performance.now() - t0, bytes: body.byteLength, status: res.status };
      };
      const measure = async (p: string): Promise<Measured> => {
        const first = await get(p);
        if (first.status !== 200) throw new Error(`GET ${p} answered ${first.status}`);
        const samples: number[] = [];
        let bytes = first.bytes;
        for (let i = 0; i < requests; i++) {
          const r = await get(p);
          if (r.status !== 200) throw new Error(`GET ${p} answered ${r.status}`);
          samples.push(r.ms);
          bytes = r.bytes;
        }
        return { samples, firstMs: first.ms, bytes, status: first.status };
      };

      const momentumJob = jobOf.get('momentum-sgd');
      const mlpJob = jobOf.get('mnist-mlp');
      if (momentumJob === undefined || mlpJob === undefined) throw new Error('no stored job for the reports');
      const scale = `${STUDENTS} students × ${assignments.length} assignments × ${PUSHES} pushes`;
      const pages: Page[] = [
        { name: 'GET /dashboard', path: '/dashboard', note: `grade book of ${scale}, statistics and histograms` },
        { name: 'GET /students/<id>', path: `/students/${students[0]}`, note: `one student's ${PUSHES * assignments.length} results` },
        { name: 'GET /reports/<job> (momentum-sgd)', path: `/reports/${momentumJob}`, note: 'momentum-sgd/nesterov result: failed tests with diff figures' },
        {
          name: 'GET /reports/<job> (mnist-mlp)',
          path: `/reports/${mlpJob}`,
          note: heavy !== undefined ? 'mnist-mlp/correct result, with its figures' : "quick: momentum-sgd's result relabelled",
        },
        { name: 'GET /export/gradebook.csv', path: '/export/gradebook.csv', note: `the grade book of ${scale} as CSV` },
        { name: 'GET /metrics', path: '/metrics', note: `Prometheus text over ${results} results` },
      ];
      for (const page of pages) {
        context.log(`page-latency: ${page.name}, ${requests} requests`);
        try {
          const m = await measure(page.path);
          const size = m.bytes / 1024;
          rows.push({
            name: page.name,
            status: 'ok',
            value: Math.round(median(m.samples) * 10) / 10,
            unit: 'ms',
            better: 'lower',
            message:
              `${page.note}; ${size.toFixed(1)} KiB; median of ${m.samples.length}, min ${Math.min(...m.samples).toFixed(1)}, ` +
              `first ${m.firstMs.toFixed(0)}; server-side rendering from SQLite`,
            details: { path: page.path, samples: m.samples.map((x) => Math.round(x * 10) / 10), firstMs: Math.round(m.firstMs), bytes: m.bytes },
          });
        } catch (err) {
          rows.push({ name: page.name, status: 'failed', value: null, unit: 'ms', better: 'lower', message: err instanceof Error ? err.message : String(err) });
        }
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.stop();
      store.db.close();
    }
  } finally {
    for (const k of Object.keys(SECRET_ENV)) if (!(k in envBefore)) delete process.env[k];
    fs.rmSync(root, { recursive: true, force: true });
  }
  return rows;
}
