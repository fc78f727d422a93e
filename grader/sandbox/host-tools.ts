/**
 * The isolation tools this machine has: bubblewrap, util-linux's unshare, prlimit and
 * setpriv. Found by absolute path (the grader never relies on a PATH lookup at spawn time).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface HostTools {
  bwrap?: { path: string; version: string; disableUserns: boolean };
  unshare?: string;
  prlimit?: string;
  setpriv?: string;
  /** A POSIX shell, for ulimit where prlimit is missing. */
  sh?: string;
}

const SEARCH = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

function findTool(name: string): string | undefined {
  const dirs = [...SEARCH, ...(process.env.PATH ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d))];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function bwrapInfo(bwrapPath: string): HostTools['bwrap'] {
  const version = spawnSync(bwrapPath, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  const help = spawnSync(bwrapPath, ['--help'], { encoding: 'utf8', timeout: 5_000 });
  return {
    path: bwrapPath,
    version: (version.stdout ?? '').trim() || 'unknown version',
    disableUserns: `${help.stdout ?? ''}${help.stderr ?? ''}`.includes('--disable-userns'),
  };
}

export function findHostTools(): HostTools {
  if (process.platform !== 'linux') {
    const sh = findTool('sh');
    return sh !== undefined ? { sh } : {};
  }
  const tools: HostTools = {};
  const bwrap = findTool('bwrap');
  if (bwrap !== undefined) tools.bwrap = bwrapInfo(bwrap);
  tools.unshare = findTool('unshare');
  tools.prlimit = findTool('prlimit');
  tools.setpriv = findTool('setpriv');
  tools.sh = findTool('sh');
  return tools;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
