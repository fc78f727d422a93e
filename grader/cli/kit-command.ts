/** `grader kit --out DIR`: builds the students' starter repository with its own grader (see grader/kit). */
import * as path from 'node:path';
import { Command } from 'commander';
import { buildKit } from '../kit/build-kit';

interface KitFlags {
  out: string;
  catalogue?: string;
  quiet?: boolean;
  only?: string;
}

export function registerKitCommand(program: Command): void {
  program
    .command('kit')
    .description("build the students' starter repository: solution.ts starters, statements, contracts and a grader for the visible tests; no reference code, no hidden tests")
    .requiredOption('-o, --out <dir>', 'the folder to create (must not exist or be empty)')
    .option('--catalogue <dir>', "a folder holding assignments/ and reference/ (default: the grader's own)")
    .option('--only <ids>', 'only these assignments (comma-separated ids)')
    .option('-q, --quiet', 'no progress lines')
    .action(async (flags: KitFlags) => {
      const started = Date.now();
      const outcome = await buildKit({
        out: flags.out,
        catalogueRoot: flags.catalogue !== undefined ? path.resolve(flags.catalogue) : undefined,
        log: flags.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        only: flags.only?.split(',').map((id) => id.trim()).filter((id) => id !== ''),
      });
      process.stdout.write(
        `kit written to ${outcome.out}: ${outcome.manifest.assignments.length} assignments, ${outcome.files.length} files, in ${((Date.now() - started) / 1000).toFixed(0)} s\n` +
          `next: cd ${path.relative(process.cwd(), outcome.out) || '.'} && npm install && npx grader check\n`,
      );
    });
}
