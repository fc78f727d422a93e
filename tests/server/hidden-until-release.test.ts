/**
 * "Hidden means hidden": before the instructors release an assignment's hidden tests, a
 * student's link gets nothing of them (no name, no progress numbers, no pass/fail, no points,
 * no total that includes them) through the live feed, the report page or the student page;
 * after the release it gets them; instructors always do. And hidden inputs differ between
 * commits while a regrade of one commit sees the same ones.
 *
 * A real course: bare repositories pushed to over the file system, demo-train graded in
 * child processes, results in SQLite, the Express app over HTTP (supertest, and Debian's
 * headless Chromium for the live page as a browser runs it). The submission reports the
 * numbers it is given as epoch progress (tests/fixtures/live-progress): the service's
 * progress shows which numbers the hidden test drew, and the student's feed must not hold them.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import type { Express } from 'express';
import { chromium, type Browser } from 'playwright-core';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { GradingService, type JobProgressEvent } from '../../grader/queue/grading-service';
import type { JobProgress } from '../../grader/queue/job-progress';
import { openDatabase, type Database } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { createApp } from '../../server/app';
import { studentLink } from '../../server/auth/student-links';
import { INSTRUCTOR_TOKEN, SECRET_ENV, StudentRepo, tempDir, waitFor, writeCourseFile } from '../repo/git-helpers';
import { HIDDEN_TEST, LEAK_ASSIGNMENT, LEAK_SOLUTION, LIVE_PROGRESS_ROOT, VISIBLE_AFTER_HIDDEN, VISIBLE_TESTS } from '../fixtures/live-progress/leak-solution';


const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI !== undefined) throw new Error(`${CHROMIUM} is missing (CI installs the chromium package)`);
const itIfChromium = HAVE_CHROMIUM ? it : it.skip;

interface Frame {
  event: string;
  data: unknown;
}

/** Reads a server-sent-events response to its end (the feed ends when the job is done). */
function readStream(res: request.Response, done: (err: Error | null, body: unknown) => void): void {
  let text = '';
  res.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  res.on('end', () => done(null, text));
}

function framesOf(text: string): Frame[] {
  return text
    .split('\n\n')
    .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1], data: /^data: (.*)$/m.exec(block)?.[1] }))
    .filter((f): f is { event: string; data: string } => f.event !== undefined && f.data !== undefined)
    .map((f) => ({ event: f.event, data: JSON.parse(f.data) as unknown }));
}

const progressOf = (frames: Frame[]) => frames.filter((f) => f.event === 'progress').map((f) => f.data as JobProgress);

/** The numbers a grading's epoch frames carried, per test (what the submission was given). */
function numbersByTest(events: readonly JobProgress[]): Map<string, number[]> {
  const byTest = new Map<string, number[]>();
  for (const p of events) {
    if (p.type !== 'epoch') continue;
    const list = byTest.get(p.test) ?? [];
    for (const n of [p.epoch, p.loss]) if (n !== null) list.push(n);
    byTest.set(p.test, list);
  }
  return byTest;
}

/** Everything the hidden test's inputs could show up as: its own epochs and the visible test's after it. */
function hiddenNumbers(byTest: Map<string, number[]>): string[] {
  const numbers = [...(byTest.get(HIDDEN_TEST) ?? []), ...(byTest.get(VISIBLE_AFTER_HIDDEN) ?? [])];
  return [...new Set(numbers.map((n) => JSON.stringify(n)))];
}

function csrfOf(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (m === null) throw new Error('no CSRF token on the page');
  return m[1];
}

