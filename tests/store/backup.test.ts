/**
 * Backing up a live store: a separate process keeps recording pushes into a real SQLite file
 * through the compiled GradeStore while `grader backup` (the compiled CLI) copies it. The copy
 * opens, passes the integrity check and holds every row the writer had reported stored
 * before the backup began, each intact.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import BetterSqlite3 from 'better-sqlite3';
import { DIST_ROOT, PACKAGE_ROOT } from '../../grader/paths';
import { backupDatabase, BackupError } from '../../grader/store/backup';
import { openDatabase } from '../../grader/store/database';
import { MIGRATIONS } from '../../grader/store/migrations';
import { tempDir } from '../repo/git-helpers';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');
const sha = (i: number) => i.toString(16).padStart(40, '0');

/** Records push i for student s<i % 7> with commit sha(i) until stdin closes; prints each 50th count. */
const WRITER = `
const { openDatabase } = require(${JSON.stringify(path.join(DIST_ROOT, 'grader', 'store', 'database'))});
const { GradeStore } = require(${JSON.stringify(path.join(DIST_ROOT, 'grader', 'store', 'grade-store'))});
const store = new GradeStore(openDatabase(process.argv[2]));
let i = 0, stop = false;
process.stdin.on('end', () => { stop = true; }).resume();
(function write() {
  if (stop) { store.db.close(); process.stdout.write('done ' + i + '\\n'); return; }
  for (let k = 0; k < 10; k++) {
    i++;
    store.recordSubmission({ studentId: 's' + (i % 7), commit: i.toString(16).padStart(40, '0'), branch: 'main', source: 'poll', receivedAt: 1000 + i });
  }
  if (i % 50 === 0) process.stdout.write('stored ' + i + '\\n');
  setImmediate(write);
})();
`;

function lines(child: ChildProcess): AsyncIterableIterator<string> {
  if (child.stdout === null) throw new Error('no stdout');
  return readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
}

async function nextMatching(it: AsyncIterableIterator<string>, re: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const { value, done } = await it.next();
    if (done === true) throw new Error(`the writer ended before printing ${re}`);
    const m = re.exec(value);
    if (m !== null) return m;
  }
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('store backup', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('backup');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('copies a store that another process keeps writing, and the copy holds every row stored before', async () => {
    const file = path.join(dir, 'data', 'grader.sqlite');
    openDatabase(file).close();
    const script = path.join(dir, 'writer.js');
    fs.writeFileSync(script, WRITER);
    const writer = spawn(process.execPath, [script, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out = lines(writer);
    try {
      // Enough rows for a file of many pages (more than one backup step at SQLite's usual rate).
      let before = 0;
      while (before < 5000) before = Number((await nextMatching(out, /^stored (\d+)$/))[1]);
      const target = path.join(dir, 'backup.sqlite');
      const backup = await run(['backup', '--db', file, '--to', target]);
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(new RegExp(`backed up .* to ${target.replace(/[.]/g, '\\.')}: \\d+ KiB, schema version ${MIGRATIONS.length}, \\d+ pushes, 0 jobs, 0 results; integrity checked`));
      // The writer went on writing while and after the copy was made.
      const after = Number((await nextMatching(out, /^stored (\d+)$/))[1]);
      expect(after).toBeGreaterThan(before);
      writer.stdin?.end();
      const total = Number((await nextMatching(out, /^done (\d+)$/))[1]);

      const copy = new BetterSqlite3(target, { readonly: true, fileMustExist: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        const rows = copy.prepare('SELECT id, student_id, commit_sha, received_at, state FROM submissions ORDER BY id').all() as Array<{ id: number; student_id: string; commit_sha: string; received_at: number; state: string }>;
        expect(rows.length).toBeGreaterThanOrEqual(before);
        expect(rows.length).toBeLessThanOrEqual(total);
        // A consistent snapshot: the first n pushes, each exactly as recorded.
        rows.forEach((r, k) => {
          const i = k + 1;
          expect(r).toEqual({ id: i, student_id: `s${i % 7}`, commit_sha: sha(i), received_at: 1000 + i, state: 'received' });
        });
      } finally {
        copy.close();
      }
      // The store itself holds everything the writer wrote.
      const live = openDatabase(file);
      expect(live.prepare('SELECT COUNT(*) FROM submissions').pluck().get()).toBe(total);
      live.close();
    } finally {
      writer.kill();
    }
  });

  it('refuses to overwrite, to copy onto itself or from a missing store, and leaves no partial file', async () => {
    const file = path.join(dir, 'grader.sqlite');
    openDatabase(file).close();
    const target = path.join(dir, 'copy.sqlite');
    fs.writeFileSync(target, 'keep me');
    await expect(backupDatabase(file, target)).rejects.toThrow(/exists; choose another name or allow overwriting/);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');
    await expect(backupDatabase(file, file, { overwrite: true })).rejects.toThrow(BackupError);
    await expect(backupDatabase(path.join(dir, 'none.sqlite'), path.join(dir, 'x.sqlite'))).rejects.toThrow(/no store at/);
    await expect(backupDatabase(file, path.join(dir, 'no-such-dir', 'x.sqlite'))).rejects.toThrow(/does not exist/);
    const report = await backupDatabase(file, target, { overwrite: true });
    expect(report.schemaVersion).toBe(MIGRATIONS.length);
    expect(fs.readdirSync(dir).filter((f) => f.includes('partial') || f.startsWith('copy.sqlite-'))).toEqual([]);
  });
});
