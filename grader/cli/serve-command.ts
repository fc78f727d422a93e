/**
 * `grader serve`: the grading server. The server lives in server/ (which may import grader/,
 * never the other way), so it is loaded here by path at run time, not imported.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { CODE_ROOT } from '../paths';

interface ServeFlags {
  config: string;
  port?: string;
  host?: string;
  poll?: string;
  redis?: string;
  redisPrefix?: string;
  concurrency?: string;
  insecureNoSandbox?: boolean;
}

const ServerModuleSchema = z.object({
  startServer: z.function().returns(z.promise(z.object({ url: z.string(), close: z.function().returns(z.promise(z.void())) }))),
});

function portNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port expects 0 to 65535 (0: any free port), got '${value}'`);
  return n;
}

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} expects a positive number, got '${value}'`);
  return n;
}

/** What `grader serve --help` says about the environment (the course file names the secrets' variables). */
export const SERVE_ENVIRONMENT_HELP = `
Environment variables (secrets are never in the course file; it names their variables):
  the course file's secrets.webhookSecretEnv      required: the webhook secret (at least 16 characters),
                                                  e.g. NN2_WEBHOOK_SECRET
  the course file's secrets.instructorTokenEnv    required: the shared instructor token (at least 16
                                                  characters), e.g. NN2_INSTRUCTOR_TOKEN; sessions and
                                                  student links derive from it
  the course file's secrets.hiddenInputsSecretEnv optional: the key of hidden tests' inputs
  GRADER_BACKEND      optional: tensorflow | wasm | cpu (else the course file's backend, else the best)
  GRADER_SANDBOX      optional: bwrap | unshare | none, forces a sandbox mode
  GRADER_MNIST_DIR    optional: a folder with the MNIST IDX files
  GIT_SSH_COMMAND     optional: how git reaches private repositories over SSH, e.g.
                      "ssh -i /etc/grader/deploy_key -o IdentitiesOnly=yes"
Example:
  NN2_WEBHOOK_SECRET=... NN2_INSTRUCTOR_TOKEN=... grader serve --config course.yaml --poll 60
`;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the grading server: webhooks (and polling) in, graded results stored')
    .requiredOption('-c, --config <file>', 'the course file (YAML or JSON)')
    .option('-p, --port <n>', 'port to listen on', '3000')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--poll <seconds>', "also poll every student's branch this often (plain git hosts)")
    .option('--redis <url>', 'grade through BullMQ workers on Redis (grader worker) instead of here')
    .option('--redis-prefix <prefix>', 'key prefix of the BullMQ queues')
    .option('--concurrency <n>', "jobs graded at once here (default: the course file's, else the number of cores)")
    .option('--insecure-no-sandbox', 'run student code without the OS sandbox (development only)')
    .addHelpText('after', SERVE_ENVIRONMENT_HELP)
    .action(async (flags: ServeFlags) => {
      const loaded: unknown = require(path.join(CODE_ROOT, 'server', 'main'));
      const parsed = ServerModuleSchema.safeParse(loaded);
      if (!parsed.success) throw new Error('server/main does not export startServer (is the build complete?)');
      const port = portNumber(flags.port);
      const poll = positiveNumber('--poll', flags.poll);
      const concurrency = positiveNumber('--concurrency', flags.concurrency);
      const running = await parsed.data.startServer({
        configFile: path.resolve(flags.config),
        ...(port !== undefined ? { port } : {}),
        ...(flags.host !== undefined ? { host: flags.host } : {}),
        ...(poll !== undefined ? { pollSeconds: poll } : {}),
        ...(flags.redis !== undefined ? { redisUrl: flags.redis } : {}),
        ...(flags.redisPrefix !== undefined ? { redisPrefix: flags.redisPrefix } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        insecureNoSandbox: flags.insecureNoSandbox === true,
      });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stderr.write('stopping: jobs being graded go back to the queue\n');
      await running.close();
    });
}
