/**
 * `grader backup --config course.yaml --to FILE`: a consistent copy of the live store while
 * the server runs (SQLite's online backup API; see grader/store/backup.ts).
 */
import * as path from 'node:path';
import { Command } from 'commander';

interface BackupFlags {
  to: string;
  config?: string;
  db?: string;
  force?: boolean;
}

export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('copy the grading store (SQLite) to a file while the server keeps running')
    .requiredOption('--to <file>', 'the backup file to write (refused if it exists, unless --force)')
    .option('-c, --config <file>', "the course file: back up its dataDir's grader.sqlite")
    .option('--db <file>', 'the SQLite file to back up (instead of --config)')
    .option('--force', 'replace an existing backup file')
    .action(async (flags: BackupFlags) => {
      if ((flags.config === undefined) === (flags.db === undefined)) throw new Error('give either --config (the course file) or --db (the SQLite file)');
      let source = flags.db;
      if (flags.config !== undefined) {
        const { loadCourseConfig } = await import('../config/load-course-config');
        source = loadCourseConfig(flags.config, { checkCatalogue: false }).databaseFile;
      }
      const { backupDatabase } = await import('../store/backup');
      const report = await backupDatabase(path.resolve(source ?? ''), flags.to, { overwrite: flags.force === true });
      const r = report.rows;
      process.stdout.write(
        `backed up ${report.source} to ${report.target}: ${(report.bytes / 1024).toFixed(0)} KiB, schema version ${report.schemaVersion}, ` +
          `${r.submissions ?? 0} pushes, ${r.jobs ?? 0} jobs, ${r.results ?? 0} results; integrity checked, ${report.durationMs} ms\n`,
      );
    });
}
