/**
 * `grader worker --redis URL`: grades jobs from BullMQ on any machine and sends the results
 * back for the server to store. Prints one JSON line per job event on stdout.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { BACKEND_NAMES, type BackendName } from '../tensors/backend';

interface WorkerFlags {
  redis: string;
  prefix?: string;
  concurrency?: string;
  dataDir?: string;
  catalogue?: string;
  datasetDir?: string;
  backend?: BackendName;
  name?: string;
  maxRepoMb: string;
  maxFolderKb: string;
  lockSeconds: string;
  stalledSeconds: string;
  insecureNoSandbox?: boolean;
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} expects a positive number, got '${value}'`);
  return n;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('grade jobs from the server through Redis (BullMQ); run any number, on any machine')
    .requiredOption('--redis <url>', 'the Redis the server uses, e.g. redis://host:6379')
    .option('--prefix <prefix>', "key prefix of the BullMQ queues (as the server's; default: the server's default)")
    .option('--concurrency <n>', 'jobs graded at once (default: the number of cores)')
    .option('--data-dir <dir>', 'repository caches and work folders (one per worker process)')
    .option('--catalogue <dir>', "a folder holding assignments/ and reference/ (default: the grader's own)")
    .option('--dataset-dir <dir>', 'a folder with the MNIST IDX files')
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKEND_NAMES]))
    .option('--name <name>', 'recorded with every result (default host:pid)')
    .option('--max-repo-mb <n>', 'the most one fetch may bring', '100')
    .option('--max-folder-kb <n>', 'the most of one assignment folder exported for grading', '2048')
    .option('--lock-seconds <n>', "a dead worker's job is taken over after this long", '60')
    .option('--stalled-seconds <n>', 'how often to look for jobs of dead workers', '30')
    .option('--insecure-no-sandbox', 'run student code without the OS sandbox (development only)')
    .action(async (flags: WorkerFlags) => {
      // Loaded here, not at the top: BullMQ and its Redis client cost every other command
      // a third of a second of start-up.
      const { GradeChildPool, gradingEnv } = await import('../queue/grade-child');
      const { startRedisWorker } = await import('../queue/redis-worker');
      const { RepoCache } = await import('../repo/repo-cache');
      const { resolveSandbox } = await import('../sandbox/resolve-sandbox');
      const { DEFAULT_PREFIX } = await import('../queue/redis-messages');
      const name = flags.name ?? `${os.hostname()}:${process.pid}`;
      const dataDir = path.resolve(flags.dataDir ?? path.join(os.tmpdir(), `nn2-grader-worker-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`));
      const concurrency = flags.concurrency !== undefined ? Math.floor(positive('--concurrency', flags.concurrency)) : os.availableParallelism();
      const out = (value: object) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), worker: name, ...value })}\n`);
      // Refuse at once when student code could not be isolated on this machine.
      const sandbox = resolveSandbox({ require: true, allowInsecure: flags.insecureNoSandbox === true });
      if (sandbox.warning !== undefined) process.stderr.write(`grader: ${sandbox.warning}\n`);
      const grader = new GradeChildPool({
        env: gradingEnv({ secretVariables: [], ...(flags.datasetDir !== undefined ? { datasetDir: path.resolve(flags.datasetDir) } : {}) }),
        maxIdle: concurrency,
      });
      const worker = await startRedisWorker({
        url: flags.redis,
        prefix: flags.prefix ?? DEFAULT_PREFIX,
        name,
        concurrency,
        lockDurationMs: positive('--lock-seconds', flags.lockSeconds) * 1000,
        stalledIntervalMs: positive('--stalled-seconds', flags.stalledSeconds) * 1000,
        context: {
          repos: new RepoCache({ root: path.join(dataDir, 'repos'), maxRepoBytes: positive('--max-repo-mb', flags.maxRepoMb) * 1024 * 1024, timeoutMs: 120_000 }),
          workRoot: path.join(dataDir, 'work'),
          maxFolderBytes: positive('--max-folder-kb', flags.maxFolderKb) * 1024,
          insecureNoSandbox: flags.insecureNoSandbox === true,
          grader,
          gradeTimeoutMs: 60 * 60_000,
          ...(flags.catalogue !== undefined ? { catalogueRoot: path.resolve(flags.catalogue) } : {}),
          ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
        },
        log: (event) => out(event),
      });
      grader.warm(concurrency);
      out({ type: 'ready', concurrency, dataDir, sandbox: sandbox.mode });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      out({ type: 'stopping' });
      // A second signal stops at once (the jobs in hand are then taken over by other workers).
      const force = () => process.exit(130);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      await worker.close();
      await grader.close();
    });
}
