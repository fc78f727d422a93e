/**
 * Which layer holds which attack, each layer on its own. The hostile suite's attacks run as
 * a plain Node program with the real `require` (tests/fixtures/hostile/_layers/attacks.js),
 * so the runner's own hardening is already out of the way, started by the sandbox's launcher
 * in four configurations:
 *
 *   all          bubblewrap + permission model (what grading uses)
 *   bwrap        bubblewrap without the permission model
 *   unshare      unshare namespaces + uid switch, without the permission model
 *   permission   the permission model (+ uid switch when root), no namespaces
 *
 * The program reports what it managed; the test adds what it sees from the host (files
 * left in /tmp, connections to a listener, the planted secret in the report).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../grader/paths';
import { modeAvailability, probeHost, resolveSandbox, type SandboxMode } from '../../grader/sandbox';
import { waitForNoLeftovers } from './hostile-harness';

const SCRIPT = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'hostile', '_layers', 'attacks.js');
const HOST_FILES = ['/tmp/pwned-layer-tmp', '/tmp/pwned-layer-big', '/dev/shm/pwned-layer-shm', '/dev/pwned-layer-shm'];

type Outcome = 'blocked' | 'contained' | 'open';
type Report = Record<string, { outcome: Outcome; detail: string }>;
type Config = 'all' | 'bwrap' | 'unshare' | 'permission';

const CONFIGS: Record<Config, { mode: SandboxMode; permissionModel: boolean }> = {
  all: { mode: 'bwrap', permissionModel: true },
  bwrap: { mode: 'bwrap', permissionModel: false },
  unshare: { mode: 'unshare', permissionModel: false },
  permission: { mode: 'none', permissionModel: true },
};

interface World {
  secret: string;
  storeDir: string;
  port: number;
  connections(): number;
}

async function runAttacks(config: Config, world: World): Promise<Report> {
  const sandbox = resolveSandbox({ require: false, allowInsecure: true, ...CONFIGS[config], limits: { tmpMb: 8, fileSizeMb: 16, processes: 64 } });
  const plan = sandbox.launcher([], {
    nodePath: process.execPath,
    nodeArgs: ['--max-old-space-size=128'],
    script: SCRIPT,
    bundlePath: SCRIPT,
    probesPath: SCRIPT,
    backend: 'cpu',
    heapMb: 128,
  });
  const fds = plan.extraFds ?? [];
  const child = spawn(plan.command, plan.args, {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc', ...fds],
    env: plan.env,
    cwd: plan.cwd,
    detached: true,
    serialization: 'advanced',
  });
  for (const fd of fds) fs.closeSync(fd);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    return await new Promise<Report>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no report within 60 s: ${stderr}`)), 60_000);
      child.on('message', (m: { type?: string; results?: Report }) => {
        if (m.type !== 'report' || m.results === undefined) return;
        clearTimeout(timer);
        resolve(m.results);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the attack program exited (${code ?? signal}) without a report: ${stderr}`));
      });
      const storeFile = path.join(world.storeDir, 'store.db');
      child.send({ type: 'attack', config: { packageRoot: PACKAGE_ROOT, storeFile, storeDir: world.storeDir, port: world.port, graderPid: process.pid } });
    });
  } finally {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    plan.cleanup?.();
  }
}

/** The program's report corrected by what the host saw. */
async function observe(config: Config, world: World): Promise<Record<string, Outcome>> {
  for (const f of HOST_FILES) fs.rmSync(f, { force: true });
  const before = world.connections();
  const report = await runAttacks(config, world);
  await new Promise((r) => setTimeout(r, 100));
  const outcomes: Record<string, Outcome> = {};
  for (const [name, r] of Object.entries(report)) if (name !== 'identity') outcomes[name] = r.outcome;
  if (fs.existsSync('/tmp/pwned-layer-tmp')) outcomes.writeTmp = 'open';
  if (fs.existsSync('/tmp/pwned-layer-big')) outcomes.bigFile = 'open';
  if (fs.existsSync('/dev/shm/pwned-layer-shm') || fs.existsSync('/dev/pwned-layer-shm')) outcomes.fillDevShm = 'open';
  if (fs.existsSync(path.join(world.storeDir, 'pwned-layer-write'))) outcomes.writeHost = 'open';
  if (world.connections() > before) outcomes.connectLoopback = 'open';
  // /proc/<pid>/environ of the sandbox's own processes is no leak; the grader's secret is.
  outcomes.procEnviron = report.procEnviron.detail.includes(world.secret) ? 'open' : 'blocked';
  outcomes.readStore = report.readStore.detail.includes(world.secret) ? 'open' : report.readStore.outcome;
  for (const f of HOST_FILES) fs.rmSync(f, { force: true });
  return outcomes;
}

const host = probeHost();
const linuxRoot = host.platform === 'linux' && host.root;
const uidSwitch = linuxRoot && host.tools.setpriv !== undefined;

