/**
 * The HTML pages through supertest, on a real course: bare repositories pushed to over the
 * file system, real grading of the demo-add fixture in child processes, results in SQLite.
 * Sign-in and sessions, the dashboard (sorting, filtering, statistics), student links and
 * what they may not open, escaping of student text, CSRF, regrade, override, release,
 * exports, languages, metrics and the live feed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { GradingService } from '../../grader/queue/grading-service';
import { GradescopeResultSchema } from '../../grader/results/gradescope';
import { GradeResultSchema } from '../../grader/results/result-schema';
import { openDatabase, type Database } from '../../grader/store/database';
import { GradeStore } from '../../grader/store/grade-store';
import { createApp } from '../../server/app';
import { studentLink } from '../../server/auth/student-links';
import { INSTRUCTOR_TOKEN, SECRET_ENV, StudentRepo, demoSolution, tempDir, waitFor, writeCourseFile } from '../repo/git-helpers';


const XSS_SOLUTION = `${demoSolution('correct')}
console.log('<script>alert("pwned")</script> <img src=x onerror=alert(1)>');
`;

/** Reads a server-sent-events response to its end (the feed ends when the job is done). */
function readStream(res: request.Response, done: (err: Error | null, body: unknown) => void): void {
  let text = '';
  res.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  res.on('end', () => done(null, text));
}

function csrfOf(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (m === null) throw new Error('no CSRF token on the page');
  return m[1];
}

