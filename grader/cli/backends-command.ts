import { Command } from 'commander';
import { availableBackends, initBackend } from '../tensors';

export function registerBackendsCommand(program: Command): void {
  program
    .command('backends')
    .description('list the tensor backends that load on this machine and the one chosen by default')
    .action(async () => {
      const found = await availableBackends();
      const chosen = await initBackend();
      process.stdout.write(`available: ${found.join(', ')}\nchosen: ${chosen}\n`);
    });
}
