/**
 * The adversarial suite's harness: grades the hostile submissions of tests/fixtures/hostile
 * (each a submission root holding demo-add/solution.ts) against the demo-add fixture with
 * tightened limits, inside the sandbox this machine offers, and checks from the outside
 * what each left behind: processes, files, connections, secrets in the result.
 *
 * The world the attacks aim at is planted around them: a secret in the grader's own
 * environment, a "database" file holding it in a temporary store folder (its path in an
 * environment variable of the grader, as a real configuration would have it), another
 * student's submission in /tmp, and a listener on 127.0.0.1.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import type { GradeResult, TestResult } from '../../grader/results/result-schema';
import { allocatedUids, resolveSandbox, type ResolvedSandbox } from '../../grader/sandbox';
import { getAssignment, type LoadedAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import { PACKAGE_ROOT } from '../../grader/paths';

export const FIXTURES = path.join(PACKAGE_ROOT, 'tests', 'fixtures');
export const HOSTILE_ROOT = path.join(FIXTURES, 'hostile');

/**
 * The demo spec with the hostile runs' limits: 4 s a test (the runner's start-up included:
 * on a loaded 2-core machine that alone can take 2 s), 12 s in all, a 64 MiB heap.
 */
export const TIGHT_LIMITS = { totalMs: 12_000, testMs: 4_000, heapMb: 64 };
/** The sandbox's limits for the hostile runs. */
export const TIGHT_SANDBOX = { memoryMb: 384, cpuSeconds: 30, tmpMb: 8, fileSizeMb: 16, processes: 64, openFiles: 128 };

/** Paths the fixtures guess (they cannot be told: the grader's environment does not reach them). */
export const STORE_DIR = '/tmp/grader-hostile-store';
export const OTHER_SUBMISSION_DIR = '/tmp/grader-hostile-other';
export const LISTENER_PORTS = [47613, 47614, 47615];

type TestStatus = TestResult['status'];

export interface HostileCase {
  name: string;
  status: GradeResult['status'];
  /** Statuses of: add on a vector, add on a matrix, sumOf with a closure (graded cases). */
  tests?: [TestStatus, TestStatus, TestStatus];
  /** What the attack is; shown in the test name. */
  note: string;
}

export interface HostileWorld {
  secret: string;
  /** demo-add with TIGHT_LIMITS. */
  assignment: LoadedAssignment;
  /** demo-add with its own limits (the warm-up). */
  relaxed: LoadedAssignment;
  sandbox: ResolvedSandbox;
  /** Connections the 127.0.0.1 listener accepted (when there is one). */
  connections(): number;
  storeFile: string;
  close(): Promise<void>;
}

function tightAssignment(): LoadedAssignment {
  const demo = getAssignment('demo-add', FIXTURES);
  return { ...demo, spec: { ...demo.spec, limits: { ...demo.spec.limits, ...TIGHT_LIMITS } } };
}

async function listen(): Promise<{ server: net.Server; count: () => number } | undefined> {
  let accepted = 0;
  for (const port of LISTENER_PORTS) {
    const server = net.createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return { server, count: () => accepted };
  }
  return undefined;
}

/**
 * Plants the secrets and (with `targets`) the store, the other submission and the listener.
 * Throws when the machine has no OS sandbox: the suite must not run hostile code unisolated.
 */
export async function setUpWorld(targets: boolean): Promise<HostileWorld> {
  const sandbox = resolveSandbox({ require: true, allowInsecure: false, limits: TIGHT_SANDBOX });
  const secret = `planted-secret-${randomBytes(12).toString('hex')}`;
  process.env.GRADER_PLANTED_SECRET = secret;
  const storeFile = path.join(STORE_DIR, 'store.db');
  let listener: Awaited<ReturnType<typeof listen>>;
  if (targets) {
    fs.mkdirSync(STORE_DIR, { recursive: true, mode: 0o700 });
    fs.writeFileSync(storeFile, `SQLite format 3\0 token=${secret}\n`, { mode: 0o600 });
    process.env.GRADER_TEST_STORE = storeFile;
    fs.mkdirSync(path.join(OTHER_SUBMISSION_DIR, 'demo-add'), { recursive: true });
    fs.writeFileSync(path.join(OTHER_SUBMISSION_DIR, 'demo-add', 'solution.ts'), `// another student's work: OTHER-SUBMISSION ${secret}\n`);
    listener = await listen();
    if (listener === undefined) throw new Error(`none of the ports ${LISTENER_PORTS.join(', ')} is free for the listener`);
  }
  return {
    secret,
    assignment: tightAssignment(),
    relaxed: getAssignment('demo-add', FIXTURES),
    sandbox,
    storeFile,
    connections: () => listener?.count() ?? 0,
    close: async () => {
      delete process.env.GRADER_PLANTED_SECRET;
      delete process.env.GRADER_TEST_STORE;
      if (targets) {
        fs.rmSync(STORE_DIR, { recursive: true, force: true });
        fs.rmSync(OTHER_SUBMISSION_DIR, { recursive: true, force: true });
        await new Promise<void>((resolve) => (listener ? listener.server.close(() => resolve()) : resolve()));
      }
    },
  };
}

