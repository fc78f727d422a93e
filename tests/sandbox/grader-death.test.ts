/**
 * Runners die with their grader: a grader process starts a runner in each sandbox mode and
 * is then SIGKILLed (no chance to clean up). The runner's submission keeps itself alive
 * (a timer) and removes the runner's own 'disconnect' handler, as an attacker would; the OS
 * must still take the whole tree down (bwrap --die-with-parent, setpriv --pdeathsig).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../grader/paths';
import { modeAvailability, probeHost, type SandboxMode } from '../../grader/sandbox';

const GRADER = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'hostile', '_layers', 'orphan-grader.js');
const host = probeHost();
const root = host.platform === 'linux' && host.root && host.tools.setpriv !== undefined;

function processesOf(uids: number[]): number[] {
  const wanted = new Set(uids);
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      const zombie = /^State:\s+Z/m.test(status);
      if (wanted.has(uid) && !zombie) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

const modes: SandboxMode[] = ['bwrap', 'unshare', 'none'];

(root ? describe : describe.skip)('runners die with their grader (Linux, grader as root)', () => {
  let dir: string;
  let bundlePath: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grader-death-'));
    bundlePath = path.join(dir, 'solution.js');
    fs.writeFileSync(bundlePath, `globalThis.process.removeAllListeners('disconnect');\nsetInterval(() => {}, 1000);\nexports.x = 1;\n`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(modes)('%s', async (mode) => {
    if (mode !== 'none' && !modeAvailability(mode).available) return;
    const grader = spawn(process.execPath, [GRADER, PACKAGE_ROOT, mode, bundlePath], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      grader.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const started = await new Promise<{ uids: number[]; pid: number }>((resolve, reject) => {
        let out = '';
        grader.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]) as { uids: number[]; pid: number });
        });
        grader.on('exit', (code) => reject(new Error(`the grader exited (${code}) before its runner was up: ${stderr}`)));
      });
      // Every uid the grader gave out (its host probe's trial runs took some too).
      expect(processesOf(started.uids).length).toBeGreaterThan(0);

      grader.kill('SIGKILL');
      let left = processesOf(started.uids);
      for (let i = 0; i < 50 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = processesOf(started.uids);
      }
      expect(left).toEqual([]);
    } finally {
      grader.kill('SIGKILL');
    }
  });
});
