/**
 * One cached bare repository per student (dataDir/repos/<student>.git). A job asks for one
 * exact commit: if the cache has it nothing is fetched, otherwise that commit alone is
 * fetched (depth 1, by its hash: force-pushes and deleted branches do not matter as long as
 * the host still has the object). Growth per fetch is capped (oversized repositories fail
 * with a clear error and leave nothing behind).
 *
 * Jobs never share a work tree: each gets its own export of one assignment folder, written
 * from git's objects: regular files only, so a symlink can never point out of the tree and
 * a submodule is never fetched; each file and the whole folder are capped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { gitClient, gitErrorText, runRemoteGit } from './git-client';
import { CommitNotFoundError, RemoteUnreachableError, RepoCacheError, RepoTooLargeError, formatBytes } from './repo-errors';
import { redactUrl } from './repo-url';

export interface RepoSource {
  studentId: string;
  /** What git fetches from (roster URL, path made absolute). */
  url: string;
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  name: string;
}

export interface ExportLimits {
  /** Total bytes written; files beyond it are skipped with a note. */
  maxBytes: number;
  maxFiles?: number;
}

export interface ExportReport {
  files: number;
  bytes: number;
  /** What was left out and why, for the student's report. */
  notes: string[];
}

export interface RepoCacheOptions {
  root: string;
  /** The most one fetch may add to a student's cache. */
  maxRepoBytes: number;
  /** A git command silent for this long is stopped. */
  timeoutMs: number;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function isEntryType(t: string | undefined): t is TreeEntry['type'] {
  return t === 'blob' || t === 'tree' || t === 'commit';
}

const NOT_FOUND = /not our ref|couldn't find remote ref|no such remote ref|unadvertised object|bad object|did not send all necessary objects|remote did not send/i;

/** What `git cat-file` says when the object is not in the repository. */
const MISSING_OBJECT = /could not get object info|not a valid object name|bad object|unable to read/i;

/** Runs one task at a time per key, in order. */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

export function dirSize(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirSize(p);
    else if (e.isFile()) {
      try {
        total += fs.statSync(p).size;
      } catch {
        // Removed while we looked (git renames temporary packs): not counted.
      }
    }
  }
  return total;
}

export class RepoCache {
  private readonly mutex = new KeyedMutex();

  constructor(readonly options: RepoCacheOptions) {
    fs.mkdirSync(options.root, { recursive: true });
  }

