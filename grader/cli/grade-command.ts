import * as path from 'node:path';
import { Command, Option } from 'commander';
import { formatResultText } from '../report/format-text';
import { gradeSubmission } from '../run/grade-submission';
import { resolveSandbox } from '../sandbox';
import { BACKEND_NAMES, type BackendName } from '../tensors';

interface GradeFlags {
  assignment?: string;
  submission: string;
  json?: boolean;
  backend?: BackendName;
  visibleOnly?: boolean;
  lang: 'en' | 'ru';
  catalogue?: string;
  insecureNoSandbox?: boolean;
}

export function registerGradeCommand(program: Command): void {
  program
    .command('grade')
    .description('grade a submission folder (one folder per assignment) and print the result')
    .option('-a, --assignment <id>', 'the assignment to grade (default: every assignment folder found)')
    .requiredOption('-s, --submission <dir>', 'the submission root, holding <assignment-id>/solution.ts')
    .option('--json', "print the result JSON (one object, or an array when several assignments are graded)")
    .addOption(new Option('--backend <name>', 'tensor backend').choices([...BACKEND_NAMES]))
    .option('--visible-only', 'run only the tests visible to students')
    .addOption(new Option('--lang <lang>', 'language of messages').choices(['en', 'ru']).default('en'))
    .option('--catalogue <dir>', "a folder holding assignments/ and reference/ (default: the grader's own)")
    .option('--insecure-no-sandbox', 'grade even where no OS sandbox (bubblewrap, unshare) works: only for code you trust')
    .action(async (flags: GradeFlags) => {
      // Submissions are untrusted: without OS isolation this refuses unless told otherwise.
      const sandbox = resolveSandbox({ require: true, allowInsecure: flags.insecureNoSandbox === true });
      if (sandbox.warning !== undefined) process.stderr.write(`grader: ${sandbox.warning}\n`);
      const results = await gradeSubmission({
        launcher: sandbox.launcher,
        submissionDir: path.resolve(flags.submission),
        assignmentIds: flags.assignment !== undefined ? [flags.assignment] : undefined,
        backend: flags.backend,
        visibleOnly: flags.visibleOnly,
        lang: flags.lang,
        catalogueRoot: flags.catalogue !== undefined ? path.resolve(flags.catalogue) : undefined,
      });
      if (flags.json) {
        const payload = flags.assignment !== undefined ? results[0] : results.length === 1 ? results[0] : results;
        process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
      } else {
        const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
        process.stdout.write(`${results.map((r) => formatResultText(r, { color })).join('\n\n')}\n`);
      }
    });
}
