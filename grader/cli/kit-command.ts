/** `grader kit --out DIR`: builds the students' starter repository (see grader/kit). */
import * as path from 'node:path';
import { Command } from 'commander';
import { buildKit } from '../kit/build-kit';

interface KitFlags {
  out: string;
  catalogue?: string;
}

export function registerKitCommand(program: Command): void {
  program
    .command('kit')
    .description("build the students' starter repository: solution.ts starters, statements and contracts; no reference code, no hidden tests")
    .requiredOption('-o, --out <dir>', 'the folder to create (must not exist or be empty)')
    .option('--catalogue <dir>', "a folder holding assignments/ and reference/ (default: the grader's own)")
    .action((flags: KitFlags) => {
      const outcome = buildKit({ out: flags.out, catalogueRoot: flags.catalogue !== undefined ? path.resolve(flags.catalogue) : undefined });
      process.stdout.write(`kit written to ${outcome.out}: ${outcome.manifest.assignments.length} assignments, ${outcome.files.length} files\n`);
    });
}