describe('server pages', () => {
  let root: string;
  let db: Database;
  let service: GradingService;
  let app: Express;
  let config: ReturnType<typeof loadCourseConfig>;
  const commits: Record<string, string> = {};
  let bobRepo: StudentRepo;
  const envBefore = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, SECRET_ENV);
    root = tempDir('pages');
    const repos = { alice: new StudentRepo(root, 'alice'), bob: new StudentRepo(root, 'bob'), carol: new StudentRepo(root, 'carol') };
    bobRepo = repos.bob;
    const file = writeCourseFile(root, { students: Object.values(repos).map((r) => ({ id: r.id, repo: r.url })), concurrency: 2 });
    config = loadCourseConfig(file);
    db = openDatabase(config.databaseFile);
    service = new GradingService({ config, store: new GradeStore(db), tickMs: 100 });
    await service.start();
    app = createApp(config, { service, logError: () => undefined });
    const sources: Record<keyof typeof repos, string> = { alice: XSS_SOLUTION, bob: demoSolution('subtracts'), carol: demoSolution('syntax-error') };
    for (const [id, repo] of Object.entries(repos)) {
      commits[id] = repo.commit({ 'demo-add/solution.ts': sources[id as keyof typeof repos] });
      repo.push();
      service.receivePush({ studentId: id, commit: commits[id], branch: 'main', source: 'manual' });
    }
    await waitFor(() => (service.store.listResults().length >= 3 && service.idle() ? true : undefined), 150_000, 'three graded pushes', 100);
  });

  afterAll(async () => {
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

  async function signedIn() {
    const agent = request.agent(app);
    const res = await agent.post('/signin').type('form').send({ token: INSTRUCTOR_TOKEN, next: '/dashboard' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard');
    return agent;
  }

  it('sends instructors to the sign-in page and refuses a wrong token', async () => {
    const res = await request(app).get('/dashboard');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signin?next=%2Fdashboard');
    const wrong = await request(app).post('/signin').type('form').send({ token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That token is not valid.');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    // A next= that leaves the site is ignored (no open redirect).
    const agent = request.agent(app);
    const ok = await agent.post('/signin').type('form').send({ token: INSTRUCTOR_TOKEN, next: '//evil.example/x' });
    expect(ok.headers.location).toBe('/dashboard');
    expect(String(ok.headers['set-cookie'])).toMatch(/nn2_session=.*HttpOnly.*|nn2_session=.*SameSite=Lax/);
  });

  it('shows the dashboard: scores, statuses, commits and class statistics', async () => {
    const agent = await signedIn();
    const res = await agent.get('/dashboard');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    for (const id of ['alice', 'bob', 'carol']) expect(res.text).toContain(`data-student="${id}"`);
    expect(res.text).toMatch(/data-student="alice"[\s\S]*?cell-score">10<span class="muted">\/10/);
    expect(res.text).toMatch(/data-student="bob"[\s\S]*?cell-score">5<span class="muted">\/10/);
    expect(res.text).toMatch(/data-student="carol"[\s\S]*?data-status="compile_error"/);
    expect(res.text).toContain(commits.alice.slice(0, 7));
    // Mean of 10, 5 and 0.
    expect(res.text).toMatch(/class="stat-mean">5</);
    expect(res.text).toContain('<svg class="histogram"');
  });

  it('sorts and filters through the query string', async () => {
    const agent = await signedIn();
    const desc = await agent.get('/dashboard?sort=demo-add&dir=desc');
    const order = [...desc.text.matchAll(/<tr data-student="(\w+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['alice', 'bob', 'carol']);
    const asc = await agent.get('/dashboard?sort=demo-add&dir=asc');
    expect([...asc.text.matchAll(/<tr data-student="(\w+)"/g)].map((m) => m[1])).toEqual(['carol', 'bob', 'alice']);
    const filtered = await agent.get('/dashboard?q=bo');
    expect([...filtered.text.matchAll(/<tr data-student="(\w+)"/g)].map((m) => m[1])).toEqual(['bob']);
    const byStatus = await agent.get('/dashboard?status=compile_error');
    expect([...byStatus.text.matchAll(/<tr data-student="(\w+)"/g)].map((m) => m[1])).toEqual(['carol']);
  });

  it('renders a report with every test, hidden ones for instructors, and escapes what the code printed', async () => {
    const agent = await signedIn();
    const res = await agent.get(`/reports/${jobOf('alice').id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('add on a vector');
    expect(res.text).toMatch(/add on a matrix<\/span> <span class="tag tag-hidden">hidden/);
    expect(res.text).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).not.toContain('<img src=x');
    const carol = await agent.get(`/reports/${jobOf('carol').id}`);
    expect(carol.text).toContain('Compile errors');
    expect(carol.text).toMatch(/class="excerpt"/);
  });

  it('gives each student their own pages only', async () => {
    const alice = studentLink(config, 'alice');
    const page = await request(app).get(alice);
    expect(page.status).toBe(200);
    expect(page.text).toContain(commits.alice.slice(0, 7));
    expect(page.text).not.toContain(commits.bob.slice(0, 7));
    // Before the release her page shows the visible tests' points only (7 of the 10).
    expect(page.text).toContain('demo-add</a> <span class="badge badge-graded">graded</span> 7/7');
    const own = await request(app).get(`${alice}/reports/${jobOf('alice').id}`);
    expect(own.status).toBe(200);
    // Before the release: the visible tests only, and no printed output.
    expect(own.text).toContain('add on a vector');
    expect(own.text).not.toContain('add on a matrix');
    expect(own.text).toContain('Hidden tests not shown yet: 1.');
    // Which push counts and why, without a total that would include the hidden tests.
    expect(own.text).toContain('this push: the latest push by the due date');
    expect(own.text).not.toMatch(/Counts for the assignment<\/dt>\s*<dd>10\/10/);
    const other = await request(app).get(`${alice}/reports/${jobOf('bob').id}`);
    expect(other.status).toBe(404);
    const forged = await request(app).get(`/s/alice.${'A'.repeat(32)}`);
    expect(forged.status).toBe(404);
    const instructorPage = await request(app).get(`/reports/${jobOf('alice').id}`);
    expect(instructorPage.status).toBe(303);
  });

  it('refuses instructor actions without the CSRF token or from another origin', async () => {
    const agent = await signedIn();
    const job = jobOf('bob');
    const none = await agent.post(`/reports/${job.id}/regrade`).type('form').send({});
    expect(none.status).toBe(403);
    const dash = await agent.get('/dashboard');
    const token = csrfOf(dash.text);
    const cross = await agent.post(`/reports/${job.id}/regrade`).set('Origin', 'https://evil.example').type('form').send({ _csrf: token });
    expect(cross.status).toBe(403);
    const anonymous = await request(app).post(`/reports/${job.id}/regrade`).type('form').send({ _csrf: token });
    expect(anonymous.status).toBe(401);
    expect(service.queue.getJob(job.id).state).toBe('done');
  });

  it('releases hidden tests to students', async () => {
    const agent = await signedIn();
    const token = csrfOf((await agent.get('/dashboard')).text);
    const res = await agent.post('/assignments/demo-add/release').type('form').send({ _csrf: token });
    expect(res.status).toBe(303);
    const page = await request(app).get(`${studentLink(config, 'alice')}/reports/${jobOf('alice').id}`);
    expect(page.text).toContain('add on a matrix');
    await agent.post('/assignments/demo-add/unrelease').type('form').send({ _csrf: token });
    const again = await request(app).get(`${studentLink(config, 'alice')}/reports/${jobOf('alice').id}`);
    expect(again.text).not.toContain('add on a matrix');
  });

  it('overrides a score with a comment, keeps the history, and the grade book counts it', async () => {
    const agent = await signedIn();
    const job = jobOf('bob');
    const token = csrfOf((await agent.get(`/reports/${job.id}`)).text);
    const bad = await agent.post(`/reports/${job.id}/override`).type('form').send({ _csrf: token, score: '11', comment: 'too much' });
    expect(bad.headers.location).toContain('override-invalid');
    const ok = await agent.post(`/reports/${job.id}/override`).type('form').send({ _csrf: token, score: '7.5', comment: 'partial credit for <b>the idea</b>' });
    expect(ok.status).toBe(303);
    const page = await agent.get(`/reports/${job.id}`);
    expect(page.text).toContain('partial credit for &lt;b&gt;the idea&lt;/b&gt;');
    // The report and the student's page say that an override is in force, and why it counts.
    expect(page.text).toContain('Counts for the assignment');
    expect(page.text).toContain('7.5/10 — an instructor’s override, in force until withdrawn');
    const bobPage = await agent.get('/students/bob');
    expect(bobPage.text).toMatch(/<tr data-assignment="demo-add">[\s\S]*?7\.5<span class="muted">\/10<\/span><\/span> <span class="muted count-reason">an instructor’s override/);
    const csv = await agent.get('/export/gradebook.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(rows[0]).toBe('student_id,name,demo-add,total');
    expect(rows).toContain('bob,Student bob,7.5,7.5');
    expect(rows).toContain('alice,Student alice,10,10');
    await agent.post(`/reports/${job.id}/override`).type('form').send({ _csrf: token, withdraw: '1', comment: 'withdrawn' });
    const after = (await agent.get('/export/gradebook.csv')).text;
    expect(after).toContain('bob,Student bob,5,5');
    const history = await agent.get(`/reports/${job.id}`);
    expect(history.text).toContain('Overrides');
    expect(history.text).toContain('withdrawn');
  });

  it('exports the result JSON and Gradescope results.json, with the token or the session', async () => {
    const job = jobOf('alice');
    const anonymous = await request(app).get(`/reports/${job.id}/result.json`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('TOKEN_REQUIRED');
    const res = await request(app).get(`/reports/${job.id}/result.json`).set('Authorization', `Bearer ${INSTRUCTOR_TOKEN}`);
    expect(res.status).toBe(200);
    const result = GradeResultSchema.parse(res.body);
    expect(result).toMatchObject({ assignment: 'demo-add', score: 10, commit: commits.alice });
    const gs = await request(app).get(`/reports/${job.id}/gradescope.json`).set('Authorization', `Bearer ${INSTRUCTOR_TOKEN}`);
    expect(GradescopeResultSchema.parse(gs.body).score).toBe(10);
  });

  it('speaks Russian to a Russian browser and remembers the switch', async () => {
    const ru = await request(app).get('/signin').set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.5');
    expect(ru.text).toContain('<html lang="ru">');
    expect(ru.text).toContain('Вход для преподавателя');
    const agent = await signedIn();
    const switched = await agent.get('/dashboard?lang=ru').set('Accept-Language', 'en');
    expect(switched.text).toContain('Статистика группы');
    const remembered = await agent.get('/dashboard').set('Accept-Language', 'en');
    expect(remembered.text).toContain('Статистика группы');
    const back = await agent.get('/dashboard?lang=en');
    expect(back.text).toContain('Class statistics');
  });

  it('serves /healthz and Prometheus /metrics', async () => {
    expect((await request(app).get('/healthz')).body).toEqual({ ok: true, course: 'test-course' });
    const m = await request(app).get('/metrics');
    expect(m.status).toBe(200);
    expect(m.text).toContain('grader_queue_jobs{state="done"} 3');
    expect(m.text).toMatch(/grader_results_total\{status="graded"\} 2/);
    expect(m.text).toMatch(/grader_results_total\{status="compile_error"\} 1/);
    expect(m.text).toMatch(/grader_grading_duration_seconds_count\{assignment="demo-add"\} 3/);
  });

  it('regrades a submission, keeps the earlier result, and streams its progress live', async () => {
    const agent = await signedIn();
    const job = jobOf('alice');
    const token = csrfOf((await agent.get(`/reports/${job.id}`)).text);
    const first = await agent.get(`/reports/${job.id}/events`).buffer(true).parse(readStream);
    // The job was done: the feed says so at once and ends.
    expect(String(first.body)).toContain('event: done');

    const regrade = await agent.post(`/reports/${job.id}/regrade`).type('form').send({ _csrf: token });
    expect(regrade.headers.location).toBe(`/reports/${job.id}?notice=regrade`);
    const live = await agent.get(`/reports/${job.id}/events`).buffer(true).parse(readStream);
    const text = String(live.body);
    expect(text).toContain('event: progress');
    expect(text).toMatch(/"type":"test-finished"/);
    expect(text).toContain('event: done');
    await waitFor(() => (service.store.findResultForJob(job.id) !== undefined ? true : undefined), 60_000, 'the regraded result');
    const page = await agent.get(`/reports/${job.id}`);
    expect(page.text).toContain('Earlier results of this submission');
    expect(page.text).toContain('regraded by instructor');
  });

  it('shows a push that did not reach the queue, and why, to the student and the instructor; an instructor fetches it again', async () => {
    // A commit announced before it was pushed: the fetch cannot find it, and says so.
    const commit = bobRepo.commit({ 'demo-add/solution.ts': demoSolution('correct') });
    const { submission } = service.receivePush({ studentId: 'bob', commit, branch: 'main', source: 'manual' });
    await waitFor(() => (service.store.getSubmission(submission.id).state === 'failed' ? true : undefined), 60_000, 'the fetch to fail');
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toContain('grader_submissions{state="failed"} 1');
    expect(metrics.text).toContain('grader_submissions{state="prepared"} 3');

    const own = await request(app).get(studentLink(config, 'bob'));
    expect(own.text).toMatch(new RegExp(`${commit.slice(0, 7)}[\\s\\S]*?data-push-state="failed">not graded</span>`));
    // The reason is about the student's own repository, so the student reads it too.
    expect(own.text).toContain(`commit ${commit.slice(0, 12)} is not in`);
    expect(own.text).not.toContain('Fetch again');

    const agent = await signedIn();
    const dash = await agent.get('/dashboard');
    expect(dash.text).toMatch(new RegExp(`<tr data-push-state="failed">[\\s\\S]*?${commit.slice(0, 7)}[\\s\\S]*?action="/submissions/${submission.id}/retry"`));
    const token = csrfOf(dash.text);
    bobRepo.push();
    const retry = await agent.post(`/submissions/${submission.id}/retry`).type('form').send({ _csrf: token });
    expect(retry.status).toBe(303);
    expect(retry.headers.location).toBe('/students/bob?notice=fetch-retry');
    const stored = await waitFor(() => service.store.listResults({ studentId: 'bob' }).find((r) => r.commit_sha === commit), 60_000, 'the fetched-again push graded');
    expect(stored.final_score).toBe(10);
    const again = await agent.post(`/submissions/${submission.id}/retry`).type('form').send({ _csrf: token });
    expect(again.headers.location).toBe('/students/bob?notice=fetch-busy');
    expect((await agent.get('/dashboard')).text).toContain('Every accepted push has been prepared for grading.');
  });
});
