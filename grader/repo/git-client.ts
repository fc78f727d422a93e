/**
 * simple-git set up the one way the grader runs git: no prompts (a missing credential fails
 * instead of hanging), no inherited GIT_* variables, a timeout when git prints nothing, and
 * no hooks, no submodule recursion, no ext:: transport.
 */
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

/** The first meaningful line(s) of a git error, without simple-git's wrapping. */
export function gitErrorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Please make sure you have the correct access rights/.test(l) && l !== 'and the repository exists.');
  return lines.slice(0, 3).join(' ').slice(0, 500);
}
