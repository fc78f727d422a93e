import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { formatResultText } from '../report/format-text';
import { gradeAssignment } from '../run/grade-assignment';
import { discoverAssignments } from '../spec/discover';
import { listExamples } from '../spec/examples';
import { countEn } from '../util/plural';

/**
 * `grader demo`: grades one example submission of every assignment (the correct one by
 * default) on the embedded defaults, to show the grader working end to end on a fresh clone.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description("grade every assignment's example submission (default: the correct one) and print the results")
    .option('-e, --example <name>', 'which example of each assignment to grade', 'correct')
    .option('--json', 'print the result JSON array')
    .action(async (flags: { example: string; json?: boolean }) => {
      const { assignments, broken } = discoverAssignments();
      for (const b of broken) process.stderr.write(`grader: assignment ${b.id} is broken: ${b.error}\n`);
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'grader-demo-'));
      try {
        const results = [];
        for (const assignment of assignments) {
          const example = listExamples(assignment).find((e) => e.name === flags.example);
          if (example === undefined) continue;
          const target = path.join(root, assignment.id);
          fs.mkdirSync(target);
          for (const file of fs.readdirSync(example.dir)) {
            if (file !== 'expected.json') fs.copyFileSync(path.join(example.dir, file), path.join(target, file));
          }
          const result = await gradeAssignment({ assignment, submissionDir: root });
          results.push(result);
          if (!flags.json) process.stdout.write(`${formatResultText(result, { color: process.stdout.isTTY === true })}\n\n`);
        }
        if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        else {
          const total = results.reduce((s, r) => s + r.score, 0);
          const max = results.reduce((s, r) => s + r.max_score, 0);
          process.stdout.write(`demo: ${countEn(results.length, 'assignment', 'assignments')} graded, ${total}/${max} points for the '${flags.example}' examples\n`);
        }
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
}