export function gradeHostile(world: HostileWorld, name: string): Promise<GradeResult> {
  return gradeAssignment({
    assignment: world.assignment,
    submissionDir: path.join(HOSTILE_ROOT, name),
    backend: 'wasm',
    launcher: world.sandbox.launcher,
  });
}

/**
 * Grades the correct example: the runner next to a hostile one must work normally (with
 * the tight limits; `relaxed`: with the demo's own, for the warm-up of a cold process).
 */
export async function gradeCorrect(world: HostileWorld, relaxed = false): Promise<GradeResult> {
  const assignment = relaxed ? world.relaxed : world.assignment;
  const example = listExamples(assignment).find((e) => e.name === 'correct');
  if (example === undefined) throw new Error('demo-add has no correct example');
  const root = exampleAsSubmission(assignment, example);
  try {
    return await gradeAssignment({ assignment, submissionDir: root, backend: 'wasm', launcher: world.sandbox.launcher });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

interface HostProcess {
  pid: number;
  uid: number;
  ppid: number;
  command: string;
}

function hostProcesses(): HostProcess[] {
  const out: HostProcess[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const status = readText(`/proc/${pid}/status`);
    if (status === undefined) continue;
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    const command = (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
    out.push({ pid, uid, ppid, command });
  }
  return out;
}

/**
 * Processes the hostile runs may have left: any process under a uid this test process gave
 * to a runner, and any descendant of this process that is a runner or one of its wrappers.
 */
export function leftoverProcesses(): HostProcess[] {
  const uids = new Set(allocatedUids());
  const all = hostProcesses();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const descends = (p: HostProcess): boolean => {
    for (let cur: HostProcess | undefined = p, hops = 0; cur !== undefined && hops < 64; cur = byPid.get(cur.ppid), hops++) {
      if (cur.ppid === process.pid) return true;
    }
    return false;
  };
  const wrapper = /(^|\/)(bwrap|prlimit|setpriv|unshare)\s|runner-main\.js|pwned|-e /;
  return all.filter((p) => uids.has(p.uid) || (descends(p) && wrapper.test(p.command)));
}

/** Waits (up to `ms`) until no process is left over; returns those still there. */
export async function waitForNoLeftovers(ms = 3_000): Promise<HostProcess[]> {
  const deadline = Date.now() + ms;
  let left = leftoverProcesses();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = leftoverProcesses();
  }
  return left;
}

/**
 * Files the hostile runs may have left on the host: anything named 'pwned' in the usual
 * writable places (two levels deep), and anything in /tmp owned by a runner's uid.
 */
export function leftoverFiles(): string[] {
  const uids = new Set(allocatedUids());
  const found: string[] = [];
  const places = [...new Set(['/tmp', '/var/tmp', '/dev/shm', os.tmpdir(), HOSTILE_ROOT, PACKAGE_ROOT, process.cwd(), STORE_DIR])];
  const visit = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(file);
      } catch {
        continue;
      }
      if (name.includes('pwned') || uids.has(st.uid)) found.push(file);
      if (st.isDirectory() && depth > 0 && name !== 'node_modules' && name !== '.git') visit(file, depth - 1);
    }
  };
  for (const place of places) visit(place, 1);
  return [...new Set(found)];
}

/** Strings that must never appear in a result: what the attacks try to steal. */
export function forbiddenStrings(world: HostileWorld): string[] {
  return [world.secret, 'LEAKED', 'OTHER-SUBMISSION', 'root:x:0:0', 'SQLite format 3'];
}
