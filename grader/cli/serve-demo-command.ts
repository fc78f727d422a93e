/**
 * `grader serve-demo` (what `npm start` runs): the grading server on a demo course of three
 * sample students whose repositories are built from the assignments' examples, graded at
 * start. The demo lives in server/demo/ (server/ may import grader/, never the other way), so
 * it is loaded here by path at run time, not imported.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { CODE_ROOT } from '../paths';

interface ServeDemoFlags {
  data: string;
  fresh?: boolean;
  all?: boolean;
  light?: boolean;
  port: string;
  host: string;
}

const DemoModuleSchema = z.object({ serveDemo: z.function() });

function portNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port expects 0 to 65535 (0: any free port), got '${value}'`);
  return n;
}

export function registerServeDemoCommand(program: Command): void {
  program
    .command('serve-demo')
    .description('run the grading server on a demo course of three sample students, graded at start (npm start)')
    .option('--data <dir>', "the demo's data folder: repositories, course.yaml, secrets, database", 'demo-data')
    .option('--fresh', 'delete the data folder first and build the demo again')
    .option('--all', 'grade every assignment of every student (MNIST trainings: several minutes)')
    .option('--light', 'grade only the five quick assignments (no MNIST training)')
    .option('-p, --port <n>', 'port to listen on (0: any free port)', '3000')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .action(async (flags: ServeDemoFlags) => {
      if (flags.all === true && flags.light === true) throw new Error('--all and --light exclude each other');
      const port = portNumber(flags.port);
      const loaded: unknown = require(path.join(CODE_ROOT, 'server', 'demo', 'start-demo'));
      const parsed = DemoModuleSchema.safeParse(loaded);
      if (!parsed.success) throw new Error('server/demo/start-demo does not export serveDemo (is the build complete?)');
      await parsed.data.serveDemo({
        dataDir: path.resolve(flags.data),
        fresh: flags.fresh === true,
        scope: flags.all === true ? 'all' : flags.light === true ? 'light' : 'standard',
        port,
        host: flags.host,
      });
    });
}
