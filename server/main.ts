/**
 * The server's entry point: read the course config, open the store, start grading, listen.
 * `grader serve` calls startServer; `node dist/server/main.js --config FILE` works too.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { loadCourseConfig } from '../grader/config/load-course-config';
import { GradingService, type ExecutionMode } from '../grader/queue/grading-service';
import { formatServiceEvent } from '../grader/queue/service-log';
import { Poller } from '../grader/repo/poller';
import { resolveSandbox } from '../grader/sandbox/resolve-sandbox';
import { openDatabase } from '../grader/store/database';
import { GradeStore } from '../grader/store/grade-store';
import { createApp } from './app';
import { CommitStatuses } from './commit-status/commit-statuses';
import { startupSummary } from './startup-summary';

export interface ServeOptions {
  configFile: string;
  port?: number;
  host?: string;
  /** Poll every student's branch this often (plain git hosts). */
  pollSeconds?: number;
  redisUrl?: string;
  redisPrefix?: string;
  concurrency?: number;
  insecureNoSandbox?: boolean;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  service: GradingService;
  /** Present when the course posts commit statuses. */
  statuses?: CommitStatuses;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const config = loadCourseConfig(options.configFile, options.concurrency !== undefined ? { concurrency: options.concurrency } : {});
  // Refuse at once (not at the first push) when student code could not be isolated here.
  const sandbox = resolveSandbox({ require: true, allowInsecure: options.insecureNoSandbox ?? false });
  if (sandbox.warning !== undefined) log(sandbox.warning);
  const db = openDatabase(config.databaseFile);
  const store = new GradeStore(db);
  const mode: ExecutionMode =
    options.redisUrl !== undefined ? { kind: 'redis', url: options.redisUrl, ...(options.redisPrefix !== undefined ? { prefix: options.redisPrefix } : {}) } : { kind: 'local' };
  const service = new GradingService({ config, store, mode, insecureNoSandbox: options.insecureNoSandbox ?? false, log: (e) => log(formatServiceEvent(e)) });
  // Before start: work picked up again after a restart gets its statuses too.
  const statuses = config.commitStatus !== undefined ? new CommitStatuses({ config, service, log }).start() : undefined;
  await service.start();

  let poller: Poller | undefined;
  if (options.pollSeconds !== undefined) {
    poller = new Poller({
      config,
      store,
      onHead: (student, commit) => service.receivePush({ studentId: student.id, commit, branch: student.branch, source: 'poll' }),
    });
    poller.start(options.pollSeconds * 1000, (round) => {
      for (const e of round.errors) log(`poll ${e.studentId}: ${e.error}`);
    });
  }

  const app = createApp(config, { service, logError: log });
  const server = app.listen(options.port ?? 3000, options.host ?? '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    // A port in use: stop what was started, so the process can exit with the error.
    await poller?.stop();
    await service.stop();
    statuses?.stop();
    db.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const statusTarget = config.commitStatus !== undefined ? `; commit statuses to ${config.commitStatus.provider} at ${config.commitStatus.apiUrl}` : '';
  const grading = `${mode.kind === 'redis' ? `grading through Redis ${mode.url}` : `grading here, ${config.concurrency} at once, sandbox ${sandbox.mode}`}${statusTarget}`;
  const summary = startupSummary(config, { url, grading, ...(options.pollSeconds !== undefined ? { pollSeconds: options.pollSeconds } : {}) });
  for (const line of [...summary.lines, ...summary.warnings]) log(line);

  return {
    url,
    port,
    service,
    ...(statuses !== undefined ? { statuses } : {}),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await poller?.stop();
      await service.stop();
      statuses?.stop();
      db.close();
    },
  };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      poll: { type: 'string' },
      redis: { type: 'string' },
      'insecure-no-sandbox': { type: 'boolean' },
    },
  });
  if (values.config === undefined) {
    process.stderr.write('usage: node dist/server/main.js --config course.yaml [--port N] [--poll S] [--redis URL]\n');
    process.exit(2);
  }
  startServer({
    configFile: values.config,
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.poll !== undefined ? { pollSeconds: Number(values.poll) } : {}),
    ...(values.redis !== undefined ? { redisUrl: values.redis } : {}),
    insecureNoSandbox: values['insecure-no-sandbox'] === true,
  }).then(
    (running) => {
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
