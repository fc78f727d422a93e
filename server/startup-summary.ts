/**
 * What `grader serve` prints once it listens: the course, its size, how pushes arrive
 * (webhook URLs, polling), a warning when a repository on this machine would never be
 * graded (no host sends webhooks for a path and polling is off), and where the students'
 * links are. A pure function of the configuration, so it is tested without a server.
 */
import type { CourseConfig } from '../grader/config/course-config-schema';
import { LINKS_EXPORT_PATH } from './pages/link-export';
import { PROVIDERS } from './webhooks/providers';

export interface StartupFacts {
  /** The address the server listens on. */
  url: string;
  pollSeconds?: number;
  /** 'grading here, 2 at once, sandbox bwrap' or 'grading through Redis ...'. */
  grading: string;
}

export interface StartupSummary {
  lines: string[];
  warnings: string[];
}

function listed(ids: readonly string[], max = 5): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

export function startupSummary(config: CourseConfig, facts: StartupFacts): StartupSummary {
  const base = config.publicUrl ?? facts.url;
  const enabled = config.assignments.filter((a) => a.enabled).map((a) => a.id);
  const disabled = config.assignments.filter((a) => !a.enabled).map((a) => a.id);
  const lines: string[] = [];
  const warnings: string[] = [];
  lines.push(
    `course ${config.course}${config.title !== undefined ? ` (${config.title})` : ''}: ${config.roster.length} student${config.roster.length === 1 ? '' : 's'}, ` +
      `${enabled.length} assignment${enabled.length === 1 ? '' : 's'} graded (${enabled.join(', ') || 'none'})${disabled.length > 0 ? `, ${disabled.length} disabled (${disabled.join(', ')})` : ''}`,
  );
  lines.push(`${facts.grading}${config.publicUrl !== undefined ? `; public address ${config.publicUrl}` : ''}; listening on ${facts.url}`);
  const hosts = Object.keys(PROVIDERS).map((p) => `${base}/webhooks/${p}`);
  lines.push(`pushes by webhook: ${base}/webhooks (host detected from the headers) or ${hosts.join(', ')}; push events, JSON, secret: the value of $${config.secrets.webhookSecret.source}`);
  if (facts.pollSeconds !== undefined) lines.push(`pushes by polling: every student's branch every ${facts.pollSeconds} s`);
  else lines.push('no polling (start with --poll SECONDS for plain git hosts, or run `grader poll` from cron)');
  const local = config.roster.filter((s) => s.repoKey.startsWith('file:')).map((s) => s.id);
  if (local.length > 0 && facts.pollSeconds === undefined) {
    warnings.push(
      `warning: ${local.length} student${local.length === 1 ? "'s repository is a path" : "s' repositories are paths"} on this machine (${listed(local)}): no host sends webhooks for ${local.length === 1 ? 'it' : 'them'}, so ${local.length === 1 ? 'its' : 'their'} pushes are never graded without --poll SECONDS`,
    );
  }
  lines.push(`student links: ${base}${LINKS_EXPORT_PATH} (signed in, or with the instructor token as a bearer token), or \`grader links --config ${config.file}\``);
  lines.push(`dashboard: ${base}/dashboard`);
  return { lines, warnings };
}
