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
import { tempDir } from './git-helpers';

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
