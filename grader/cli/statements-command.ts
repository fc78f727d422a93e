/**
 * `grader statements [--check]`: rewrites the grading table of every assignment's statements
 * (README.md, README.ru.md) from its spec, or with --check only reports the stale ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { discoverAssignments } from '../spec/discover';
import { MissingTableMarkersError, TABLE_BEGIN, TABLE_END, withGradingTable } from '../spec/grading-table';

const STATEMENTS = [
  { file: 'README.md', lang: 'en' },
  { file: 'README.ru.md', lang: 'ru' },
] as const;

export function registerStatementsCommand(program: Command): void {
  program
    .command('statements')
    .description("render each statement's grading table (tests, points, requirements) from its spec")
    .option('--check', 'change nothing; exit 1 when a statement is out of date')
    .action((opts: { check?: boolean }) => {
      const { assignments, broken } = discoverAssignments();
      const stale: string[] = [];
      const unmarked: string[] = [];
      for (const b of broken) process.stderr.write(`skipped ${b.id}: ${b.error}\n`);
      for (const assignment of assignments) {
        for (const { file, lang } of STATEMENTS) {
          const where = path.join(assignment.dir, file);
          if (!fs.existsSync(where)) continue;
          const before = fs.readFileSync(where, 'utf8');
          let after: string;
          try {
            after = withGradingTable(before, assignment.spec, lang, `${assignment.id}/${file}`);
          } catch (err) {
            if (!(err instanceof MissingTableMarkersError)) throw err;
            unmarked.push(`${assignment.id}/${file}`);
            continue;
          }
          if (after === before) continue;
          stale.push(`${assignment.id}/${file}`);
          if (opts.check !== true) fs.writeFileSync(where, after);
        }
      }
      const verb = opts.check === true ? 'out of date' : 'rewritten';
      process.stdout.write(stale.length === 0 ? 'every statement is up to date\n' : `${verb}: ${stale.join(', ')}\n`);
      if (unmarked.length > 0) {
        process.stderr.write(`no grading-table markers (left as they are): ${unmarked.join(', ')}\nput these two lines where the table belongs:\n${TABLE_BEGIN}\n${TABLE_END}\n`);
        process.exitCode = 1;
      }
      if (opts.check === true && stale.length > 0) process.exitCode = 1;
      if (broken.length > 0) process.exitCode = 2;
    });
}
