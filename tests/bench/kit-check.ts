/**
 * `grader check` in a student kit: how long a student waits for
 * `npx grader check <assignment>` on their laptop.
 *   - the kit is built once (buildKit, the way tests/kit builds one: inside dist/kit-tests, so
 *     the kit's grader finds the repository's node_modules as it would find its own after
 *     `npm install`); its build time and the size of its .grader folder are rows too;
 *   - each assignment's examples/correct goes into the kit's <id>/ folder, then the kit's
 *     own command (`.grader/bin/grader.js`, what node_modules/.bin/grader links to) runs
 *     `check <id> --json --no-html` in fresh processes, and, alternating with it so that
 *     background load hits both alike, the repository's `grader check <id>` on the same
 *     files: the ratio is the kit's cost over the repository's check.
 * Quick: a kit of momentum-sgd only, 2 runs each. Full: every assignment, 5 runs each (2 for
 * the assignments whose spec loads MNIST).
 * Target (from the issue): `grader check momentum-sgd` in the kit under 3 s on this machine.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildKit } from '../../grader/kit/build-kit';
import { PACKAGE_ROOT } from '../../grader/paths';
import { discoverAssignments, type LoadedAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples, type Example } from '../../grader/spec/examples';
import { freshKitDir, placeExample, removeKit, runKitGrader } from '../kit/kit-helpers';
import type { BenchContext, BenchRow } from './bench-types';

export const name = 'kit-check';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'grader', 'cli', 'main.js');
const TARGET_ID = 'momentum-sgd';
const TARGET_MS = 3000;
const TIMEOUT_MS = 15 * 60_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Bytes and files under a folder (symbolic links not followed). */
function folderSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = folderSize(p);
      bytes += inner.bytes;
      files += inner.files;
    } else if (entry.isFile()) {
      bytes += fs.statSync(p).size;
      files += 1;
    }
  }
  return { bytes, files };
}

const kib = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

function correctExample(a: LoadedAssignment): Example {
  const found = listExamples(a).find((e) => e.name === 'correct');
  if (found === undefined) throw new Error(`${a.id} has no examples/correct`);
  return found;
}

/** Assignments whose spec loads MNIST train models: few runs of those. */
function usesMnist(a: LoadedAssignment): boolean {
  return /mnist/i.test(fs.readFileSync(path.join(a.dir, 'spec.ts'), 'utf8'));
}

interface CheckRun {
  ms: number;
  score: number | null;
  maxScore: number | null;
}

/** One check in a fresh process; throws unless it produced the result JSON with every visible test passed. */
function timeCheck(what: string, run: () => ReturnType<typeof spawnSync>): CheckRun {
  const t0 = performance.now();
  const r = run();
  const ms = performance.now() - t0;
  const stdout = String(r.stdout);
  if (r.status !== 0) {
    throw new Error(`${what} exited ${r.status ?? r.signal ?? r.error?.message}: ${String(r.stderr).trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`);
  }
  let score: number | null = null;
  let maxScore: number | null = null;
  try {
    const parsed = JSON.parse(stdout) as { score?: unknown; max_score?: unknown };
    score = typeof parsed.score === 'number' ? parsed.score : null;
    maxScore = typeof parsed.max_score === 'number' ? parsed.max_score : null;
  } catch {
    throw new Error(`${what} printed no result JSON: ${stdout.slice(0, 200)}`);
  }
  return { ms, score, maxScore };
}

