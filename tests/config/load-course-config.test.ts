import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CourseConfigError, loadCourseConfig, resolveCourseConfig, secretEnvNames } from '../../grader/config/load-course-config';
import { gradingEnv } from '../../grader/queue/grade-child';
import { FIXTURES_ROOT, SECRET_ENV, tempDir } from '../repo/git-helpers';

const YAML = `
course: nn2-spring
title: Neural networks, part 2
latePolicy: { percentPerDay: 10, hardCutoffDays: 7 }
assignments:
  - id: demo-add
    due: "2025-03-01T23:59:00+03:00"
    latePolicy: { percentPerDay: 25 }
roster:
  - id: alice
    name: Alice Liddell
    repo: https://github.com/nn2/alice.git
  - id: bob
    name: Bob
    repo: git@gitlab.example.org:nn2/Bob.git
    branch: solutions
  - id: carol
    name: Carol
    repo: ./remotes/carol.git
secrets:
  webhookSecretEnv: TEST_GRADER_WEBHOOK_SECRET
  instructorTokenEnv: TEST_GRADER_INSTRUCTOR_TOKEN
dataDir: ./data
catalogueRoot: ${FIXTURES_ROOT}
`;

describe('loadCourseConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('course-config');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (text: string, name = 'course.yaml') => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads YAML, resolves paths against the file, reads secrets from the environment and freezes', () => {
    const config = loadCourseConfig(write(YAML), { env: SECRET_ENV });
    expect(config.course).toBe('nn2-spring');
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.databaseFile).toBe(path.join(dir, 'data', 'grader.sqlite'));
    expect(config.concurrency).toBe(os.availableParallelism());
    expect(config.assignments[0]).toMatchObject({ id: 'demo-add', enabled: true, dueMs: Date.parse('2025-03-01T20:59:00Z'), latePolicy: { percentPerDay: 25, hardCutoffDays: 7 } });
    expect(config.roster.map((s) => [s.id, s.branch, s.repoKey])).toEqual([
      ['alice', 'main', 'github.com/nn2/alice'],
      ['bob', 'solutions', 'gitlab.example.org/nn2/bob'],
      ['carol', 'main', `file:${path.join(dir, 'remotes', 'carol')}`],
    ]);
    expect(config.roster[2].repo).toBe(path.join(dir, 'remotes', 'carol.git'));
    expect(config.secrets.webhookSecret.reveal()).toBe(SECRET_ENV.TEST_GRADER_WEBHOOK_SECRET);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.roster[0])).toBe(true);
    expect(() => {
      (config.roster as unknown as unknown[]).push({});
    }).toThrow();
  });

  it('never prints a secret', () => {
    const config = loadCourseConfig(write(YAML), { env: SECRET_ENV });
    const text = `${JSON.stringify(config)} ${String(config.secrets.webhookSecret)} ${require('node:util').inspect(config, { depth: 5 })}`;
    expect(text).not.toContain(SECRET_ENV.TEST_GRADER_WEBHOOK_SECRET);
    expect(text).not.toContain(SECRET_ENV.TEST_GRADER_INSTRUCTOR_TOKEN);
  });

  it('reads JSON too, and the command line can set the concurrency', () => {
    const file = write(
      JSON.stringify({
        course: 'c',
        assignments: [{ id: 'demo-add', due: '2025-03-01T00:00:00Z' }],
        roster: [{ id: 's', name: 'S', repo: '/tmp/s.git' }],
        secrets: { webhookSecretEnv: 'TEST_GRADER_WEBHOOK_SECRET', instructorTokenEnv: 'TEST_GRADER_INSTRUCTOR_TOKEN' },
        dataDir: 'data',
        concurrency: 3,
        catalogueRoot: FIXTURES_ROOT,
      }),
      'course.json',
    );
    expect(loadCourseConfig(file, { env: SECRET_ENV }).concurrency).toBe(3);
    expect(loadCourseConfig(file, { env: SECRET_ENV, concurrency: 5 }).concurrency).toBe(5);
    expect(loadCourseConfig(file, { env: SECRET_ENV }).assignments[0].latePolicy).toEqual({ percentPerDay: 0 });
  });

  it('reports every problem at once', () => {
    const bad = `
course: "has spaces"
latePolicy: { percentPerDay: 150 }
assignments:
  - id: demo-add
    due: tomorrow
  - id: demo-add
    due: "2025-03-01T00:00:00Z"
  - id: no-such-assignment
    due: "2025-03-01T00:00:00Z"
roster:
  - id: alice
    name: Alice
    repo: https://github.com/nn2/alice.git
  - id: alice
    name: Alice again
    repo: https://GitHub.com/nn2/Alice
  - id: eve
    name: Eve
    repo: "ftp://example.org/eve"
    extra: 1
secrets:
  webhookSecret: "in-the-file-is-wrong"
  webhookSecretEnv: NOT_SET_ANYWHERE
  instructorTokenEnv: SHORT_TOKEN
dataDir: ./data
datasetDir: ./no-such-folder
catalogueRoot: ${FIXTURES_ROOT}
`;
    let error: unknown;
    try {
      loadCourseConfig(write(bad), { env: { SHORT_TOKEN: 'abc' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CourseConfigError);
    const problems = (error as CourseConfigError).problems.join('\n');
    for (const expected of [
      'course: a course id',
      'latePolicy.percentPerDay',
      'assignments[0].due',
      "assignments[1].id: 'demo-add' is also assignments[0]",
      "roster[1].id: 'alice' is also roster[0]",
      'roster[1].repo: the same repository as roster[0]',
      'roster[2]: unknown key(s): extra',
      "roster[2].repo: not a repository URL: 'ftp://example.org/eve' (unsupported protocol 'ftp')",
      "assignments[2].id: no assignment 'no-such-assignment' in the catalogue",
      'secrets.webhookSecret: secrets never go in the course file',
      'secrets.webhookSecretEnv: the environment variable NOT_SET_ANYWHERE is not set',
      'secrets.instructorTokenEnv: the value of SHORT_TOKEN is shorter than 16 characters',
      'datasetDir: no such folder',
    ]) {
      expect(problems).toContain(expected);
    }
    expect((error as CourseConfigError).message).toMatch(/course\.yaml: \d+ problems:/);
  });

  it('reports an unsupported repository URL and an assignment missing from the catalogue', () => {
    const text = YAML.replace('https://github.com/nn2/alice.git', 'ftp://example.org/alice').replace('id: demo-add', 'id: momentum-sgd-x');
    expect(() => loadCourseConfig(write(text), { env: SECRET_ENV })).toThrow(/roster\[0\]\.repo: not a repository URL[^]*assignments\[0\]\.id: no assignment 'momentum-sgd-x' in the catalogue; known: demo-add/);
  });

  it('reports YAML syntax errors with their place', () => {
    expect(() => loadCourseConfig(write('course: [unclosed\n'), { env: SECRET_ENV })).toThrow(/syntax:/);
    expect(() => loadCourseConfig(path.join(dir, 'missing.yaml'), { env: SECRET_ENV })).toThrow(/cannot read the file/);
  });

  describe('commit statuses', () => {
    const TOKEN_ENV = { ...SECRET_ENV, TEST_STATUS_TOKEN: 'ghp_test-token' };
    const hosted = () => ({
      ...baseRaw(),
      roster: [
        { id: 'alice', name: 'Alice', repo: 'https://github.com/NN2/Alice.git' },
        { id: 'bob', name: 'Bob', repo: 'git@gitlab.example.org:course/2025/bob.git' },
      ],
      publicUrl: 'https://grader.example.org/',
    });

    it('resolves the provider, its default address, the token from the environment and each repository on the host', () => {
      const config = resolveCourseConfig({ ...hosted(), commitStatus: { provider: 'github', tokenEnv: 'TEST_STATUS_TOKEN' } }, path.join(dir, 'c.yaml'), { env: TOKEN_ENV });
      expect(config.commitStatus).toMatchObject({ provider: 'github', apiUrl: 'https://api.github.com', context: 'nn2-grader' });
      expect(config.commitStatus?.token.reveal()).toBe('ghp_test-token');
      expect(config.publicUrl).toBe('https://grader.example.org');
      expect(config.roster.map((s) => s.hostRepoPath)).toEqual(['NN2/Alice', 'course/2025/bob']);
      expect(JSON.stringify(config)).not.toContain('ghp_test-token');
      // Grading processes (which run student code) never get the token.
      expect(secretEnvNames(config)).toContain('TEST_STATUS_TOKEN');
      process.env.TEST_STATUS_TOKEN = 'ghp_test-token';
      try {
        expect(gradingEnv({ secretVariables: secretEnvNames(config) }).TEST_STATUS_TOKEN).toBeUndefined();
      } finally {
        delete process.env.TEST_STATUS_TOKEN;
      }
      const gitea = resolveCourseConfig(
        { ...hosted(), commitStatus: { provider: 'gitea', apiUrl: 'https://git.example.org/', tokenEnv: 'TEST_STATUS_TOKEN', context: 'grader' } },
        path.join(dir, 'c.yaml'),
        { env: TOKEN_ENV },
      );
      expect(gitea.commitStatus).toMatchObject({ provider: 'gitea', apiUrl: 'https://git.example.org', context: 'grader' });
    });

    it('refuses to start without the token, with every other problem reported together', () => {
      let error: unknown;
      try {
        resolveCourseConfig(
          {
            ...baseRaw(),
            commitStatus: { provider: 'forgejo', tokenEnv: 'TEST_STATUS_TOKEN', token: 'in-the-file' },
          },
          path.join(dir, 'c.yaml'),
          { env: SECRET_ENV },
        );
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CourseConfigError);
      const problems = (error as CourseConfigError).problems;
      expect(problems).toEqual(
        expect.arrayContaining([
          'commitStatus.tokenEnv: the environment variable TEST_STATUS_TOKEN is not set (secrets are read from the environment, never from the file); the server posts commit statuses with it',
          'commitStatus.token: tokens never go in the course file; put the token in an environment variable and name it with commitStatus.tokenEnv',
          "commitStatus.apiUrl: forgejo has no default address; give the instance's root, e.g. https://forgejo.example.org",
          "publicUrl: commit statuses link to the student's report; give the server's address as students reach it, e.g. https://grader.example.org",
          "roster[0].repo: commit statuses need the repository's owner/name on the git host, and '/tmp/s.git' shows none (a path on this machine?)",
        ]),
      );
      expect(problems.join('\n')).not.toContain('unknown key');
    });

    it('needs a variable of its own for the token, and a known provider', () => {
      expect(() =>
        resolveCourseConfig({ ...hosted(), commitStatus: { provider: 'github', tokenEnv: 'TEST_GRADER_INSTRUCTOR_TOKEN' } }, path.join(dir, 'c.yaml'), { env: SECRET_ENV }),
      ).toThrow(/each secret must come from a variable of its own/);
      expect(() => resolveCourseConfig({ ...hosted(), commitStatus: { provider: 'bitbucket', tokenEnv: 'TEST_STATUS_TOKEN' } }, path.join(dir, 'c.yaml'), { env: TOKEN_ENV })).toThrow(
        /commitStatus\.provider/,
      );
    });
  });

  it('needs a zone on due dates', () => {
    expect(() => resolveCourseConfig({ ...baseRaw(), assignments: [{ id: 'demo-add', due: '2025-03-01T23:59:00' }] }, path.join(dir, 'c.yaml'), { env: SECRET_ENV })).toThrow(
      /assignments\[0\]\.due: expected a date and time with a zone/,
    );
  });
});

function baseRaw() {
  return {
    course: 'c',
    assignments: [{ id: 'demo-add', due: '2025-03-01T00:00:00Z' }],
    roster: [{ id: 's', name: 'S', repo: '/tmp/s.git' }],
    secrets: { webhookSecretEnv: 'TEST_GRADER_WEBHOOK_SECRET', instructorTokenEnv: 'TEST_GRADER_INSTRUCTOR_TOKEN' },
    dataDir: 'data',
    catalogueRoot: FIXTURES_ROOT,
  };
}

describe('the example course file', () => {
  it('is valid', () => {
    const file = require('node:path').join(__dirname, '..', '..', 'grader', 'config', 'course.example.yaml');
    const config = loadCourseConfig(file, { env: { NN2_WEBHOOK_SECRET: 'x'.repeat(32), NN2_INSTRUCTOR_TOKEN: 'y'.repeat(32) } });
    expect(config.assignments.map((a) => [a.id, a.enabled])).toEqual([
      ['autograd-graph', true],
      ['momentum-sgd', true],
      ['mnist-cnn', false],
    ]);
    expect(config.roster).toHaveLength(3);
  });
});
