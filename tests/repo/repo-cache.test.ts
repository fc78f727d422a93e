/**
 * The repository cache against real bare repositories and real pushes: exact commits,
 * force-pushes, deleted branches, size caps, unreachable remotes, symlinks and submodules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RepoCache } from '../../grader/repo/repo-cache';
import { CommitNotFoundError, RemoteUnreachableError, RepoTooLargeError } from '../../grader/repo/repo-errors';
import { remoteHead } from '../../grader/repo/ls-remote';
import { StudentRepo, git, tempDir } from './git-helpers';

describe('RepoCache', () => {
  let root: string;
  let cache: RepoCache;
  beforeEach(() => {
    root = tempDir('repo-cache');
    cache = new RepoCache({ root: path.join(root, 'cache'), maxRepoBytes: 5 * 1024 * 1024, timeoutMs: 30_000 });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const exportTo = async (repo: StudentRepo, sha: string, folder: string) => {
    const dest = fs.mkdtempSync(path.join(root, 'export-'));
    const report = await cache.exportFolder({ studentId: repo.id, url: repo.url }, sha, folder, dest, { maxBytes: 64 * 1024 });
    return { dest, report };
  };

  it('fetches the exact pushed commit, once, and exports one folder of it', async () => {
    const repo = new StudentRepo(root, 'alice');
    const first = repo.commit({ 'demo-add/solution.ts': 'export const v = 1;\n', 'other/x.ts': 'x' });
    repo.push();
    const second = repo.commit({ 'demo-add/solution.ts': 'export const v = 2;\n', 'demo-add/lib/util.ts': 'export const u = 1;\n' });
    repo.push();
    const source = { studentId: 'alice', url: repo.url };

    expect((await cache.ensureCommit(source, first)).fetched).toBe(true);
    expect((await cache.ensureCommit(source, first)).fetched).toBe(false);
    await cache.ensureCommit(source, second);

    const a = await exportTo(repo, first, 'demo-add');
    const b = await exportTo(repo, second, 'demo-add');
    expect(fs.readFileSync(path.join(a.dest, 'demo-add', 'solution.ts'), 'utf8')).toBe('export const v = 1;\n');
    expect(fs.readFileSync(path.join(b.dest, 'demo-add', 'solution.ts'), 'utf8')).toBe('export const v = 2;\n');
    expect(fs.readFileSync(path.join(b.dest, 'demo-add', 'lib', 'util.ts'), 'utf8')).toBe('export const u = 1;\n');
    expect(fs.existsSync(path.join(b.dest, 'other'))).toBe(false);
    expect(b.report).toEqual({ files: 2, bytes: 40, notes: [] });

    const top = await cache.listTopLevel(source, second);
    expect(top.map((e) => [e.name, e.type])).toEqual([
      ['demo-add', 'tree'],
      ['other', 'tree'],
    ]);
  });

  it('gets both commits of a force-push, and an old commit after its branch was deleted', async () => {
    const repo = new StudentRepo(root, 'bob');
    const before = repo.commit({ 'demo-add/solution.ts': 'before\n' });
    repo.push();
    const after = repo.amendAndForcePush({ 'demo-add/solution.ts': 'after\n' });
    expect(after).not.toBe(before);
    const source = { studentId: 'bob', url: repo.url };
    await cache.ensureCommit(source, after);
    await cache.ensureCommit(source, before); // still on the host, unreachable from any branch
    expect(fs.readFileSync(path.join((await exportTo(repo, before, 'demo-add')).dest, 'demo-add', 'solution.ts'), 'utf8')).toBe('before\n');

    repo.deleteRemoteBranch();
    expect(await remoteHead(repo.url, 'main', 10_000)).toBeNull();
    await cache.evict('bob');
    await expect(cache.ensureCommit(source, after)).resolves.toMatchObject({ fetched: true });
  });

  it('says clearly when a commit is gone from the host', async () => {
    const repo = new StudentRepo(root, 'carol');
    const gone = repo.commit({ 'demo-add/solution.ts': 'v1\n' });
    repo.push();
    repo.amendAndForcePush({ 'demo-add/solution.ts': 'v2\n' });
    repo.gcRemote();
    const err = await cache.ensureCommit({ studentId: 'carol', url: repo.url }, gone).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommitNotFoundError);
    expect((err as CommitNotFoundError).retryable).toBe(false);
    expect((err as Error).message).toContain(`commit ${gone.slice(0, 12)} is not in ${repo.url}`);
  });

  it('refuses an oversized repository and keeps nothing of it', async () => {
    const small = new RepoCache({ root: path.join(root, 'small-cache'), maxRepoBytes: 256 * 1024, timeoutMs: 30_000 });
    const repo = new StudentRepo(root, 'dave');
    fs.mkdirSync(path.join(repo.work, 'data'), { recursive: true });
    fs.writeFileSync(path.join(repo.work, 'data', 'weights.bin'), require('node:crypto').randomBytes(1024 * 1024));
    const sha = repo.commit({ 'demo-add/solution.ts': 'x\n' });
    repo.push();
    const err = await small.ensureCommit({ studentId: 'dave', url: repo.url }, sha).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepoTooLargeError);
    expect((err as Error).message).toMatch(/too large to grade: fetching one commit brought more than 256\.0 KiB/);
    expect(fs.existsSync(small.cacheDir('dave'))).toBe(false);
  });

  it('reports an unreachable remote as retryable, with the URL and without credentials', async () => {
    const sha = 'a'.repeat(40);
    const missing = await cache.ensureCommit({ studentId: 'erin', url: path.join(root, 'nowhere.git') }, sha).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RemoteUnreachableError);
    expect((missing as RemoteUnreachableError).retryable).toBe(true);
    expect((missing as Error).message).toContain('nowhere.git');

    const refused = await cache.ensureCommit({ studentId: 'erin', url: 'https://user:hunter2secret@127.0.0.1:9/x.git' }, sha).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RemoteUnreachableError);
    expect((refused as Error).message).not.toContain('hunter2secret');
    await expect(remoteHead(path.join(root, 'nowhere.git'), 'main', 10_000)).rejects.toBeInstanceOf(RemoteUnreachableError);
  });

  it('never follows symlinks or submodules out of the work tree', async () => {
    const sub = new StudentRepo(root, 'library');
    sub.commit({ 'secret.ts': 'export const leaked = true;\n' });
    sub.push();
    const repo = new StudentRepo(root, 'frank');
    repo.commit({ 'demo-add/solution.ts': 'export {};\n' });
    repo.symlink('demo-add/passwd.ts', '/etc/passwd');
    repo.symlink('demo-add/up.ts', '../../../../outside.ts');
    git(repo.work, '-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', sub.bare, 'demo-add/vendor');
    const sha = repo.commit({}, 'with links');
    repo.push();

    const source = { studentId: 'frank', url: repo.url };
    await cache.ensureCommit(source, sha);
    const { dest, report } = await exportTo(repo, sha, 'demo-add');
    const files = fs.readdirSync(path.join(dest, 'demo-add'), { recursive: true }).map(String).sort();
    expect(files).toEqual(['solution.ts']);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'skipped demo-add/passwd.ts: a symbolic link (links are never followed; commit the file itself)',
        'skipped demo-add/up.ts: a symbolic link (links are never followed; commit the file itself)',
        'skipped demo-add/vendor: a git submodule (submodules are never fetched)',
      ]),
    );
    for (const f of fs.readdirSync(dest, { recursive: true }).map(String)) {
      expect(fs.lstatSync(path.join(dest, f)).isSymbolicLink()).toBe(false);
    }
  });

  it('leaves out files beyond the folder cap, with a note', async () => {
    const repo = new StudentRepo(root, 'gina');
    const sha = repo.commit({ 'demo-add/solution.ts': 'export {};\n', 'demo-add/big.ts': 'x'.repeat(100 * 1024) });
    repo.push();
    await cache.ensureCommit({ studentId: 'gina', url: repo.url }, sha);
    const { dest, report } = await exportTo(repo, sha, 'demo-add');
    expect(fs.existsSync(path.join(dest, 'demo-add', 'solution.ts'))).toBe(true);
    expect(fs.existsSync(path.join(dest, 'demo-add', 'big.ts'))).toBe(false);
    expect(report.notes).toEqual(['skipped demo-add/big.ts: 100.0 KiB would take demo-add/ over 64.0 KiB']);
  });

  it('serves concurrent jobs of one student from one cache, each in its own tree', async () => {
    const repo = new StudentRepo(root, 'hank');
    const shas: string[] = [];
    for (let i = 0; i < 5; i++) {
      shas.push(repo.commit({ 'demo-add/solution.ts': `export const v = ${i};\n` }));
      repo.push();
    }
    const source = { studentId: 'hank', url: repo.url };
    const exports = await Promise.all(
      shas.map(async (sha) => {
        await cache.ensureCommit(source, sha);
        return (await exportTo(repo, sha, 'demo-add')).dest;
      }),
    );
    exports.forEach((dest, i) => expect(fs.readFileSync(path.join(dest, 'demo-add', 'solution.ts'), 'utf8')).toBe(`export const v = ${i};\n`));
  });
});
