/**
 * How a runner process is launched: the contract between the runner client (which spawns
 * and watches the process) and an isolation layer (grader/sandbox), which wraps the node
 * command line in bubblewrap, unshare, rlimits and Node's permission model.
 *
 * A launcher gets the plain node command line and a description of what the runner needs
 * (the node binary, the runner script, the submission's bundle and the assignment's probes)
 * and returns what to spawn. It may move files to other paths inside its sandbox: the
 * runner is then told those paths in its init message.
 */

export interface LaunchRequest {
  /** The node binary (the grader's own, process.execPath). */
  nodePath: string;
  /** V8 and Node flags the runner needs whatever the sandbox (heap cap, stack size). */
  nodeArgs: string[];
  /** The runner's entry script (dist/grader/runner/runner-main.js). */
  script: string;
  /** The compiled submission (one CommonJS file). */
  bundlePath: string;
  /** The assignment's compiled probes, if any. */
  probesPath: string | null;
  /** The tensor backend the runner will load (the tensorflow one needs native addons). */
  backend: string;
  /** The V8 heap cap, MiB (memory limits are derived from it). */
  heapMb: number;
}

export interface LaunchPlan {
  command: string;
  args: string[];
  /** The spawned command's environment (the runner client's minimal one when absent). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the spawned command. */
  cwd?: string;
  /** The bundle's path as the runner sees it; default: the request's. */
  bundlePath?: string;
  /** The probes' path as the runner sees it; default: the request's. */
  probesPath?: string | null;
  /**
   * Open file descriptors handed to the spawned command as fds 4, 5, … (after stdin,
   * stdout, stderr and the IPC channel on fd 3). The client closes its copies once spawned.
   */
  extraFds?: number[];
  /** The resident memory of the runner's whole process tree is kept under this (MiB). */
  memoryLimitMb?: number;
  /**
   * Removes temporary files of the launch. Called once, as soon as the runner has loaded
   * the submission (or failed to), or is gone.
   */
  cleanup?: () => void;
}

/**
 * Wraps the node command line. The second argument describes what the runner needs; a
 * launcher that only wraps the command line (the original signature) may ignore it.
 */
export type Launcher = (nodeCommand: string[], request: LaunchRequest) => LaunchPlan;

/** The file descriptor on which a runner finds its IPC channel (stdio index 3). */
export const IPC_FD = 3;
/** The first of LaunchPlan.extraFds in the spawned process. */
export const FIRST_EXTRA_FD = 4;
