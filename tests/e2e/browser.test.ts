/**
 * The pages in a real browser: Debian's headless Chromium driven by playwright-core, against
 * a real server grading real pushes (momentum-sgd and mnist-mlp from the course's own
 * examples). Signs in, opens the dashboard and a report, checks that a chart and a digit
 * image really render, switches to Russian, and checks that a student's link cannot open
 * another student's report. Screenshots go to $E2E_SCREENSHOTS (default: a temp folder).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ASSIGNMENTS_ROOT } from '../../grader/paths';
import { studentLink } from '../../server/auth/student-links';
import { startServer, type RunningServer } from '../../server/main';
import { INSTRUCTOR_TOKEN, SECRET_ENV, StudentRepo, tempDir, waitFor, writeCourseFile } from '../repo/git-helpers';
import { WAIT_GUARD_MS } from '../jest/guard';


const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
// CI installs Chromium: there, its absence is a failure, not a skip.
if (!HAVE_CHROMIUM && process.env.CI !== undefined) throw new Error(`${CHROMIUM} is missing (CI installs the chromium package)`);
const describeIfChromium = HAVE_CHROMIUM ? describe : describe.skip;
if (!HAVE_CHROMIUM) process.stderr.write(`browser tests skipped: no ${CHROMIUM} (apt-get install chromium)\n`);

/** The files of an example submission (never its expected.json). */
function example(assignment: string, name: string): Record<string, string> {
  const dir = path.join(ASSIGNMENTS_ROOT, assignment, 'examples', name);
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(dir)) if (f !== 'expected.json') files[`${assignment}/${f}`] = fs.readFileSync(path.join(dir, f), 'utf8');
  return files;
}

describeIfChromium('the pages in Chromium', () => {
  let root: string;
  let server: RunningServer;
  let browser: Browser;
  const shots = process.env.E2E_SCREENSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nn2-screens-'));
  const envBefore = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, SECRET_ENV);
    root = tempDir('browser');
    const alice = new StudentRepo(root, 'alice');
    const bob = new StudentRepo(root, 'bob');
    const file = writeCourseFile(root, {
      students: [
        { id: 'alice', repo: alice.url },
        { id: 'bob', repo: bob.url },
      ],
      assignments: [
        { id: 'momentum-sgd', due: '2999-01-01T00:00:00Z' },
        { id: 'mnist-mlp', due: '2999-01-01T00:00:00Z' },
      ],
      catalogueRoot: null,
      concurrency: 2,
    });
    server = await startServer({ configFile: file, port: 0, log: () => undefined });
    alice.commit({ ...example('momentum-sgd', 'correct'), ...example('mnist-mlp', 'correct') });
    alice.push();
    bob.commit({ ...example('momentum-sgd', 'nesterov'), ...example('mnist-mlp', 'softmax-output') });
    bob.push();
    server.service.receivePush({ studentId: 'alice', commit: alice.head(), branch: 'main', source: 'manual' });
    server.service.receivePush({ studentId: 'bob', commit: bob.head(), branch: 'main', source: 'manual' });
    await waitFor(() => (server.service.store.listResults().length >= 4 ? true : undefined), 240_000, 'four stored results', 250);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const k of Object.keys(SECRET_ENV)) if (!(k in envBefore)) delete process.env[k];
    if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
    process.stderr.write(`browser screenshots: ${shots}\n`);
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

  it('signs in, reads the dashboard and a report with charts and digits, and switches to Russian', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });

    await page.goto(`${server.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.fill('#token', INSTRUCTOR_TOKEN);
    await Promise.all([page.waitForURL('**/dashboard'), page.click('button[type=submit]')]);
    expect(await page.locator('tr[data-student="alice"]').count()).toBe(1);
    expect(await page.locator('tr[data-student="bob"]').count()).toBe(1);
    expect(await page.locator('svg.histogram').count()).toBeGreaterThan(0);
    await shot(page, '1-dashboard');

    // Alice's mnist-mlp report: the loss curve and the misclassified digits.
    await Promise.all([page.waitForURL('**/reports/*'), page.locator('tr[data-student="alice"] td[data-status] a').nth(1).click()]);
    expect(await page.locator('h1').first().textContent()).toContain('mnist-mlp');
    const chart = page.locator('figure.fig-loss-curve svg').first();
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100);
    expect(box?.height ?? 0).toBeGreaterThan(50);
    expect(await chart.locator('polyline, path').count()).toBeGreaterThan(0);
    const digit = page.locator('figure.fig-misclassified img').first();
    await digit.scrollIntoViewIfNeeded();
    const decoded = await digit.evaluate((img: { naturalWidth: number; naturalHeight: number; complete: boolean }) => ({ w: img.naturalWidth, h: img.naturalHeight, complete: img.complete }));
    expect(decoded.complete).toBe(true);
    expect(decoded.w).toBeGreaterThanOrEqual(28);
    expect(decoded.h).toBeGreaterThanOrEqual(28);
    await shot(page, '2-report-mnist-mlp');

    // The momentum trajectory of Bob's Nesterov submission (a failed test shows the paths).
    await page.goto(`${server.url}/dashboard`);
    await Promise.all([page.waitForURL('**/reports/*'), page.locator('tr[data-student="bob"] td[data-status] a').nth(0).click()]);
    expect(await page.locator('figure.fig-trajectory svg').count()).toBeGreaterThan(0);
    await shot(page, '3-report-momentum-bob');

    // A regrade: the page follows the grading live (server-sent events) and shows the report when done.
    await Promise.all([page.waitForURL(/notice=regrade/), page.click('form[action$="/regrade"] button')]);
    expect(await page.locator('#live').count()).toBe(1);
    await page.waitForSelector('.live-test.is-passed, .live-test.is-failed', { timeout: WAIT_GUARD_MS });
    await shot(page, '3b-report-live');
    await page.waitForSelector('section.report', { timeout: WAIT_GUARD_MS });
    expect(await page.locator('#live').count()).toBe(0);
    expect(await page.locator('.flash').count()).toBe(1);

    // Russian.
    await Promise.all([page.waitForLoadState('load'), page.click('a[hreflang="ru"]')]);
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    expect(await page.locator('.tests h2').first().textContent()).toBe('Тесты');
    await page.goto(`${server.url}/dashboard`);
    expect(await page.locator('h2').first().textContent()).toBe('Статистика группы');
    expect(await page.locator('h2').nth(1).textContent()).toBe('Посылки, ещё не давшие результата');
    await shot(page, '4-dashboard-ru');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("keeps a student's link to their own reports", async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const aliceLink = `${server.url}${studentLink(server.service.config, 'alice')}`;
    await page.goto(aliceLink);
    expect(await page.locator('h1').first().textContent()).toContain('Student alice');
    const ownReports = await page.locator('.job-list a').evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href));
    expect(ownReports.length).toBe(2);
    await page.goto(ownReports[0]);
    expect(await page.locator('.report').count()).toBe(1);
    await shot(page, '5-student-report');
    const bobJob = server.service.queue.listJobs({ studentId: 'bob' })[0];
    const response = await page.goto(`${aliceLink}/reports/${bobJob.id}`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').first().textContent()).toBe('Not found');
    await context.close();
  });
});
