/** Personal tokens on a real SQLite file: issue, verify, revoke one alone, names and hashes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDatabase, type Database } from '../../grader/store/database';
import { StaffTokenError, StaffTokens } from '../../grader/store/staff-tokens';
import { tempDir } from '../repo/git-helpers';

describe('StaffTokens', () => {
  let dir: string;
  let db: Database;
  let tokens: StaffTokens;
  beforeEach(() => {
    dir = tempDir('staff-tokens');
    db = openDatabase(path.join(dir, 'grader.sqlite'));
    tokens = new StaffTokens(db);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('issues a token per person that verifies until revoked, and keeps only its hash', () => {
    const anna = tokens.issue(' Anna Ivanova ', 'instructor', 1000);
    const ben = tokens.issue('ben@uni.example', 'ta', 1000);
    expect(anna.token).toMatch(/^nn2s_[A-Za-z0-9_-]{43}$/);
    expect(anna.row).toMatchObject({ name: 'Anna Ivanova', role: 'instructor', revoked_at: null, last_used_at: null });
    expect(fs.readFileSync(path.join(dir, 'grader.sqlite')).includes(anna.token)).toBe(false);
    expect(JSON.stringify(db.prepare('SELECT * FROM staff_tokens').all())).not.toContain(anna.token.slice(5));

    expect(tokens.verify(anna.token, 2000)).toMatchObject({ id: anna.row.id, name: 'Anna Ivanova' });
    expect(tokens.find(anna.row.id)?.last_used_at).toBe(2000);
    expect(tokens.verify(`${anna.token}x`, 2000)).toBeUndefined();
    expect(tokens.verify('', 2000)).toBeUndefined();

    expect(tokens.revoke('Anna Ivanova', 3000)).toMatchObject({ revoked_at: 3000 });
    expect(tokens.verify(anna.token, 4000)).toBeUndefined();
    expect(tokens.findActive(anna.row.id)).toBeUndefined();
    expect(tokens.verify(ben.token, 4000)?.name).toBe('ben@uni.example');
    // Revoked rows stay (their names stay on what they did); a new token may then be issued.
    const again = tokens.issue('Anna Ivanova', 'instructor', 5000);
    expect(tokens.list().map((r) => [r.name, r.revoked_at])).toEqual([
      ['Anna Ivanova', 3000],
      ['ben@uni.example', null],
      ['Anna Ivanova', null],
    ]);
    expect(tokens.revoke(String(again.row.id), 6000).revoked_at).toBe(6000);
  });

  it('refuses a second standing token for a name, a bad name, and revoking what does not stand', () => {
    tokens.issue('anna', 'instructor', 1);
    expect(() => tokens.issue('anna', 'ta', 2)).toThrow(/anna already has a token; revoke it first/);
    expect(() => tokens.issue('', 'ta', 2)).toThrow(StaffTokenError);
    expect(() => tokens.issue('<script>', 'ta', 2)).toThrow(/not a usable name/);
    expect(() => tokens.revoke('nobody', 3)).toThrow(/no standing token for 'nobody'/);
    tokens.revoke('anna', 3);
    expect(() => tokens.revoke('anna', 4)).toThrow(/no standing token/);
  });
});
