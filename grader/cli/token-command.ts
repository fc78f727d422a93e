/**
 * `grader token add|list|revoke --config course.yaml`: personal instructor and TA tokens
 * (grader/store/staff-tokens.ts). A running server sees changes at once: a revoked token's
 * sessions end at their next request.
 */
import { Command } from 'commander';
import type { CourseConfig } from '../config/course-config-schema';
import type { StaffTokens } from '../store/staff-tokens';

interface ConfigFlag {
  config: string;
}

async function withTokens<T>(flags: ConfigFlag, use: (tokens: StaffTokens, config: CourseConfig) => T): Promise<T> {
  const { loadCourseConfig } = await import('../config/load-course-config');
  const { openDatabase } = await import('../store/database');
  const { StaffTokens: Tokens } = await import('../store/staff-tokens');
  const config = loadCourseConfig(flags.config, { checkCatalogue: false });
  const db = openDatabase(config.databaseFile);
  try {
    return use(new Tokens(db), config);
  } finally {
    db.close();
  }
}

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('personal instructor and TA tokens: each person signs in with their own, revocable alone');
  token
    .command('add <name>')
    .description('issue a token for a person (printed once; only its hash is kept)')
    .requiredOption('-c, --config <file>', 'the course file (YAML or JSON)')
    .option('--role <role>', 'instructor or ta (recorded and listed; both may do everything on the dashboard)', 'instructor')
    .action(async (name: string, flags: ConfigFlag & { role: string }) => {
      if (flags.role !== 'instructor' && flags.role !== 'ta') throw new Error(`--role expects instructor or ta, got '${flags.role}'`);
      const role = flags.role;
      await withTokens(flags, (tokens, config) => {
        const { token: value, row } = tokens.issue(name, role, Date.now());
        process.stdout.write(`${value}\n`);
        process.stderr.write(
          `token ${row.id} for ${row.name} (${row.role}) in course ${config.course}: give it to them privately; it is not shown again.\n` +
            `They sign in with it at /signin, or call the APIs with Authorization: Bearer <token>. Revoke: grader token revoke '${row.name}'\n`,
        );
      });
    });
  token
    .command('list')
    .description('every token issued: who, role, when issued, last used, revoked')
    .requiredOption('-c, --config <file>', 'the course file (YAML or JSON)')
    .action(async (flags: ConfigFlag) => {
      await withTokens(flags, (tokens, config) => {
        const rows = tokens.list();
        process.stdout.write(`${['id', 'name', 'role', 'issued', 'last used', 'revoked'].join('\t')}\n`);
        for (const r of rows) process.stdout.write(`${[r.id, r.name, r.role, when(r.created_at), when(r.last_used_at), when(r.revoked_at)].join('\t')}\n`);
        process.stderr.write(`shared token (${config.secrets.instructorToken.source}): ${config.legacySharedToken ? 'signs in (legacySharedToken: true)' : 'does not sign in (legacySharedToken: false)'}\n`);
      });
    });
  token
    .command('revoke <name-or-id>')
    .description("revoke one person's token; their sessions end at their next request")
    .requiredOption('-c, --config <file>', 'the course file (YAML or JSON)')
    .action(async (nameOrId: string, flags: ConfigFlag) => {
      await withTokens(flags, (tokens) => {
        const row = tokens.revoke(nameOrId, Date.now());
        process.stdout.write(`revoked token ${row.id} of ${row.name} (${row.role})\n`);
      });
    });
}