export async function run(context: BenchContext): Promise<BenchRow[]> {
  const catalogue = discoverAssignments();
  const assignments = context.quick ? catalogue.assignments.filter((a) => a.id === TARGET_ID) : catalogue.assignments;
  if (assignments.length === 0) throw new Error(`the catalogue has no ${TARGET_ID}`);
  const rows: BenchRow[] = [];
  const kit = freshKitDir('bench');
  const submissions: string[] = [];
  try {
    // The kit, built once.
    const ids = assignments.map((a) => a.id);
    context.log(`kit-check: building a kit of ${ids.join(', ')}`);
    const t0 = performance.now();
    const outcome = await buildKit({ out: kit, only: ids, log: (line) => context.log(`kit-check: build: ${line}`) });
    const buildMs = performance.now() - t0;
    const recording = outcome.recorded
      .filter((r) => r.examples.length > 0)
      .map((r) => ({
        name: `record ${r.id}`,
        ms: Math.round(r.examples.reduce((s, e) => s + e.ms, 0)),
        count: r.examples.length,
      }));
    const recordedMs = recording.reduce((s, i) => s + i.ms, 0);
    rows.push({
      name: `kit build (${ids.length === 1 ? ids[0] : `${ids.length} assignments`})`,
      status: 'ok',
      value: Math.round(buildMs / 100) / 10,
      unit: 's',
      better: 'lower',
      message: `buildKit: grade examples to record the reference, bundle, self-check, leak scan; ${outcome.files.length} files`,
      breakdown: {
        title: 'recording (examples graded; assignments with nothing to record left out) and the rest',
        totalMs: Math.round(buildMs),
        items: [...recording, { name: 'bundle + catalogue check + leak scan', ms: Math.round(buildMs - recordedMs), count: 1 }],
      },
      details: { buildMs: Math.round(buildMs), assignments: ids, externals: outcome.externals },
    });

    const grader = path.join(kit, '.grader');
    const size = folderSize(grader);
    const parts: Record<string, number> = {};
    for (const entry of fs.readdirSync(grader, { withFileTypes: true })) {
      const p = path.join(grader, entry.name);
      parts[entry.name] = kib(entry.isDirectory() ? folderSize(p).bytes : fs.statSync(p).size);
    }
    const biggest = Object.entries(parts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => `${k} ${v} KiB`)
      .join(', ');
    rows.push({
      name: `kit .grader size (${ids.length === 1 ? ids[0] : `${ids.length} assignments`})`,
      status: 'ok',
      value: kib(size.bytes),
      unit: 'KiB',
      better: 'lower',
      message: `${size.files} files, node_modules not included; largest: ${biggest}`,
      details: { bytes: size.bytes, files: size.files, kibByEntry: parts },
    });

    // Check, per assignment: the kit's command and the repository's, alternating.
    for (const a of assignments) {
      try {
        rows.push(...checkRows(context, kit, a, submissions));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        rows.push({ name: `kit check ${a.id}`, status: 'failed', value: null, unit: 'ms', better: 'lower', message: message.split('\n')[0], details: { stack: err instanceof Error ? err.stack : undefined } });
      }
    }
  } finally {
    for (const root of submissions) fs.rmSync(root, { recursive: true, force: true });
    removeKit(kit);
  }
  return rows;
}

/** The kit's check of one assignment and the repository's, alternating; two rows. */
function checkRows(context: BenchContext, kit: string, a: LoadedAssignment, submissions: string[]): BenchRow[] {
  const repeats = context.quick ? 2 : usesMnist(a) ? 2 : 5;
  const example = correctExample(a);
  placeExample(kit, a, example);
  const root = exampleAsSubmission(a, example);
  submissions.push(root);
  context.log(`kit-check: ${a.id}: ${repeats} runs of the kit's check and of the repository's`);
  const kitRuns: CheckRun[] = [];
  const repoRuns: CheckRun[] = [];
  const kitCheck = () => timeCheck(`the kit's check ${a.id}`, () => runKitGrader(kit, ['check', a.id, '--json', '--no-html'], { timeoutMs: TIMEOUT_MS }));
  const repoCheck = () =>
    timeCheck(`the repository's check ${a.id}`, () =>
      spawnSync(process.execPath, [CLI, 'check', a.id, '--json', '--no-html'], {
        cwd: root,
        encoding: 'utf8',
        timeout: TIMEOUT_MS,
        env: { ...process.env, NO_COLOR: '1' },
      }),
    );
  for (let i = 0; i < repeats; i++) {
    // Alternate which goes first, so neither always follows the other.
    if (i % 2 === 0) {
      kitRuns.push(kitCheck());
      repoRuns.push(repoCheck());
    } else {
      repoRuns.push(repoCheck());
      kitRuns.push(kitCheck());
    }
  }
  const kitMs = kitRuns.map((r) => r.ms);
  const repoMs = repoRuns.map((r) => r.ms);
  const kitMedian = median(kitMs);
  const repoMedian = median(repoMs);
  const scores = (runs: CheckRun[]) => [...new Set(runs.map((r) => `${r.score ?? '?'}/${r.maxScore ?? '?'}`))].join(', ');
  const target = a.id === TARGET_ID;
  const kitRow: BenchRow = {
    name: `kit check ${a.id}`,
    status: 'ok',
    value: Math.round(kitMedian),
    unit: 'ms',
    better: 'lower',
    ratio: { to: `repo check ${a.id}`, value: kitMedian / repoMedian },
    ...(target ? { target: { description: `< ${TARGET_MS} ms`, met: kitMedian < TARGET_MS } } : {}),
    message:
      `${target ? 'the issue\'s target: under 3 s on this machine; ' : ''}fresh process, .grader/bin/grader.js check ${a.id} --json --no-html (npx's own start-up not included); ` +
      `median of ${kitMs.length}, min ${Math.round(Math.min(...kitMs))}; visible tests ${scores(kitRuns)}`,
    details: { samples: kitMs.map(Math.round), repoSamples: repoMs.map(Math.round), scores: kitRuns.map((r) => r.score) },
  };
  const repoRow: BenchRow = {
    name: `repo check ${a.id}`,
    status: 'ok',
    value: Math.round(repoMedian),
    unit: 'ms',
    better: 'lower',
    message: `fresh process, dist/grader/cli/main.js check ${a.id} --json --no-html on the same files; median of ${repoMs.length}, min ${Math.round(Math.min(...repoMs))}; visible tests ${scores(repoRuns)}`,
    details: { samples: repoMs.map(Math.round), scores: repoRuns.map((r) => r.score) },
  };
  return [kitRow, repoRow];
}
