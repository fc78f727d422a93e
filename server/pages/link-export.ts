/**
 * Every student's personal link as CSV, for mail merges: GET /export/links.csv (instructors)
 * and `grader links` (which loads this file by path: grader/ never imports server/).
 */
import type { Request, Response } from 'express';
import type { CourseConfig } from '../../grader/config/course-config-schema';
import { csvText } from '../../grader/util/csv';
import type { AppContext } from '../app';
import { ServerKeys } from '../auth/keys';
import { studentLink } from '../auth/student-links';

export const LINKS_EXPORT_PATH = '/export/links.csv';

/**
 * A row per student: id, name, repository, branch and the link. With a base URL
 * (https://grader.example.org) links are absolute, else paths to put after the server's address.
 */
export function studentLinksCsv(config: CourseConfig, baseUrl?: string, keys: ServerKeys = new ServerKeys(config)): string {
  const base = (baseUrl ?? '').replace(/\/+$/, '');
  const rows = [['student_id', 'name', 'repository', 'branch', 'link']];
  for (const s of config.roster) rows.push([s.id, s.name, s.repo, s.branch, `${base}${studentLink(config, s.id, keys)}`]);
  return csvText(rows);
}

export function linksExport(ctx: AppContext) {
  return (req: Request, res: Response): void => {
    // The course's public URL, else the address this request came to (behind a proxy, with
    // trustProxy set, the proxy's scheme and host).
    const base = ctx.config.publicUrl ?? `${req.protocol}://${req.host}`;
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${ctx.config.course}-student-links.csv"`)
      .set('Cache-Control', 'no-store')
      .send(`\uFEFF${studentLinksCsv(ctx.config, base, ctx.keys)}`);
  };
}