describe('hidden tests stay hidden until the release', () => {
  let root: string;
  let db: Database;
  let service: GradingService;
  let app: Express;
  let server: Server;
  let baseUrl: string;
  let browser: Browser | undefined;
  let config: ReturnType<typeof loadCourseConfig>;
  const repos: Record<string, StudentRepo> = {};
  const commits: Record<string, string> = {};
  /** Every progress event of the service, in order (what the instructors' feed is made from). */
  const progressLog: JobProgressEvent[] = [];
  const envBefore = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, SECRET_ENV);
    root = tempDir('hidden-release');
    repos.alice = new StudentRepo(root, 'alice');
    repos.bob = new StudentRepo(root, 'bob');
    const file = writeCourseFile(root, {
      students: Object.values(repos).map((r) => ({ id: r.id, repo: r.url })),
      assignments: [{ id: LEAK_ASSIGNMENT, due: '2999-01-01T00:00:00Z' }],
      catalogueRoot: LIVE_PROGRESS_ROOT,
      concurrency: 2,
    });
    config = loadCourseConfig(file);
    db = openDatabase(config.databaseFile);
    service = new GradingService({ config, store: new GradeStore(db), tickMs: 100 });
    service.on('progress', (e: JobProgressEvent) => progressLog.push(e));
    await service.start();
    app = createApp(config, { service, logError: () => undefined });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const id of ['alice', 'bob']) {
      commits[id] = repos[id].commit({ [`${LEAK_ASSIGNMENT}/solution.ts`]: LEAK_SOLUTION }, `${id}'s work`);
      repos[id].push();
    }
    if (HAVE_CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await service.stop();
    db.close();
    for (const k of Object.keys(SECRET_ENV)) if (!(k in envBefore)) delete process.env[k];
    fs.rmSync(root, { recursive: true, force: true });
  });

  const jobOf = (student: string) => {
    const job = service.queue.listJobs({ studentId: student })[0];
    if (job === undefined) throw new Error(`no job for ${student}`);
    return job;
  };
  const progressSince = (jobId: number, from: number) => progressLog.slice(from).filter((e) => e.jobId === jobId).map((e) => e.progress);

  async function signedIn() {
    const agent = request.agent(app);
    const res = await agent.post('/signin').type('form').send({ token: INSTRUCTOR_TOKEN, next: '/dashboard' });
    expect(res.status).toBe(303);
    return agent;
  }

  /** Pushes a student's commit and reads the student's and an instructor's live feeds of its grading to the end. */
  async function gradeWatched(student: string): Promise<{ studentFeed: Frame[]; instructorFeed: Frame[]; graded: JobProgress[] }> {
    const agent = await signedIn();
    const from = progressLog.length;
    service.receivePush({ studentId: student, commit: commits[student], branch: 'main', source: 'manual' });
    const job = await waitFor(() => service.queue.listJobs({ studentId: student })[0], 60_000, `${student}'s job`, 10);
    // What happened before a feed connected is replayed, so the feeds miss nothing of the grading.
    const [studentText, instructorText] = await Promise.all([
      request(app).get(`${studentLink(config, student)}/reports/${job.id}/events`).buffer(true).parse(readStream),
      agent.get(`/reports/${job.id}/events`).buffer(true).parse(readStream),
    ]);
    await waitFor(() => service.store.findResultForJob(job.id), 60_000, `${student}'s result`);
    return { studentFeed: framesOf(String(studentText.body)), instructorFeed: framesOf(String(instructorText.body)), graded: progressSince(job.id, from) };
  }

  let aliceHidden: string[] = [];
  let aliceVisible: number[] = [];

  it('streams a student nothing of a hidden test before the release, and an instructor everything', async () => {
    const { studentFeed, instructorFeed, graded } = await gradeWatched('alice');
    const numbers = numbersByTest(graded);
    aliceHidden = hiddenNumbers(numbers);
    aliceVisible = numbers.get(VISIBLE_TESTS[0]) ?? [];
    // The submission did send the hidden test's inputs (else this test could not fail).
    expect(aliceHidden.length).toBe(4);
    expect(aliceVisible.length).toBeGreaterThan(0);

    const instructorText = JSON.stringify(instructorFeed);
    expect(instructorText).toContain(HIDDEN_TEST);
    for (const n of aliceHidden) expect(instructorText).toContain(n);
    expect(progressOf(instructorFeed).filter((p) => p.type === 'test-finished').map((p) => p.type === 'test-finished' && [p.test, p.status, p.score])).toEqual([
      [VISIBLE_TESTS[0], 'passed', 2],
      [HIDDEN_TEST, 'passed', 3],
      [VISIBLE_TESTS[1], 'passed', 5],
    ]);

    const studentText = JSON.stringify(studentFeed);
    expect(studentFeed.at(-1)?.event).toBe('done');
    expect(studentText).not.toContain(HIDDEN_TEST);
    expect(studentText).not.toContain('hidden');
    for (const n of aliceHidden) expect(studentText).not.toContain(n);
    // The visible tests, numbered among themselves (the numbering shows no hidden test), and
    // the epoch of the visible test that ran before any hidden one.
    const studentProgress = progressOf(studentFeed);
    expect(studentProgress.filter((p) => p.type === 'test-finished').map((p) => p.type === 'test-finished' && [p.test, p.index, p.total, p.score, p.maxScore])).toEqual([
      [VISIBLE_TESTS[0], 0, 2, 2, 2],
      [VISIBLE_TESTS[1], 1, 2, 5, 5],
    ]);
    expect(studentProgress.filter((p) => p.type === 'test-started').map((p) => p.type === 'test-started' && p.index)).toEqual([0, 1]);
    const studentEpochs = studentProgress.filter((p) => p.type === 'epoch');
    expect(studentEpochs.length).toBeGreaterThan(0);
    for (const p of studentEpochs) expect(p.type === 'epoch' && [p.test, p.epoch, p.loss]).toEqual([VISIBLE_TESTS[0], ...aliceVisible.slice(0, 2)]);
  });

  it('shows a student the visible tests and what they count before the release, never a total with hidden points', async () => {
    const job = jobOf('alice');
    const report = await request(app).get(`${studentLink(config, 'alice')}/reports/${job.id}`);
    expect(report.status).toBe(200);
    expect(report.text).not.toContain(HIDDEN_TEST);
    expect(report.text).toMatch(/<dt>This push \(visible tests\)<\/dt><dd>7\/7<\/dd>/);
    // What counts for the assignment is named (which push, why) without a total.
    expect(report.text).toMatch(/<dt>Counts for the assignment<\/dt><dd>this push: [^<0-9]*<\/dd>/);
    expect(report.text).not.toContain('10/10');
    expect(report.text).not.toContain('10/10');
    for (const n of aliceHidden) expect(report.text).not.toContain(n);
    const page = await request(app).get(studentLink(config, 'alice'));
    expect(page.text).toContain('7/7');
    expect(page.text).not.toContain('10/10');

    const agent = await signedIn();
    const instructorReport = await agent.get(`/reports/${job.id}`);
    expect(instructorReport.text).toContain('<dt>Counts for the assignment</dt><dd>10/10, this push');
    expect(instructorReport.text).toContain(HIDDEN_TEST);
  });

  it("gives another student's commit other hidden inputs and the same visible ones", async () => {
    expect(commits.bob).not.toBe(commits.alice);
    const { graded } = await gradeWatched('bob');
    const numbers = numbersByTest(graded);
    const bobHidden = hiddenNumbers(numbers);
    expect(bobHidden.length).toBe(4);
    for (const n of bobHidden) expect(aliceHidden).not.toContain(n);
    expect(numbers.get(VISIBLE_TESTS[0])).toEqual(aliceVisible);
  });

  itIfChromium('keeps hidden tests out of the live page in a browser, and a regrade of the commit draws the same hidden inputs', async () => {
    if (browser === undefined) throw new Error('no browser');
    const job = jobOf('alice');
    const url = `${baseUrl}${studentLink(config, 'alice')}/reports/${job.id}`;
    const context = await browser.newContext({ locale: 'en-US' });
    const received: Array<{ type: string; data: string; list: string }> = [];
    await context.exposeFunction('recordLiveFrame', (type: string, data: string, list: string) => {
      received.push({ type, data, list });
    });
    // Every frame the page's EventSource delivers, with the live list as the page then shows it.
    // (A string: the page's own types are not this project's; Node has no DOM library.)
    await context.addInitScript({
      content: `(() => {
        const Native = window.EventSource;
        window.EventSource = class extends Native {
          constructor(href, init) {
            super(href, init);
            for (const type of ['progress', 'state', 'done']) {
              this.addEventListener(type, (e) => {
                const list = document.getElementById('live-tests');
                window.recordLiveFrame(type, e.data, list ? list.textContent : '');
              });
            }
          }
        };
      })();`,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    const from = progressLog.length;
    expect(service.regradeJob(job.id, 'the test')).toBe('queued');
    const response = await page.goto(url);
    const pendingHtml = (await response?.text()) ?? '';
    // The page was opened while the job waited or ran: the live view, visible tests only.
    expect(pendingHtml).toContain('id="live"');
    expect([...pendingHtml.matchAll(/class="live-test-name">([^<]*)</g)].map((m) => m[1])).toEqual(VISIBLE_TESTS);
    expect(pendingHtml).not.toContain(HIDDEN_TEST);
    // When the grading is done the page reloads into the report.
    await page.waitForFunction(
      () => {
        const doc = (globalThis as unknown as { document: { querySelector(selector: string): unknown } }).document;
        return doc.querySelector('#live') === null && doc.querySelector('section.report') !== null;
      },
      undefined,
      { timeout: 120_000 },
    );
    expect(errors).toEqual([]);

    const seen = JSON.stringify(received);
    expect(received.filter((r) => r.type === 'progress' && r.data.includes('"test-finished"')).length).toBe(2);
    expect(received.at(-1)?.type).toBe('done');
    expect(seen).not.toContain(HIDDEN_TEST);
    expect(seen).not.toContain('hidden');
    for (const n of aliceHidden) expect(seen).not.toContain(n);
    const shown = await page.content();
    expect(shown).not.toContain(HIDDEN_TEST);
    for (const n of aliceHidden) expect(shown).not.toContain(n);
    await context.close();

    // The same commit, graded again: the same hidden inputs.
    await waitFor(() => (service.queue.getJob(job.id).state === 'done' ? true : undefined), 60_000, 'the regrade');
    expect(hiddenNumbers(numbersByTest(progressSince(job.id, from)))).toEqual(aliceHidden);
  });

  it('gives the student everything once the hidden tests are released', async () => {
    const agent = await signedIn();
    const token = csrfOf((await agent.get('/dashboard')).text);
    expect((await agent.post(`/assignments/${LEAK_ASSIGNMENT}/release`).type('form').send({ _csrf: token })).status).toBe(303);

    const job = jobOf('alice');
    const from = progressLog.length;
    expect(service.regradeJob(job.id, 'the test')).toBe('queued');
    const live = await request(app).get(`${studentLink(config, 'alice')}/reports/${job.id}/events`).buffer(true).parse(readStream);
    const feed = framesOf(String(live.body));
    const text = JSON.stringify(feed);
    expect(text).toContain(HIDDEN_TEST);
    for (const n of aliceHidden) expect(text).toContain(n);
    expect(progressOf(feed).filter((p) => p.type === 'test-finished').map((p) => p.type === 'test-finished' && [p.test, p.index, p.total, p.score])).toEqual([
      [VISIBLE_TESTS[0], 0, 3, 2],
      [HIDDEN_TEST, 1, 3, 3],
      [VISIBLE_TESTS[1], 2, 3, 5],
    ]);
    await waitFor(() => (service.queue.getJob(job.id).state === 'done' ? true : undefined), 60_000, 'the regrade');
    expect(hiddenNumbers(numbersByTest(progressSince(job.id, from)))).toEqual(aliceHidden);

    const report = await request(app).get(`${studentLink(config, 'alice')}/reports/${job.id}`);
    expect(report.text).toContain(HIDDEN_TEST);
    expect(report.text).toContain('<dt>Counts for the assignment</dt><dd>10/10, this push');
    const page = await request(app).get(studentLink(config, 'alice'));
    expect(page.text).toContain('10/10');
  });
});
