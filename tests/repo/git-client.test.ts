/**
 * gitClient reads a command's whole output: it waits until git's output is closed, not a
 * fixed delay after git exits. The git here exits at once and leaves its output to a child
 * that writes it later, which is what a busy machine looks like to the grader (the process
 * that reads the pipe is scheduled long after git exited). With simple-git's default
 * completion (50 ms after exit) the output read here was empty, and RepoCache took an empty
 * `cat-file -t` for "the commit is not there" and failed a student's push for good.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gitClient } from '../../grader/repo/git-client';
import { remoteHead } from '../../grader/repo/ls-remote';
import { RepoCache } from '../../grader/repo/repo-cache';
import { RemoteUnreachableError } from '../../grader/repo/repo-errors';
import { GitHttpHost, StudentRepo, tempDir } from './git-helpers';

/** The delay between git's exit and its output: far beyond simple-git's 50 + 50 ms. */
const LATE_MS = 600;

describe('gitClient', () => {
  let root: string;
  const pathBefore = process.env.PATH;

  beforeAll(() => {
    root = tempDir('git-client');
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    // A git that exits at once; its output comes from a child that outlives it.
    fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\n( sleep ${LATE_MS / 1000}; echo late-output ) &\nexit 0\n`, { mode: 0o755 });
    process.env.PATH = `${bin}:${pathBefore ?? ''}`;
  });

  afterAll(() => {
    process.env.PATH = pathBefore;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('returns output that arrives after git exited', async () => {
    const out = await gitClient(root, { timeoutMs: 30_000 }).raw(['cat-file', '-t', 'HEAD']);
    expect(out.trim()).toBe('late-output');
  });
});

/**
 * A remote that stops answering (a hung host): git hands the transfer to git-remote-http,
 * which shares git's output pipes. Killing git alone on the silence timeout left the helper
 * waiting on the host with the pipes open, and the fetch never ended (its push stayed
 * `preparing` until the server was restarted). The whole process group is stopped now.
 */
describe('a remote that stalls', () => {
  let root: string;
  let host: GitHttpHost;

  beforeAll(async () => {
    root = tempDir('git-stall');
    host = new GitHttpHost(path.join(root, 'remotes'));
    await host.start();
  });

  afterAll(async () => {
    await host.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Processes still running with this URL in their command line (git, git-remote-http). */
  function processesFor(url: string): string[] {
    const found: string[] = [];
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        if (cmd.includes(url)) found.push(`${pid} ${cmd}`);
      } catch {
        // Gone meanwhile.
      }
    }
    return found;
  }

  it('stops a fetch and an ls-remote that hang, leaves no git behind, and fetches once the host answers', async () => {
    const student = new StudentRepo(root, 's1');
    const commit = student.commit({ 'demo-add/solution.ts': 'export const x = 1;\n' });
    student.push();
    const url = host.url(student.bare);
    const cache = new RepoCache({ root: path.join(root, 'cache'), maxRepoBytes: 10_000_000, timeoutMs: 1_000 });

    host.stall(student.bare);
    const fetching = cache.ensureCommit({ studentId: 's1', url }, commit);
    await expect(fetching).rejects.toBeInstanceOf(RemoteUnreachableError);
    await expect(fetching).rejects.toThrow(/printed nothing for 1 s \(the remote stopped answering\)/);
    await expect(remoteHead(url, 'main', 1_000)).rejects.toThrow(/stopped answering/);
    expect(host.stalledRequests).toBeGreaterThanOrEqual(2);
    expect(processesFor(url)).toEqual([]);

    host.release(student.bare);
    await expect(remoteHead(url, 'main', 30_000)).resolves.toBe(commit);
    await expect(cache.ensureCommit({ studentId: 's1', url }, commit)).resolves.toMatchObject({ fetched: true });
  });
});
