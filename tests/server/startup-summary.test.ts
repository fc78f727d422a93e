/** What `grader serve` prints at start: the pure summary, and the real server printing it. */
import * as fs from 'node:fs';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { startServer } from '../../server/main';
import { startupSummary } from '../../server/startup-summary';
import { SECRET_ENV, StudentRepo, tempDir, writeCourseFile } from '../repo/git-helpers';

describe('startup summary', () => {
  let root: string;
  let file: string;
  const envBefore = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, SECRET_ENV);
    root = tempDir('startup-summary');
    const local = new StudentRepo(root, 'carol');
    file = writeCourseFile(root, {
      students: [
        { id: 'alice', repo: 'https://github.com/nn2/alice.git' },
        { id: 'carol', repo: local.bare },
      ],
      assignments: [
        { id: 'demo-add', due: '2999-01-01T00:00:00Z' },
      ],
    });
  });
  afterAll(() => {
    process.env = envBefore;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('names the course, its size, the webhook URLs, the link export, and warns about a local path without polling', () => {
    const config = loadCourseConfig(file);
    const { lines, warnings } = startupSummary(config, { url: 'http://127.0.0.1:3000', grading: 'grading here' });
    const text = lines.join('\n');
    expect(text).toContain('course test-course: 2 students, 1 assignment graded (demo-add)');
    expect(text).toContain('http://127.0.0.1:3000/webhooks/github');
    expect(text).toContain('$TEST_GRADER_WEBHOOK_SECRET');
    expect(text).toContain('no polling');
    expect(text).toContain('student links: http://127.0.0.1:3000/export/links.csv');
    expect(text).toContain(`grader links --config ${file}`);
    expect(warnings).toEqual([expect.stringMatching(/^warning: 1 student's repository is a path on this machine \(carol\).*--poll/)]);

    const polled = startupSummary(config, { url: 'http://127.0.0.1:3000', grading: 'grading here', pollSeconds: 30 });
    expect(polled.lines.join('\n')).toContain('every 30 s');
    expect(polled.warnings).toEqual([]);
  });

  it('uses the public URL for what it prints', () => {
    const config = { ...loadCourseConfig(file), publicUrl: 'https://grader.example.org' };
    const text = startupSummary(config, { url: 'http://127.0.0.1:3000', grading: 'g' }).lines.join('\n');
    expect(text).toContain('https://grader.example.org/webhooks/gitlab');
    expect(text).toContain('https://grader.example.org/export/links.csv');
    expect(text).toMatch(/listening on http:\/\/127\.0\.0\.1:3000$/m);
  });

  it('is printed by the running server', async () => {
    const lines: string[] = [];
    const running = await startServer({ configFile: file, port: 0, insecureNoSandbox: true, log: (l) => lines.push(l) });
    try {
      const text = lines.join('\n');
      expect(text).toMatch(new RegExp(`listening on ${running.url.replace(/[.]/g, '\\.')}`));
      expect(text).toContain(`${running.url}/webhooks/github`);
      expect(text).toMatch(/warning: 1 student's repository is a path/);
    } finally {
      await running.close();
    }
  });
});
