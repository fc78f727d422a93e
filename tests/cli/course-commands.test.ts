/**
 * The course-running commands as a user runs them (the compiled CLI in a child process):
 * `grader links`, `grader roster import`, `grader token`, `grader backup`, and what `grader serve --help` says.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCourseConfig } from '../../grader/config/load-course-config';
import { PACKAGE_ROOT } from '../../grader/paths';
import { openDatabase } from '../../grader/store/database';
import { StaffTokens } from '../../grader/store/staff-tokens';
import { parseCsv } from '../../grader/util/csv';
import { SECRET_ENV, tempDir, writeCourseFile } from '../repo/git-helpers';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');

function grader(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', ...SECRET_ENV, ...env } });
}

describe('course commands', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir('course-commands');
    file = writeCourseFile(dir, { students: [{ id: 'alice', repo: 'https://github.com/nn2/alice.git' }] });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('grader links prints every student with an absolute link, or writes a private file', () => {
    const run = grader(['links', '--config', file, '--base-url', 'https://grader.example.org']);
    expect(run.status).toBe(0);
    const rows = parseCsv(run.stdout).map((r) => r.fields);
    expect(rows[0]).toEqual(['student_id', 'name', 'repository', 'branch', 'link']);
    expect(rows[1]).toEqual(['alice', 'Student alice', 'https://github.com/nn2/alice.git', 'main', expect.stringMatching(/^https:\/\/grader\.example\.org\/s\/alice\.[A-Za-z0-9_-]{32}$/)]);

    const out = path.join(dir, 'links.csv');
    const toFile = grader(['links', '--config', file, '--out', out]);
    expect(toFile.status).toBe(0);
    expect(toFile.stderr).toMatch(/1 links written to .*links\.csv/);
    expect(toFile.stderr).toMatch(/links are paths/);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(parseCsv(fs.readFileSync(out, 'utf8'))[1].fields[4]).toBe(new URL(rows[1][4]).pathname);
  });

  it('grader links needs the instructor token (links derive from it)', () => {
    const run = grader(['links', '--config', file], { TEST_GRADER_INSTRUCTOR_TOKEN: '' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/TEST_GRADER_INSTRUCTOR_TOKEN is not set/);
  });

  it('grader roster import adds students, and refuses a bad row by its line leaving the file as it was', () => {
    const good = path.join(dir, 'classroom.csv');
    fs.writeFileSync(good, 'identifier,github_username,github_id,name\nbob@uni.example,bob,2,Bob B\ncarol@uni.example,,,\n');
    const run = grader(['roster', 'import', good, '--config', file, '--repo-template', 'https://github.com/nn2/{github_username}.git']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('added bob: Bob B <https://github.com/nn2/bob.git>');
    expect(run.stdout).toContain('skipped line 3: carol@uni.example has no github_username yet');
    expect(run.stdout).toMatch(/GitHub Classroom roster: 1 added, 0 already in the roster, 1 skipped/);

    const before = fs.readFileSync(file, 'utf8');
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'Dan,dan,https://github.com/nn2/dan.git\nEve,eve\n');
    const refused = grader(['roster', 'import', bad, '--config', file]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("line 2: expected 3 columns (name, id, repository), found 2: 'Eve,eve'");
    expect(refused.stderr).toContain('nothing imported');
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('grader token add, list and revoke manage personal tokens in the course store', () => {
    const added = grader(['token', 'add', 'Anna Ivanova', '--config', file, '--role', 'ta']);
    expect(added.status).toBe(0);
    const token = added.stdout.trim();
    expect(token).toMatch(/^nn2s_[A-Za-z0-9_-]{43}$/);
    expect(added.stderr).toMatch(/token 1 for Anna Ivanova \(ta\) in course test-course/);
    const config = loadCourseConfig(file, { env: { ...process.env, ...SECRET_ENV }, checkCatalogue: false });
    const db = openDatabase(config.databaseFile);
    try {
      expect(new StaffTokens(db).verify(token, Date.now())?.name).toBe('Anna Ivanova');
    } finally {
      db.close();
    }
    expect(grader(['token', 'add', 'Anna Ivanova', '--config', file]).stderr).toMatch(/already has a token/);
    expect(grader(['token', 'add', 'Ben', '--config', file, '--role', 'dean']).stderr).toMatch(/--role expects instructor or ta/);
    const listed = grader(['token', 'list', '--config', file]);
    expect(listed.stdout).toMatch(/^1\tAnna Ivanova\tta\t\d{4}-\d\d-\d\dT[\d:]+Z\t[^\t]+\t-$/m);
    expect(listed.stderr).toMatch(/shared token \(TEST_GRADER_INSTRUCTOR_TOKEN\): signs in/);
    const revoked = grader(['token', 'revoke', 'Anna Ivanova', '--config', file]);
    expect(revoked.stdout).toBe('revoked token 1 of Anna Ivanova (ta)\n');
    expect(grader(['token', 'list', '--config', file]).stdout).toMatch(/^1\tAnna Ivanova\tta\t\S+\t\S+\t\d{4}-/m);
    expect(grader(['token', 'revoke', 'Anna Ivanova', '--config', file]).status).toBe(2);
  });

  it('grader backup --config backs up the course store, and says what it needs', () => {
    const config = loadCourseConfig(file, { env: { ...process.env, ...SECRET_ENV }, checkCatalogue: false });
    const db = openDatabase(config.databaseFile);
    new StaffTokens(db).issue('Anna', 'instructor', 1);
    db.close();
    const target = path.join(dir, 'backup.sqlite');
    const run = grader(['backup', '--config', file, '--to', target]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^backed up .*grader\.sqlite to .*backup\.sqlite: .* integrity checked/);
    const copy = openDatabase(target);
    try {
      expect(new StaffTokens(copy).list().map((r) => r.name)).toEqual(['Anna']);
    } finally {
      copy.close();
    }
    expect(grader(['backup', '--config', file, '--to', target]).stderr).toMatch(/exists; choose another name or allow overwriting \(--force\)/);
    expect(grader(['backup', '--to', target]).stderr).toMatch(/give either --config \(the course file\) or --db/);
  });

  it('grader serve --help names the environment variables it needs', () => {
    const run = grader(['serve', '--help']);
    expect(run.status).toBe(0);
    for (const name of ['secrets.webhookSecretEnv', 'secrets.instructorTokenEnv', 'NN2_WEBHOOK_SECRET', 'NN2_INSTRUCTOR_TOKEN', 'GRADER_BACKEND', 'GRADER_SANDBOX', 'GIT_SSH_COMMAND']) {
      expect(run.stdout).toContain(name);
    }
  });
});
