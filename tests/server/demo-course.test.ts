/**
 * The demo course of `npm start`: its repositories, commits, course file and late pushes,
 * then the demo server itself on the light assignments, whose stored results must tell the
 * three students' stories, and a second start that grades nothing again.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import type { ResultRow } from '../../grader/store/rows';
import { DEMO_SECRET_ENV, DemoDataError, buildDemoCourse, demoPaths, ensureDemoSecrets, type DemoCourse } from '../../server/demo/demo-course';
import { DEMO_STUDENTS } from '../../server/demo/demo-story';
import { DemoPortError, assertPortFree, prepareDataDir, startDemo } from '../../server/demo/start-demo';
import { ASSIGNMENTS_ROOT } from '../../grader/paths';
import { git, waitFor } from '../repo/git-helpers';
import { WAIT_GUARD_MS } from '../jest/guard';


const ANCHOR = Date.parse('2025-03-20T12:00:00Z');
const LIGHT = ['autograd-graph', 'backprop', 'momentum-sgd', 'mnist-loader', 'mnist-test-loop'];

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const commitsOf = (course: DemoCourse) => Object.fromEntries(course.students.map((s) => [s.id, s.pushes.map((p) => p.commit)]));

describe('the demo course', () => {
  const dirs: string[] = [];
  const dir = (prefix: string) => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('builds one bare repository per student from the examples, with stable commits', () => {
    const a = dir('demo-a');
    const course = buildDemoCourse({ dir: a, anchorMs: ANCHOR, scope: 'standard' });
    expect(course.students.map((s) => s.id)).toEqual(['anna', 'boris', 'chen']);
    expect(Object.fromEntries(course.students.map((s) => [s.id, s.pushes.length]))).toEqual({ anna: 6, boris: 6, chen: 4 });

    for (const s of course.students) {
      expect(s.repo).toBe(path.join(a, 'repos', `${s.id}.git`));
      expect(gitIn(s.repo, 'rev-parse', '--is-bare-repository')).toBe('true');
      expect(gitIn(s.repo, 'rev-list', '--count', 'main')).toBe(String(s.pushes.length));
      expect(gitIn(s.repo, 'rev-parse', 'main')).toBe(s.pushes[s.pushes.length - 1].commit);
      const files = gitIn(s.repo, 'ls-tree', '-r', '--name-only', 'main').split('\n');
      expect(files.every((f) => /^[a-z-]+\/[^/]+\.ts$/.test(f))).toBe(true);
      expect(files.some((f) => f.endsWith('expected.json'))).toBe(false);
      // Receipt order is commit order, every push after the one before.
      const times = s.pushes.map((p) => p.receivedAt);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      expect(times.every((t) => t < ANCHOR)).toBe(true);
    }
    const anna = course.students[0];
    expect(gitIn(anna.repo, 'log', '-1', '--format=%an <%ae> %cn %ct', 'main')).toBe(
      `Anna Ivanova <anna@students.example.org> Anna Ivanova ${Math.floor((anna.pushes[5].receivedAt - 10 * 60_000) / 1000)}`,
    );
    // Chen's story: autograd-graph does not compile (the example's verdict), mnist-loader never pushed.
    const chen = course.students[2];
    expect(gitIn(chen.repo, 'ls-tree', '--name-only', 'main').split('\n')).toEqual(['autograd-graph', 'backprop', 'mnist-test-loop', 'momentum-sgd']);
    const verdict: unknown = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'assignments', 'autograd-graph', 'examples', chen.pushes[0].folders['autograd-graph'], 'expected.json'), 'utf8'));
    expect(verdict).toMatchObject({ status: 'compile_error' });

    // The same anchor gives the same commits in another folder; building again changes nothing.
    const b = dir('demo-b');
    expect(commitsOf(buildDemoCourse({ dir: b, anchorMs: ANCHOR, scope: 'standard' }))).toEqual(commitsOf(course));
    expect(commitsOf(buildDemoCourse({ dir: a, anchorMs: ANCHOR, scope: 'standard' }))).toEqual(commitsOf(course));

    // A larger scope only adds commits at the end: the repositories fast-forward.
    const light = buildDemoCourse({ dir: dir('demo-c'), anchorMs: ANCHOR, scope: 'light' });
    const all = buildDemoCourse({ dir: b, anchorMs: ANCHOR, scope: 'all' });
    for (const [id, commits] of Object.entries(commitsOf(light))) {
      expect(commitsOf(course)[id].slice(0, commits.length)).toEqual(commits);
      expect(commitsOf(all)[id].slice(0, commitsOf(course)[id].length)).toEqual(commitsOf(course)[id]);
    }
    expect(commitsOf(light).anna).toHaveLength(5);
    expect(Object.values(commitsOf(all)).map((c) => c.length)).toEqual(DEMO_STUDENTS.map((s) => s.pushes.length));
  });

  it('writes a valid course file whose due dates make exactly Chen\'s mnist-test-loop push late', () => {
    const d = dir('demo-config');
    const course = buildDemoCourse({ dir: d, anchorMs: ANCHOR, scope: 'standard' });
    const secrets = ensureDemoSecrets(d);
    expect(fs.statSync(demoPaths(d).secrets).mode & 0o777).toBe(0o600);
    expect(ensureDemoSecrets(d)).toEqual(secrets);
    const env = { [DEMO_SECRET_ENV.webhookSecret]: secrets.webhookSecret, [DEMO_SECRET_ENV.instructorToken]: secrets.instructorToken };
    const config = loadCourseConfig(course.courseFile, { env });
    expect(config.roster.map((s) => [s.id, s.repo])).toEqual(course.students.map((s) => [s.id, s.repo]));
    expect(config.assignments.filter((a) => a.enabled).map((a) => a.id)).toEqual([...LIGHT, 'mnist-mlp']);
    expect(config.assignments.filter((a) => !a.enabled).map((a) => a.id)).toEqual(['mnist-cnn', 'autoencoder']);
    expect(config.dataDir).toBe(path.join(d, 'grader-data'));
    expect(fs.readFileSync(course.courseFile, 'utf8')).not.toContain(secrets.instructorToken);

    const late = course.students.flatMap((s) => s.pushes.flatMap((p) => p.late.map((a) => `${s.id}/${a}`)));
    expect(late).toEqual(['chen/mnist-test-loop']);
    // The same from the course file's own due dates.
    const lateByConfig = course.students.flatMap((s) =>
      s.pushes.flatMap((p) => Object.keys(p.folders).filter((id) => p.receivedAt > (config.assignments.find((a) => a.id === id)?.dueMs ?? Infinity)).map((id) => `${s.id}/${id}`)),
    );
    expect(lateByConfig).toEqual(['chen/mnist-test-loop']);
  });

  it('refuses a folder that is not a demo, an unwritable folder, and a port in use, with clear messages', async () => {
    const other = dir('demo-other');
    fs.writeFileSync(path.join(other, 'thesis.tex'), 'precious');
    expect(() => prepareDataDir(other, true)).toThrow(DemoDataError);
    expect(() => prepareDataDir(other, true)).toThrow(/not empty and holds no demo course/);
    expect(fs.existsSync(path.join(other, 'thesis.tex'))).toBe(true);
    expect(() => prepareDataDir(path.join(other, 'thesis.tex', 'data'), false)).toThrow(/cannot write to the data folder .* --data DIR/);

    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const address = busy.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(assertPortFree('127.0.0.1', port)).rejects.toThrow(DemoPortError);
      await expect(assertPortFree('127.0.0.1', port)).rejects.toThrow(new RegExp(`127.0.0.1:${port}.*--port`));
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  describe('the demo server', () => {
    const envBefore = { ...process.env };
    afterEach(() => {
      for (const k of Object.values(DEMO_SECRET_ENV)) if (!(k in envBefore)) delete process.env[k];
    });

    it('grades the light assignments at start into results that tell the stories, and nothing twice', async () => {
      const d = dir('demo-server');
      const quiet = { log: () => undefined, print: () => undefined };
      const demo = await startDemo({ dataDir: d, scope: 'light', port: 0, ...quiet });
      let results: ResultRow[];
      try {
        expect(demo.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard$/);
        expect(demo.instructorToken.length).toBeGreaterThanOrEqual(16);
        expect(Object.keys(demo.studentLinks)).toEqual(['anna', 'boris', 'chen']);
        for (const link of Object.values(demo.studentLinks)) expect(link.startsWith(`${demo.server.url}/s/`)).toBe(true);
        const health = await fetch(`${demo.server.url}/healthz`);
        expect(health.status).toBe(200);

        await demo.whenGraded(WAIT_GUARD_MS);
        results = demo.server.service.store.listResults();
      } finally {
        await demo.close();
      }
      const of = (student: string, assignment: string) => results.filter((r) => r.student_id === student && r.assignment_id === assignment);

      // Anna: full marks on every light assignment, never late.
      for (const id of LIGHT) {
        const [r, ...more] = of('anna', id);
        expect(more).toHaveLength(0);
        expect(r).toMatchObject({ status: 'graded', days_late: 0, penalty_percent: 0 });
        expect(r.score).toBe(r.max_score);
      }
      // Boris: bugs lose points; his test loop has two results, the fixed one with full marks.
      for (const id of ['autograd-graph', 'backprop', 'mnist-loader']) {
        expect(of('boris', id)).toHaveLength(1);
        expect(of('boris', id)[0].score).toBeLessThan(of('boris', id)[0].max_score);
      }
      expect(of('boris', 'momentum-sgd')[0].score).toBe(of('boris', 'momentum-sgd')[0].max_score);
      const loop = of('boris', 'mnist-test-loop');
      expect(loop).toHaveLength(2);
      expect(loop[0].received_at).toBeLessThan(loop[1].received_at);
      expect(loop[0].score).toBeLessThan(loop[1].score);
      expect(loop[1].score).toBe(loop[1].max_score);
      // Chen: a compile error, a missing folder (nothing to grade), a late push with its penalty.
      expect(of('chen', 'autograd-graph')).toMatchObject([{ status: 'compile_error', score: 0 }]);
      expect(of('chen', 'mnist-loader')).toHaveLength(0);
      const [lateLoop] = of('chen', 'mnist-test-loop');
      expect(lateLoop).toMatchObject({ status: 'graded', days_late: 1, penalty_percent: 10 });
      expect(lateLoop.final_score).toBeCloseTo(lateLoop.score * 0.9, 4);
      expect(results.filter((r) => r.days_late > 0).map((r) => `${r.student_id}/${r.assignment_id}`)).toEqual(['chen/mnist-test-loop']);
      expect(results).toHaveLength(5 + 6 + 4);

      // A second start finds every push known and grades nothing; then the demo is a git host:
      // a push to Anna's repository is noticed by polling and graded.
      const again = await startDemo({ dataDir: d, scope: 'light', port: 0, ...quiet });
      try {
        await again.whenGraded(WAIT_GUARD_MS);
        expect(again.recorded).toEqual({ new: 0, known: 15 });
        expect(again.server.service.store.listResults().map((r) => r.id)).toEqual(results.map((r) => r.id));
        const work = path.join(d, 'anna-work');
        git(d, 'clone', '--quiet', path.join(d, 'repos', 'anna.git'), work);
        fs.copyFileSync(path.join(ASSIGNMENTS_ROOT, 'momentum-sgd', 'examples', 'nesterov', 'solution.ts'), path.join(work, 'momentum-sgd', 'solution.ts'));
        git(work, 'commit', '--quiet', '-am', 'try Nesterov');
        git(work, 'push', '--quiet', 'origin', 'HEAD:main');
        const pushed = git(work, 'rev-parse', 'HEAD');
        const row = await waitFor(() => again.server.service.store.listResults().find((r) => r.commit_sha === pushed), 60_000, 'the pushed commit graded');
        // Pushed long after the due date: graded all the same, with the late penalty (no hard cutoff in the demo).
        expect(row).toMatchObject({ student_id: 'anna', assignment_id: 'momentum-sgd', status: 'graded' });
        expect(row.days_late).toBeGreaterThan(0);
        expect(row.score).toBeLessThan(row.max_score);
      } finally {
        await again.close();
      }
    });
  });
});
