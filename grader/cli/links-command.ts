/**
 * `grader links --config course.yaml [--base-url URL] [--out FILE]`: every student's personal
 * link as CSV (student_id, name, repository, branch, link), the same as the dashboard's
 * /export/links.csv. Links derive from the instructor token, so its variable must be set.
 * The CSV is made by server/pages/link-export.ts, loaded by path (grader/ never imports server/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { CODE_ROOT } from '../paths';

interface LinksFlags {
  config: string;
  baseUrl?: string;
  out?: string;
}

const LinkExportModuleSchema = z.object({
  studentLinksCsv: z.function().returns(z.string()),
});

export function registerLinksCommand(program: Command): void {
  program
    .command('links')
    .description("print every student's personal report link as CSV (to mail to the students)")
    .requiredOption('-c, --config <file>', 'the course file (YAML or JSON)')
    .option('--base-url <url>', "the server's public address (default: the course file's publicUrl; else the links are paths)")
    .option('-o, --out <file>', 'write the CSV to this file instead of stdout')
    .action(async (flags: LinksFlags) => {
      const { loadCourseConfig } = await import('../config/load-course-config');
      const config = loadCourseConfig(flags.config, { checkCatalogue: false });
      const parsed = LinkExportModuleSchema.safeParse(require(path.join(CODE_ROOT, 'server', 'pages', 'link-export')));
      if (!parsed.success) throw new Error('server/pages/link-export does not export studentLinksCsv (is the build complete?)');
      const base = flags.baseUrl ?? config.publicUrl;
      if (base !== undefined && !/^https?:\/\/[^\s?#]+$/i.test(base)) throw new Error(`--base-url expects an http(s) URL such as https://grader.example.org, got '${base}'`);
      const csv = parsed.data.studentLinksCsv(config, base);
      if (flags.out !== undefined) {
        fs.writeFileSync(flags.out, csv, { mode: 0o600 });
        process.stderr.write(`${config.roster.length} links written to ${flags.out} (they are secrets: send each only to its student)\n`);
      } else process.stdout.write(csv);
      if (base === undefined) process.stderr.write('links are paths: give --base-url or set publicUrl in the course file for full addresses\n');
    });
}
