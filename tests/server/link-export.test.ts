/** GET /export/links.csv through the real Express app, and the CSV it shares with `grader links`. */
import request from 'supertest';
import { parseCsv } from '../../grader/util/csv';
import { studentLink } from '../../server/auth/student-links';
import { studentLinksCsv } from '../../server/pages/link-export';
import { INSTRUCTOR_TOKEN } from '../repo/git-helpers';
import { courseApp, type CourseApp } from './course-app';

function rows(csv: string): string[][] {
  return parseCsv(csv).map((r) => r.fields);
}

describe('student link export', () => {
  let c: CourseApp;
  beforeAll(() => {
    c = courseApp('link-export', { extra: { publicUrl: 'https://grader.example.org/' } });
  });
  afterAll(() => c.close());

  it('lists every student with a working absolute link', async () => {
    const res = await request(c.app).get('/export/links.csv').set('Authorization', `Bearer ${INSTRUCTOR_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="test-course-student-links.csv"');
    expect(res.headers['cache-control']).toBe('no-store');
    const table = rows(res.text);
    expect(table[0]).toEqual(['student_id', 'name', 'repository', 'branch', 'link']);
    expect(table.slice(1).map((r) => r.slice(0, 4))).toEqual([
      ['alice', 'Student alice', 'https://github.com/nn2/alice.git', 'main'],
      ['bob', 'Student bob', 'git@gitlab.example.org:nn2/bob.git', 'solutions'],
    ]);
    for (const [id, , , , link] of table.slice(1)) {
      expect(link).toBe(`https://grader.example.org${studentLink(c.config, id)}`);
      // The link opens that student's page over HTTP.
      const page = await request(c.app).get(new URL(link).pathname);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`Student ${id}`);
    }
  });

  it('is for instructors only', async () => {
    expect((await request(c.app).get('/export/links.csv')).status).toBe(401);
    expect((await request(c.app).get('/export/links.csv').set('Authorization', 'Bearer wrong-token-0123456789')).status).toBe(401);
  });

  it('is linked from the dashboard', async () => {
    const agent = request.agent(c.app);
    await agent.post('/signin').type('form').send({ token: INSTRUCTOR_TOKEN, next: '/dashboard' });
    const dashboard = await agent.get('/dashboard');
    expect(dashboard.text).toContain('href="/export/links.csv"');
  });

  it('gives paths without a base URL, and quotes what a spreadsheet would run', () => {
    const csv = studentLinksCsv({ ...c.config, roster: [{ ...c.config.roster[0], name: '=HYPERLINK("x"), Jr' }] });
    const table = rows(csv);
    expect(table[1][1]).toBe(`'=HYPERLINK("x"), Jr`);
    expect(table[1][4]).toBe(studentLink(c.config, 'alice'));
  });
});
