/**
 * `grader poll --config course.yaml`: one polling round over the roster (`git ls-remote`),
 * recording every new head as a push in the store; a running server picks them up. For
 * cron on plain git hosts; `grader serve --poll S` does the same continuously.
 */
import { Command } from 'commander';

interface PollFlags {
  config: string;
  json?: boolean;
}

export function registerPollCommand(program: Command): void {
  program
    .command('poll')
    .description("check every student's branch once and record new commits for grading")
    .requiredOption('-c, --config <file>', 'the course file (YAML or JSON)')
    .option('--json', 'print the round as JSON')
    .action(async (flags: PollFlags) => {
      // Loaded here, not at the top, to keep the other commands' start-up short.
      const { loadCourseConfig } = await import('../config/load-course-config');
      const { Poller } = await import('../repo/poller');
      const { openDatabase } = await import('../store/database');
      const { GradeStore } = await import('../store/grade-store');
      const config = loadCourseConfig(flags.config, { checkCatalogue: false });
      const db = openDatabase(config.databaseFile);
      try {
        const store = new GradeStore(db);
        const recorded: Array<{ studentId: string; commit: string; duplicate: boolean }> = [];
        const poller = new Poller({
          config,
          store,
          onHead: (student, commit) => {
            const r = store.recordSubmission({ studentId: student.id, commit, branch: student.branch, source: 'poll', receivedAt: Date.now() });
            recorded.push({ studentId: student.id, commit, duplicate: r.duplicate });
          },
        });
        const round = await poller.pollOnce();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...round, recorded }, null, 2)}\n`);
        } else {
          for (const r of recorded) process.stdout.write(`${r.studentId}: ${r.commit.slice(0, 12)}${r.duplicate ? ' (already known)' : ' recorded'}\n`);
          for (const id of round.deleted) process.stdout.write(`${id}: branch deleted\n`);
          for (const e of round.errors) process.stdout.write(`${e.studentId}: ${e.error}\n`);
          process.stdout.write(`${round.checked} checked, ${recorded.filter((r) => !r.duplicate).length} new, ${round.errors.length} unreachable\n`);
        }
        if (round.errors.length > 0) process.exitCode = 1;
      } finally {
        db.close();
      }
    });
}
