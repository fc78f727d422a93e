/**
 * simple-git set up the one way the grader runs git: no prompts (a missing credential fails
 * instead of hanging), no inherited GIT_* variables, a timeout when git prints nothing, and
 * no hooks, no submodule recursion, no ext:: transport.
 *
 * Commands that talk to a remote (fetch, ls-remote) run through `runRemoteGit` instead: git
 * hands the transfer to a helper process (git-remote-http, ssh, upload-pack) that shares its
 * output pipes. When a remote stops answering, simple-git's timeout kills git alone; the
 * helper, still waiting on the remote, keeps the pipes open, the output never closes and the
 * command never ends (the push stayed `preparing` for good). runRemoteGit starts git in a
 * process group of its own and stops the whole group.
 */
import { spawn } from 'node:child_process';
import { simpleGit, type SimpleGit } from 'simple-git';

/** Config given to every git command (`-c key=value`). */
const SAFE_CONFIG = [
  'protocol.ext.allow=never',
  'core.hooksPath=/dev/null',
  'fetch.recurseSubmodules=false',
  'submodule.recurse=false',
  'credential.interactive=never',
  'gc.auto=0',
  'maintenance.auto=false',
];

const PASSED_GIT_VARIABLES = ['GIT_SSL_CAINFO', 'GIT_SSL_CAPATH', 'GIT_SSL_NO_VERIFY', 'GIT_SSH_COMMAND'];

export function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.toUpperCase().startsWith('GIT_') && !PASSED_GIT_VARIABLES.includes(k)) continue;
    if (['EDITOR', 'PAGER', 'VISUAL', 'SSH_ASKPASS'].includes(k.toUpperCase())) continue;
    env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GCM_INTERACTIVE = 'never';
  if (env.GIT_SSH_COMMAND === undefined) env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes -o ConnectTimeout=20';
  return env;
}

export interface GitClientOptions {
  /** Kill git when it has printed nothing for this long. */
  timeoutMs: number;
  abort?: AbortSignal;
}

export function gitClient(baseDir: string | undefined, options: GitClientOptions): SimpleGit {
  const git = simpleGit({
    ...(baseDir !== undefined ? { baseDir } : {}),
    config: SAFE_CONFIG,
    timeout: { block: options.timeoutMs },
    allowEnvironment: ['GIT_TERMINAL_PROMPT', ...PASSED_GIT_VARIABLES],
    // simple-git refuses protocol, hooks and ssh settings unless told; ours only restrict git.
    unsafe: { allowUnsafeProtocolOverride: true, allowUnsafeHooksPath: true, allowUnsafeSshCommand: true },
    maxConcurrentProcesses: 4,
    // A command is done when its output is closed, never "50 ms after it exited" (simple-git's
    // default): on a busy machine the process is descheduled past that delay, libuv runs the
    // timer before it reads the pipe, and the command returns empty output. `cat-file -t`
    // returned "" for a commit that was there, and a student's push failed as "not found".
    completion: { onClose: true, onExit: false },
    ...(options.abort !== undefined ? { abort: options.abort } : {}),
  });
  return git.env(gitEnv());
}

export interface RemoteGitOptions extends GitClientOptions {
  cwd?: string;
}

/** How long git and its helpers get to exit after SIGTERM, then after SIGKILL. */
const STOP_GRACE_MS = 2_000;
/** Git's error output kept for the message (the rest is read and dropped). */
const STDERR_KEEP_BYTES = 64 * 1024;

/**
 * Runs a git command that talks to a remote; resolves with its standard output once git's
 * output is closed (see gitClient). When git prints nothing for `timeoutMs`, or `abort`
 * fires, git and every helper it started are stopped (SIGTERM, so git removes its lock
 * files; SIGKILL after a grace) and the promise rejects: it always settles.
 */
export function runRemoteGit(args: string[], options: RemoteGitOptions): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('git', [...SAFE_CONFIG.flatMap((c) => ['-c', c]), ...args], {
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      env: gitEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: the group is what is stopped.
      detached: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stopped: string | undefined;
    let settled = false;
    let silence: NodeJS.Timeout | undefined;
    const timers: NodeJS.Timeout[] = [];
    const signalGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    const stop = (why: string) => {
      if (stopped !== undefined || settled) return;
      stopped = why;
      signalGroup('SIGTERM');
      timers.push(setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS));
      // A helper that left the group could still hold the pipes: stop reading them.
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, 2 * STOP_GRACE_MS),
      );
    };
    const arm = () => {
      if (silence !== undefined) clearTimeout(silence);
      silence = setTimeout(() => stop(`git ${args[0]} printed nothing for ${Math.round(options.timeoutMs / 1000)} s (the remote stopped answering) and was stopped`), options.timeoutMs);
    };
    const onAbort = () => stop(`git ${args[0]} was aborted`);
    const settle = (err: Error | undefined, out?: string) => {
      if (settled) return;
      settled = true;
      if (silence !== undefined) clearTimeout(silence);
      for (const t of timers) clearTimeout(t);
      options.abort?.removeEventListener('abort', onAbort);
      if (err !== undefined) reject(err);
      else resolve(out ?? '');
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      arm();
    });
    let stderrBytes = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      // Only the start is kept: a remote's messages are not the grader's memory to fill.
      if (stderrBytes < STDERR_KEEP_BYTES) stderr.push(chunk.subarray(0, STDERR_KEEP_BYTES - stderrBytes));
      stderrBytes += chunk.length;
      arm();
    });
    child.once('error', (err) => settle(err));
    child.once('close', (code, signal) => {
      const errText = Buffer.concat(stderr).toString('utf8').trim();
      if (stopped !== undefined) settle(new Error(errText === '' ? stopped : `${stopped}\n${errText}`));
      else if (code === 0) settle(undefined, Buffer.concat(stdout).toString('utf8'));
      else settle(new Error(errText === '' ? `git ${args[0]} exited with ${code ?? signal ?? 'an error'}` : errText));
    });
    if (options.abort?.aborted === true) onAbort();
    else options.abort?.addEventListener('abort', onAbort);
    arm();
  });
}

/** The first meaningful line(s) of a git error, without simple-git's wrapping. */
export function gitErrorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Please make sure you have the correct access rights/.test(l) && l !== 'and the repository exists.');
  return lines.slice(0, 3).join(' ').slice(0, 500);
}
