/** Sessions, CSRF tokens, student links and the language choice, one function at a time. */
import * as path from 'node:path';
import express from 'express';
import request from 'supertest';
import { resolveCourseConfig } from '../../grader/config/load-course-config';
import { ServerKeys } from '../../server/auth/keys';
import { SESSION_SECONDS, csrfToken, issueSession, readSession, verifyCsrf } from '../../server/auth/instructor-session';
import { studentForSecret, studentLink, studentSecret } from '../../server/auth/student-links';
import { fromAcceptLanguage } from '../../server/i18n/language';
import { safeNext } from '../../server/pages/sign-in-page';

const ENV = { T_WEBHOOK: 'w'.repeat(32), T_TOKEN: 't'.repeat(32) };

function course(token = ENV.T_TOKEN) {
  return resolveCourseConfig(
    {
      course: 'c1',
      assignments: [{ id: 'momentum-sgd', due: '2999-01-01T00:00:00Z' }],
      roster: [
        { id: 'alice', name: 'Alice', repo: '/x/alice.git' },
        { id: 'bob', name: 'Bob', repo: '/x/bob.git' },
      ],
      secrets: { webhookSecretEnv: 'T_WEBHOOK', instructorTokenEnv: 'T_TOKEN' },
      dataDir: 'data',
    },
    path.join('/tmp', 'course.yaml'),
    { env: { ...ENV, T_TOKEN: token } },
  );
}

describe('student links', () => {
  const config = course();
  const keys = new ServerKeys(config);

  it('open only for the student they were made for', () => {
    const secret = studentSecret(keys, 'alice');
    expect(studentLink(config, 'alice', keys)).toBe(`/s/${secret}`);
    expect(studentForSecret(config, keys, secret)?.id).toBe('alice');
    // Another student's id with Alice's MAC, a truncated MAC, an unknown student: nothing.
    expect(studentForSecret(config, keys, secret.replace('alice', 'bob'))).toBeUndefined();
    expect(studentForSecret(config, keys, secret.slice(0, -1))).toBeUndefined();
    expect(studentForSecret(config, keys, `carol.${secret.split('.')[1]}`)).toBeUndefined();
    expect(studentForSecret(config, keys, 'alice')).toBeUndefined();
  });

  it('change when the instructor token changes', () => {
    const other = course('u'.repeat(32));
    expect(studentSecret(new ServerKeys(other), 'alice')).not.toBe(studentSecret(keys, 'alice'));
  });
});

describe('instructor sessions', () => {
  const config = course();
  const keys = new ServerKeys(config);
  const now = 1_800_000_000_000;
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post('/issue', (req, res) => {
    issueSession(req, res, keys, now);
    res.end();
  });
  app.post('/check', (req, res) => {
    const at = Number(req.query.at ?? now);
    const session = readSession(req, keys, at);
    res.json({ session: session !== undefined, csrf: session !== undefined && verifyCsrf(req, keys, session), token: session !== undefined ? csrfToken(keys, session) : null });
  });

  async function cookie(): Promise<string> {
    const res = await request(app).post('/issue');
    return String(res.headers['set-cookie']).split(';')[0];
  }

  it('accept a fresh cookie and the CSRF token bound to it', async () => {
    const c = await cookie();
    const first = await request(app).post('/check').set('Cookie', c);
    expect(first.body).toMatchObject({ session: true, csrf: false });
    const withToken = await request(app).post('/check').set('Cookie', c).type('form').send({ _csrf: first.body.token as string });
    expect(withToken.body).toMatchObject({ session: true, csrf: true });
    const crossSite = await request(app).post('/check').set('Cookie', c).set('Origin', 'https://evil.example').type('form').send({ _csrf: first.body.token as string });
    expect(crossSite.body.csrf).toBe(false);
  });

  it('refuse a tampered, foreign or expired cookie, and a token from another session', async () => {
    const c = await cookie();
    const [name, value] = c.split('=');
    const parts = decodeURIComponent(value).split('.');
    const tampered = `${name}=${encodeURIComponent([String(Number(parts[0]) + 1), parts[1], parts[2]].join('.'))}`;
    expect((await request(app).post('/check').set('Cookie', tampered)).body.session).toBe(false);
    const foreign = new ServerKeys(course('v'.repeat(32)));
    expect(foreign.mac('session', 'x')).not.toBe(keys.mac('session', 'x'));
    const expired = await request(app).post(`/check?at=${now + SESSION_SECONDS * 1000 + 1}`).set('Cookie', c);
    expect(expired.body.session).toBe(false);
    const other = await cookie();
    const token = (await request(app).post('/check').set('Cookie', other)).body.token as string;
    expect((await request(app).post('/check').set('Cookie', c).type('form').send({ _csrf: token })).body.csrf).toBe(false);
  });
});

describe('sign-in redirects', () => {
  it('stay on this site', () => {
    expect(safeNext('/reports/3?x=1')).toBe('/reports/3?x=1');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '', undefined, 42]) {
      expect(safeNext(bad)).toBe('/dashboard');
    }
  });
});

describe('Accept-Language', () => {
  it('picks the best of English and Russian by q-value', () => {
    expect(fromAcceptLanguage('ru-RU,ru;q=0.9,en-US;q=0.8')).toBe('ru');
    expect(fromAcceptLanguage('de-DE,de;q=0.9,en;q=0.5,ru;q=0.4')).toBe('en');
    expect(fromAcceptLanguage('en;q=0.1, ru;q=0.2')).toBe('ru');
    expect(fromAcceptLanguage('fr, de')).toBeUndefined();
    expect(fromAcceptLanguage('ru;q=0, en')).toBe('en');
    expect(fromAcceptLanguage(undefined)).toBeUndefined();
  });
});
