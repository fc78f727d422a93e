/**
 * The `grader` command of a student kit (bundled into the kit's .grader/dist/cli.js):
 *
 *   grader check [assignment]   the visible tests on the working copy (see check-command.ts)
 *   grader list [--json]        the assignments and their visible tests
 *   grader hook install         makes git run `grader check` before every push
 *
 * There is no grade, serve or kit here: the kit carries no reference and no hidden test.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { hooksInstalled, registerCheckCommand } from '../../cli/check-command';
import { discoverAssignments } from './kit-discover';
import { trackGradeEvent } from './replay';
import { GRADER_VERSION } from '../../version';

/** The file at the root of every kit (its manifest): the working copy is where it is. */
export const KIT_MARKER = 'kit.json';

function hookHint(dir: string): string | undefined {
  if (!fs.existsSync(path.join(dir, '.githooks', 'pre-push'))) return undefined;
  return hooksInstalled(dir) === false ? 'Tip: `npm run install-hook` (or `npx grader hook install`) makes git run this check before every push.\n' : undefined;
}

function registerList(program: Command): void {
  program
    .command('list')
    .description('the assignments of this kit and their visible tests')
    .option('--json', 'as JSON')
    .action((flags: { json?: boolean }) => {
      const { assignments, broken } = discoverAssignments();
      const list = assignments.map((a) => ({
        id: a.id,
        title: a.spec.title,
        tests: a.spec.tests.map((t) => ({ name: t.name, points: t.points, visibility: t.visibility })),
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ grader_version: GRADER_VERSION, assignments: list, broken }, null, 2)}\n`);
        return;
      }
      for (const a of list) {
        process.stdout.write(`${a.id}: ${a.title}\n`);
        for (const t of a.tests) process.stdout.write(`  ${t.points} pt  ${t.name}\n`);
      }
      for (const b of broken) process.stdout.write(`${b.id}: broken (${b.error})\n`);
    });
}

function registerHook(program: Command): void {
  const hook = program.command('hook').description("git's pre-push hook");
  hook
    .command('install')
    .description('make git run `grader check` before every push (git config core.hooksPath .githooks)')
    .action(() => {
      const run = spawnSync('git', ['config', 'core.hooksPath', '.githooks'], { encoding: 'utf8' });
      if (run.status !== 0) {
        process.stderr.write(`grader hook install: ${run.error?.message ?? run.stderr.trim()} (is this folder a git repository?)\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write('git now runs `grader check` before every push (skip it once with `git push --no-verify`).\n');
    });
}

export function buildKitProgram(): Command {
  const program = new Command();
  program
    .name('grader')
    .description('The course\'s grader as a student kit: check your solutions on the visible tests')
    .version(GRADER_VERSION)
    .showHelpAfterError();
  registerCheckCommand(program, { marker: KIT_MARKER, onEvent: trackGradeEvent, hookHint });
  registerList(program);
  registerHook(program);
  return program;
}

export function main(argv: string[] = process.argv): void {
  buildKitProgram()
    .parseAsync(argv)
    .catch((err: unknown) => {
      process.stderr.write(`grader: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    });
}