  cacheDir(studentId: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(studentId)) throw new Error(`bad student id for a cache folder: ${studentId}`);
    return path.join(this.options.root, `${studentId}.git`);
  }

  private git(dir: string): SimpleGit {
    return gitClient(dir, { timeoutMs: this.options.timeoutMs });
  }

  private async ensureInit(dir: string): Promise<void> {
    if (fs.existsSync(path.join(dir, 'HEAD')) && fs.existsSync(path.join(dir, 'objects'))) return;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    try {
      await this.git(dir).init(true);
    } catch (err) {
      throw new RepoCacheError(`git init in ${dir}: ${gitErrorText(err)}`);
    }
  }

  /**
   * Whether the cache holds `sha` as a commit. Only git's own "no such object" means no: any
   * other failure (git killed, out of processes) is a RepoCacheError to retry, never a verdict
   * that the student's commit is gone.
   */
  private async hasCommit(dir: string, sha: string): Promise<boolean> {
    let type: string;
    try {
      type = await this.git(dir).raw(['cat-file', '-t', sha]);
    } catch (err) {
      const text = gitErrorText(err);
      if (MISSING_OBJECT.test(text)) return false;
      throw new RepoCacheError(`cat-file -t ${sha.slice(0, 12)} in ${dir}: ${text}`);
    }
    if (type.trim() === 'commit') return true;
    if (type.trim() === '') throw new RepoCacheError(`cat-file -t ${sha.slice(0, 12)} in ${dir} printed nothing`);
    return false;
  }

  /**
   * Makes sure the cache holds `sha`, fetching it if needed. Returns whether it fetched.
   * Throws RemoteUnreachableError (retry later), CommitNotFoundError or RepoTooLargeError.
   */
  async ensureCommit(source: RepoSource, sha: string): Promise<{ fetched: boolean; ms: number }> {
    if (!SHA.test(sha)) throw new CommitNotFoundError(redactUrl(source.url), sha, 'not a full commit hash');
    const dir = this.cacheDir(source.studentId);
    return this.mutex.run(source.studentId, async () => {
      const started = Date.now();
      await this.ensureInit(dir);
      if (await this.hasCommit(dir, sha)) return { fetched: false, ms: Date.now() - started };
      // A cache that grew far beyond one commit's worth (many force-pushes) starts afresh.
      const objects = path.join(dir, 'objects');
      if (dirSize(objects) > 4 * this.options.maxRepoBytes) {
        fs.rmSync(dir, { recursive: true, force: true });
        await this.ensureInit(dir);
      }
      await this.fetchCapped(dir, source, sha);
      if (!(await this.hasCommit(dir, sha))) {
        throw new CommitNotFoundError(redactUrl(source.url), sha, 'the fetch succeeded but did not bring the commit');
      }
      return { fetched: true, ms: Date.now() - started };
    });
  }

  private async fetchCapped(dir: string, source: RepoSource, sha: string): Promise<void> {
    const objects = path.join(dir, 'objects');
    const before = dirSize(objects);
    const limit = this.options.maxRepoBytes;
    const abort = new AbortController();
    let seen = 0;
    const watch = setInterval(() => {
      seen = Math.max(seen, dirSize(objects) - before);
      if (seen > limit) abort.abort();
    }, 200);
    try {
      // Not simple-git: a stalled remote must stop git's helpers too (runRemoteGit).
      await runRemoteGit(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head', '--depth=1', '--', source.url, sha], {
        cwd: dir,
        timeoutMs: this.options.timeoutMs,
        abort: abort.signal,
      });
    } catch (err) {
      if (abort.signal.aborted) {
        this.evictNow(dir);
        throw new RepoTooLargeError(redactUrl(source.url), limit, seen);
      }
      const text = gitErrorText(err);
      if (NOT_FOUND.test(text)) throw new CommitNotFoundError(redactUrl(source.url), sha, text);
      throw new RemoteUnreachableError(redactUrl(source.url), text.replace(source.url, redactUrl(source.url)));
    } finally {
      clearInterval(watch);
    }
    const grown = dirSize(objects) - before;
    if (grown > limit) {
      this.evictNow(dir);
      throw new RepoTooLargeError(redactUrl(source.url), limit, grown);
    }
  }

  private evictNow(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /** Drops a student's cache (the next job fetches again). */
  async evict(studentId: string): Promise<void> {
    const dir = this.cacheDir(studentId);
    await this.mutex.run(studentId, async () => this.evictNow(dir));
  }

  /** The top level of a commit's tree (assignment folders are found here). */
  async listTopLevel(source: RepoSource, sha: string): Promise<TreeEntry[]> {
    const out = await this.lsTree(this.cacheDir(source.studentId), ['-z', sha]);
    return out.map(({ mode, type, sha: objectSha, path: name }) => ({ mode, type, sha: objectSha, name }));
  }

  private async lsTree(dir: string, args: string[]): Promise<Array<{ mode: string; type: TreeEntry['type']; sha: string; size: number | null; path: string }>> {
    let text: string;
    try {
      text = await this.git(dir).raw(['ls-tree', ...args]);
    } catch (err) {
      throw new RepoCacheError(`ls-tree: ${gitErrorText(err)}`);
    }
    const entries = [];
    for (const record of text.split('\0')) {
      if (record === '') continue;
      const tab = record.indexOf('\t');
      const [mode, type, objectSha, size] = record.slice(0, tab).trim().split(/\s+/);
      if (!isEntryType(type)) continue;
      entries.push({ mode, type, sha: objectSha, size: size === undefined || size === '-' ? null : Number(size), path: record.slice(tab + 1) });
    }
    return entries;
  }

  /**
   * Writes `folder` of commit `sha` into dest/folder: regular files only, within limits.
   * The cache must already hold the commit (ensureCommit).
   */
  async exportFolder(source: RepoSource, sha: string, folder: string, dest: string, limits: ExportLimits): Promise<ExportReport> {
    const dir = this.cacheDir(source.studentId);
    const maxFiles = limits.maxFiles ?? 500;
    const entries = await this.lsTree(dir, ['-r', '-l', '-z', sha, '--', `${folder}/`]);
    const report: ExportReport = { files: 0, bytes: 0, notes: [] };
    const root = path.resolve(dest);
    fs.mkdirSync(path.join(root, folder), { recursive: true });
    const git = this.git(dir);
    for (const entry of entries) {
      const rel = entry.path;
      const target = path.resolve(root, rel);
      if (!rel.startsWith(`${folder}/`) || rel.split('/').some((s) => s === '..' || s === '.' || s === '') || !target.startsWith(`${root}${path.sep}`)) {
        report.notes.push(`skipped ${JSON.stringify(rel)}: not a plain path inside ${folder}/`);
        continue;
      }
      if (entry.type === 'commit') {
        report.notes.push(`skipped ${rel}: a git submodule (submodules are never fetched)`);
        continue;
      }
      if (entry.mode === '120000') {
        report.notes.push(`skipped ${rel}: a symbolic link (links are never followed; commit the file itself)`);
        continue;
      }
      if (entry.type !== 'blob' || (entry.mode !== '100644' && entry.mode !== '100755')) {
        report.notes.push(`skipped ${rel}: not a regular file (mode ${entry.mode})`);
        continue;
      }
      const size = entry.size ?? 0;
      if (report.files >= maxFiles) {
        report.notes.push(`skipped ${rel}: more than ${maxFiles} files in ${folder}/`);
        continue;
      }
      if (report.bytes + size > limits.maxBytes) {
        report.notes.push(`skipped ${rel}: ${formatBytes(size)} would take ${folder}/ over ${formatBytes(limits.maxBytes)}`);
        continue;
      }
      let content: Buffer;
      try {
        const raw: unknown = await git.binaryCatFile(['blob', entry.sha]);
        content = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
      } catch (err) {
        throw new RepoCacheError(`reading ${rel}: ${gitErrorText(err)}`);
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content, { mode: 0o644, flag: 'wx' });
      report.files += 1;
      report.bytes += content.length;
    }
    return report;
  }
}
