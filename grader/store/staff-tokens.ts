/**
 * Personal tokens for instructors and TAs: each person signs in with a token of their own,
 * which can be revoked alone, and what they do (overrides, releases, regrades) is recorded
 * under their name. A token is `nn2s_` and 43 random base64url characters; only its SHA-256
 * is stored, so a copy of the database does not let anyone sign in.
 *
 * The course's shared token (secrets.instructorTokenEnv) still keys sessions and student
 * links; signing in with it is the legacy way, allowed unless the course sets
 * `legacySharedToken: false`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Database } from './database';
import { findRow, parseRow } from './rows';

export const STAFF_ROLES = ['instructor', 'ta'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const StaffTokenRowSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  role: z.enum(STAFF_ROLES),
  token_hash: z.string(),
  created_at: z.number(),
  revoked_at: z.number().nullable(),
  last_used_at: z.number().nullable(),
});
export type StaffTokenRow = z.infer<typeof StaffTokenRowSchema>;

/** A person's name as recorded with their actions: letters, digits, spaces, . _ @ - (at most 64). */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,63}$/u;
const TOKEN = /^nn2s_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per token. */
const USE_RESOLUTION_MS = 60_000;

export class StaffTokenError extends Error {
  readonly code = 'STAFF_TOKEN';
  constructor(message: string) {
    super(message);
    this.name = 'StaffTokenError';
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class StaffTokens {
  constructor(readonly db: Database) {}

  /** Makes a token for a person; the token itself is returned once and never stored. */
  issue(name: string, role: StaffRole, now: number): { token: string; row: StaffTokenRow } {
    const clean = name.trim();
    if (!NAME.test(clean)) throw new StaffTokenError(`'${name}' is not a usable name: letters, digits, spaces, . _ @ - (at most 64), starting with a letter or digit`);
    if (this.findActiveByName(clean) !== undefined) throw new StaffTokenError(`${clean} already has a token; revoke it first to issue a new one`);
    const token = `nn2s_${randomBytes(32).toString('base64url')}`;
    const info = this.db.prepare('INSERT INTO staff_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)').run(clean, role, hashToken(token), now);
    return { token, row: this.get(Number(info.lastInsertRowid)) };
  }

  get(id: number): StaffTokenRow {
    const row = this.find(id);
    if (row === undefined) throw new StaffTokenError(`no staff token ${id}`);
    return row;
  }

  find(id: number): StaffTokenRow | undefined {
    const row: unknown = this.db.prepare('SELECT * FROM staff_tokens WHERE id = ?').get(id);
    return findRow(StaffTokenRowSchema, row, 'staff token');
  }

  /** The person a session names, while their token stands. */
  findActive(id: number): StaffTokenRow | undefined {
    const row = this.find(id);
    return row !== undefined && row.revoked_at === null ? row : undefined;
  }

  findActiveByName(name: string): StaffTokenRow | undefined {
    const row: unknown = this.db.prepare('SELECT * FROM staff_tokens WHERE name = ? AND revoked_at IS NULL').get(name.trim());
    return findRow(StaffTokenRowSchema, row, 'staff token');
  }

  /** Every token ever issued, oldest first. */
  list(): StaffTokenRow[] {
    return this.db.prepare('SELECT * FROM staff_tokens ORDER BY id').all().map((r) => parseRow(StaffTokenRowSchema, r, 'staff token'));
  }

  /** The standing token's person, or undefined; notes the use. */
  verify(token: string, now: number): StaffTokenRow | undefined {
    const text = token.trim();
    if (!TOKEN.test(text)) return undefined;
    const row: unknown = this.db.prepare('SELECT * FROM staff_tokens WHERE token_hash = ? AND revoked_at IS NULL').get(hashToken(text));
    if (row === undefined) return undefined;
    const found = parseRow(StaffTokenRowSchema, row, 'staff token');
    if (found.last_used_at === null || now - found.last_used_at >= USE_RESOLUTION_MS) {
      this.db.prepare('UPDATE staff_tokens SET last_used_at = ? WHERE id = ?').run(now, found.id);
    }
    return found;
  }

  /** Revokes the standing token of a person (by name or id); their sessions end at once. */
  revoke(nameOrId: string, now: number): StaffTokenRow {
    const byId = /^\d{1,12}$/.test(nameOrId) ? this.findActive(Number(nameOrId)) : undefined;
    const row = byId ?? this.findActiveByName(nameOrId);
    if (row === undefined) throw new StaffTokenError(`no standing token for '${nameOrId}' (grader token list shows them)`);
    this.db.prepare('UPDATE staff_tokens SET revoked_at = ? WHERE id = ?').run(now, row.id);
    return this.get(row.id);
  }
}
