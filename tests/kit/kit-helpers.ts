/**
 * Kits for tests. A kit is built inside the repository (under dist/, which git ignores), so
 * that Node finds the repository's node_modules from the kit's grader the way it would find
 * the kit's own after `npm install`: no network, no copy of node_modules. (Installing a kit
 * from the npm registry is checked by hand; see grader/kit/README.md.)
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../grader/paths';
import type { LoadedAssignment } from '../../grader/spec/discover';
import type { Example } from '../../grader/spec/examples';

export const KIT_TESTS_ROOT = path.join(PACKAGE_ROOT, 'dist', 'kit-tests');

/** A fresh, world-readable folder for a kit (the runner may run under another uid). */
export function freshKitDir(name: string): string {
  fs.mkdirSync(KIT_TESTS_ROOT, { recursive: true, mode: 0o755 });
  const dir = path.join(KIT_TESTS_ROOT, `${name}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  return path.join(dir, 'kit');
}

export function removeKit(kit: string): void {
  fs.rmSync(path.dirname(kit), { recursive: true, force: true });
}

/** Runs the kit's own `grader` command. */
export function runKitGrader(kit: string, args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [path.join(kit, '.grader', 'bin', 'grader.js'), ...args], {
    cwd: options.cwd ?? kit,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
}

/** Puts an example's files into the kit's assignment folder in place of the student's .ts files. */
export function placeExample(kit: string, assignment: LoadedAssignment, example: Example): void {
  const folder = path.join(kit, assignment.id);
  for (const f of fs.readdirSync(folder)) {
    if (f.endsWith('.ts') && f !== 'contract.ts') fs.rmSync(path.join(folder, f));
  }
  for (const f of fs.readdirSync(example.dir)) {
    if (f !== 'expected.json') fs.copyFileSync(path.join(example.dir, f), path.join(folder, f));
  }
}

export interface Verdict {
  name: string;
  status: string;
  score: number;
  max_score: number;
}

export const verdictOf = (t: Verdict): Verdict => ({ name: t.name, status: t.status, score: t.score, max_score: t.max_score });
