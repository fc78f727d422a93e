/**
 * A consistent copy of a live store, made with SQLite's online backup API (better-sqlite3's
 * `db.backup`): the server keeps running and writing meanwhile. The copy is written under a
 * temporary name, opened and checked (integrity, schema version, row counts), then renamed
 * into place, so the target is either a complete, checked copy or absent.
 *
 * Pages are copied in one step after the first: in WAL mode that step reads one snapshot
 * without blocking writers, where small steps would start over after every write from
 * another connection and, under steady writing, might never finish.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export class BackupError extends Error {
  readonly code = 'BACKUP_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupReport {
  source: string;
  target: string;
  schemaVersion: number;
  bytes: number;
  /** Rows per table in the copy. */
  rows: Record<string, number>;
  durationMs: number;
}

export interface BackupOptions {
  /** Replace an existing target file. Default false: an existing file is an error. */
  overwrite?: boolean;
}

const ALL_PAGES = 0x7fffffff;

function tableCounts(db: BetterSqlite3.Database): Record<string, number> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
  const rows: Record<string, number> = {};
  for (const name of tables) {
    if (typeof name !== 'string') continue;
    const n: unknown = db.prepare(`SELECT COUNT(*) FROM "${name.replace(/"/g, '""')}"`).pluck().get();
    rows[name] = typeof n === 'number' ? n : Number(n);
  }
  return rows;
}

/**
 * Makes the copy one self-contained file (rollback journal instead of WAL: no -wal or -shm
 * beside it; the server turns WAL back on when it opens a restored copy) and checks it;
 * returns its schema version and row counts.
 */
function verifyCopy(file: string): { schemaVersion: number; rows: Record<string, number> } {
  const copy = new BetterSqlite3(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const check: unknown = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the copy failed SQLite's integrity check: ${String(check)}`);
    const version: unknown = copy.pragma('user_version', { simple: true });
    return { schemaVersion: typeof version === 'number' ? version : 0, rows: tableCounts(copy) };
  } finally {
    copy.close();
  }
}

/** Backs up the SQLite file `source` (a live store is fine) to `target`. */
export async function backupDatabase(source: string, target: string, options: BackupOptions = {}): Promise<BackupReport> {
  const started = Date.now();
  const from = path.resolve(source);
  const to = path.resolve(target);
  if (!fs.existsSync(from)) throw new BackupError(`no store at ${from}`);
  if (from === to) throw new BackupError('the backup must go to another file than the store itself');
  if (!fs.existsSync(path.dirname(to))) throw new BackupError(`the folder ${path.dirname(to)} does not exist`);
  if (fs.existsSync(to) && options.overwrite !== true) throw new BackupError(`${to} exists; choose another name or allow overwriting (--force)`);

  const tmp = path.join(path.dirname(to), `.${path.basename(to)}.${process.pid}.partial`);
  removeCopy(tmp);
  // A connection of its own, without migrations: the copy is of the store as it is.
  const db = new BetterSqlite3(from, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(tmp, { progress: () => ALL_PAGES });
  } catch (err) {
    removeCopy(tmp);
    throw new BackupError(`backing up ${from} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    db.close();
  }
  try {
    const { schemaVersion, rows } = verifyCopy(tmp);
    fs.chmodSync(tmp, fs.statSync(from).mode & 0o777);
    fs.renameSync(tmp, to);
    return { source: from, target: to, schemaVersion, bytes: fs.statSync(to).size, rows, durationMs: Date.now() - started };
  } catch (err) {
    removeCopy(tmp);
    throw err;
  }
}

function removeCopy(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
}
