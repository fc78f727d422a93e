#!/usr/bin/env node
/** The `grader` command. Each subcommand lives in its own file beside this one. */
import { Command } from 'commander';
import { registerBackendsCommand } from './backends-command';
import { registerBackupCommand } from './backup-command';
import { registerCheckCommand } from './check-command';
import { registerDemoCommand } from './demo-command';
import { registerDoctorCommand } from './doctor-command';
import { registerGradeCommand } from './grade-command';
import { registerKitCommand } from './kit-command';
import { registerLinksCommand } from './links-command';
import { registerPollCommand } from './poll-command';
import { registerRosterCommand } from './roster-command';
import { registerServeCommand } from './serve-command';
import { registerServeDemoCommand } from './serve-demo-command';
import { registerStatementsCommand } from './statements-command';
import { registerTokenCommand } from './token-command';
import { registerWorkerCommand } from './worker-command';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('grader')
    .description('Autograder for the lecture "Neural networks, part 2" (PyTorch → TensorFlow.js)')
    .showHelpAfterError();
  registerGradeCommand(program);
  registerCheckCommand(program);
  registerKitCommand(program);
  registerDemoCommand(program);
  registerBackendsCommand(program);
  registerDoctorCommand(program);
  registerServeCommand(program);
  registerServeDemoCommand(program);
  registerWorkerCommand(program);
  registerPollCommand(program);
  registerStatementsCommand(program);
  registerLinksCommand(program);
  registerRosterCommand(program);
  registerBackupCommand(program);
  registerTokenCommand(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`grader: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    });
}
