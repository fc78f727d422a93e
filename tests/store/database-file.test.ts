/**
 * The store's file on disk: owner-only (every result, hidden tests' included, and the staff
 * tokens' hashes live in it), its WAL too, and a backup of it as well.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupDatabase } from '../../grader/store/backup';
import { openDatabase } from '../../grader/store/database';

describe('the store file', () => {
  it('is readable by its owner only, with its WAL and its backups', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-file-'));
    try {
      const file = path.join(dir, 'data', 'grader.sqlite');
      const db = openDatabase(file);
      db.exec('CREATE TABLE t (x)');
      db.prepare('INSERT INTO t VALUES (1)').run();
      const mode = (f: string) => fs.statSync(f).mode & 0o777;
      expect({ db: mode(file), wal: mode(`${file}-wal`) }).toEqual({ db: 0o600, wal: 0o600 });
      const copy = path.join(dir, 'copy.sqlite');
      await backupDatabase(file, copy);
      expect(mode(copy)).toBe(0o600);
      db.close();
      // An older store made with a looser mode is tightened when opened.
      fs.chmodSync(file, 0o644);
      openDatabase(file).close();
      expect(mode(file)).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