/**
 * The expected matrix on a Linux host where the grader runs as root (a fresh uid per
 * runner). 'open' cells are what that layer alone does not stop.
 */
// unshare alone shows the host's file system, except /tmp (a private tmpfs): a checkout that
// lives under /tmp keeps its reference out of reach even there.
const UNSHARE_SEES_CHECKOUT: Outcome = PACKAGE_ROOT.startsWith('/tmp/') ? 'blocked' : 'open';

const EXPECTED: Record<string, Record<Config, Outcome>> = {
  readReference: { all: 'blocked', bwrap: 'blocked', unshare: UNSHARE_SEES_CHECKOUT, permission: 'blocked' },
  readCompiledSpec: { all: 'blocked', bwrap: 'blocked', unshare: UNSHARE_SEES_CHECKOUT, permission: 'blocked' },
  readStore: { all: 'blocked', bwrap: 'blocked', unshare: 'blocked', permission: 'blocked' },
  readEtcPasswd: { all: 'blocked', bwrap: 'blocked', unshare: 'open', permission: 'blocked' },
  procEnviron: { all: 'blocked', bwrap: 'blocked', unshare: 'blocked', permission: 'blocked' },
  writeHost: { all: 'blocked', bwrap: 'blocked', unshare: 'blocked', permission: 'blocked' },
  writeTmp: { all: 'blocked', bwrap: 'contained', unshare: 'contained', permission: 'blocked' },
  fillDevShm: { all: 'blocked', bwrap: 'blocked', unshare: 'blocked', permission: 'blocked' },
  bigFile: { all: 'blocked', bwrap: 'blocked', unshare: 'blocked', permission: 'blocked' },
  spawnShell: { all: 'blocked', bwrap: 'blocked', unshare: 'open', permission: 'blocked' },
  spawnNode: { all: 'blocked', bwrap: 'contained', unshare: 'contained', permission: 'blocked' },
  forkBomb: { all: 'contained', bwrap: 'contained', unshare: 'contained', permission: 'contained' },
  worker: { all: 'blocked', bwrap: 'contained', unshare: 'contained', permission: 'blocked' },
  connectLoopback: { all: 'blocked', bwrap: 'blocked', unshare: 'blocked', permission: 'open' },
  signalGrader: { all: 'blocked', bwrap: 'blocked', unshare: 'blocked', permission: 'blocked' },
  setuidRoot: { all: 'blocked', bwrap: 'blocked', unshare: 'blocked', permission: 'blocked' },
  dlopen: { all: 'blocked', bwrap: 'contained', unshare: 'contained', permission: 'blocked' },
  wasi: { all: 'blocked', bwrap: 'contained', unshare: 'contained', permission: 'blocked' },
  inspector: { all: 'blocked', bwrap: 'contained', unshare: 'contained', permission: 'blocked' },
};

const available = (config: Config): boolean => {
  const mode = CONFIGS[config].mode;
  return mode === 'none' ? uidSwitch : modeAvailability(mode).available;
};

const describeIf = uidSwitch && available('all') ? describe : describe.skip;

describeIf('each sandbox layer on its own (Linux, grader as root)', () => {
  let world: World;
  let server: net.Server;
  const found: Partial<Record<Config, Record<string, Outcome>>> = {};

  beforeAll(async () => {
    let accepted = 0;
    server = net.createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const secret = `planted-secret-${randomBytes(8).toString('hex')}`;
    process.env.GRADER_PLANTED_SECRET = secret;
    const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-store-'));
    fs.writeFileSync(path.join(storeDir, 'store.db'), `token=${secret}`, { mode: 0o600 });
    world = { secret, storeDir, port: (server.address() as net.AddressInfo).port, connections: () => accepted };
  });

  afterAll(async () => {
    delete process.env.GRADER_PLANTED_SECRET;
    if (world !== undefined) fs.rmSync(world.storeDir, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test.each(Object.keys(CONFIGS) as Config[])('%s', async (config) => {
    if (!available(config)) return;
    const outcomes = await observe(config, world);
    found[config] = outcomes;
    const expected = Object.fromEntries(Object.entries(EXPECTED).map(([attack, row]) => [attack, row[config]]));
    expect(outcomes).toEqual(expected);
    expect(await waitForNoLeftovers()).toEqual([]);
  });

  it('with every layer, nothing reaches the host', () => {
    const all = found.all;
    if (all === undefined) return;
    expect(Object.entries(all).filter(([, outcome]) => outcome === 'open')).toEqual([]);
  });

  it('no attack gets past both bubblewrap and the permission model (each backs the other)', () => {
    const pastBoth = Object.entries(EXPECTED).filter(([, row]) => row.bwrap === 'open' && row.permission === 'open');
    expect(pastBoth).toEqual([]);
  });
});
