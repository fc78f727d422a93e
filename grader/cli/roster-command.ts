/**
 * `grader roster import FILE --config course.yaml`: students from a GitHub Classroom roster
 * export or a plain `name, id, repository` CSV merged into the course file's roster (see
 * grader/config/roster-import.ts). Nothing is written when any row is bad.
 */
import { Command } from 'commander';

interface ImportFlags {
  config: string;
  repoTemplate?: string;
  branch?: string;
  dryRun?: boolean;
}

export function registerRosterCommand(program: Command): void {
  const roster = program.command('roster').description("the course file's student list");
  roster
    .command('import <csv>')
    .description('add the students of a GitHub Classroom roster or a plain CSV (name, id, repository[, branch]) to the course file')
    .requiredOption('-c, --config <file>', 'the course file (YAML or JSON) whose roster is extended')
    .option('--repo-template <url>', 'Classroom rosters: each clone URL, e.g. https://github.com/ORG/nn2-{github_username}.git')
    .option('--branch <name>', 'the branch graded for every imported student (default main)')
    .option('--dry-run', 'show what would be added, write nothing')
    .addHelpText(
      'after',
      '\nStudents already in the roster are kept as they are; one listed again with another name,\n' +
        'repository or branch is a conflict to settle in the course file by hand. A bad row stops\n' +
        'the import with its line number, and the course file is then left untouched.',
    )
    .action(async (csv: string, flags: ImportFlags) => {
      const { importRoster } = await import('../config/roster-import');
      const result = importRoster(flags.config, csv, {
        ...(flags.repoTemplate !== undefined ? { repoTemplate: flags.repoTemplate } : {}),
        ...(flags.branch !== undefined ? { branch: flags.branch } : {}),
        dryRun: flags.dryRun === true,
      });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      for (const s of result.added) out(`${result.written ? 'added' : 'would add'} ${s.id}: ${s.name} <${s.repo}>${s.branch !== undefined ? ` (${s.branch})` : ''}`);
      for (const s of result.skipped) out(`skipped line ${s.line}: ${s.reason}`);
      out(
        `${result.format === 'classroom' ? 'GitHub Classroom roster' : 'CSV'}: ${result.added.length} ${result.written ? 'added' : 'new'}, ${result.unchanged.length} already in the roster, ${result.skipped.length} skipped` +
          (result.written ? `; ${flags.config} updated (restart the server to load it)` : result.added.length > 0 ? ' (dry run: nothing written)' : ''),
      );
    });
}
