/**
 * The course's trustProxy option over real HTTP: behind a TLS-terminating proxy the session
 * cookie must carry Secure (X-Forwarded-Proto: https), and without the option that header is
 * not believed.
 */
import request from 'supertest';
import { INSTRUCTOR_TOKEN } from '../repo/git-helpers';
import { courseApp, type CourseApp } from './course-app';

async function signInCookie(c: CourseApp, headers: Record<string, string>): Promise<string> {
  const res = await request(c.app).post('/signin').set(headers).type('form').send({ token: INSTRUCTOR_TOKEN, next: '/dashboard' });
  expect(res.status).toBe(303);
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((h) => h.startsWith('nn2_session='));
  if (cookie === undefined) throw new Error('no session cookie');
  return cookie;
}

describe('trustProxy', () => {
  it('true: a session cookie set over a proxied https request is Secure, a plain one is not', async () => {
    const c = courseApp('trust-proxy', { extra: { trustProxy: true } });
    try {
      expect(c.app.get('trust proxy')).toBe(true);
      expect(await signInCookie(c, { 'X-Forwarded-Proto': 'https' })).toMatch(/; Secure(;|$)/);
      expect(await signInCookie(c, { 'X-Forwarded-Proto': 'http' })).not.toMatch(/Secure/);
      // The link export builds absolute links from the proxy's scheme and host.
      const links = await request(c.app).get('/export/links.csv').set({ Authorization: `Bearer ${INSTRUCTOR_TOKEN}`, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'grader.example.org' });
      expect(links.text).toMatch(/,https:\/\/grader\.example\.org\/s\/alice\./);
    } finally {
      c.close();
    }
  });

  it('true: sign-in throttling counts failures per forwarded client, not per proxy', async () => {
    const c = courseApp('trust-proxy-limit', { extra: { trustProxy: true } });
    try {
      for (let i = 0; i < 10; i++) {
        expect((await request(c.app).post('/signin').set('X-Forwarded-For', '203.0.113.7').type('form').send({ token: 'wrong' })).status).toBe(401);
      }
      expect((await request(c.app).post('/signin').set('X-Forwarded-For', '203.0.113.7').type('form').send({ token: INSTRUCTOR_TOKEN })).status).toBe(429);
      expect(await signInCookie(c, { 'X-Forwarded-For': '198.51.100.2' })).toMatch(/^nn2_session=/);
    } finally {
      c.close();
    }
  });

  it('default (false): X-Forwarded-Proto is ignored', async () => {
    const c = courseApp('no-trust-proxy');
    try {
      expect(c.config.trustProxy).toBe(false);
      expect(await signInCookie(c, { 'X-Forwarded-Proto': 'https' })).not.toMatch(/Secure/);
    } finally {
      c.close();
    }
  });

  it('accepts a hop count or addresses, and refuses anything else at load', () => {
    const hops = courseApp('trust-proxy-hops', { extra: { trustProxy: 'loopback' } });
    try {
      expect(hops.app.get('trust proxy')).toBe('loopback');
    } finally {
      hops.close();
    }
    expect(() => courseApp('trust-proxy-bad', { extra: { trustProxy: { yes: 1 } } })).toThrow(/trustProxy/);
  });
});
