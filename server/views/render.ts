/**
 * Handlebars views: every *.hbs in this folder is a page, rendered inside layout.hbs.
 * Templates are compiled once, at the first render. A view gets a prepared model and holds
 * no logic; `{{{ }}}` is used only for HTML the server produced itself (SafeHtml values,
 * such as the report body, which escapes everything a submission controls).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { PACKAGE_ROOT } from '../../grader/paths';
import type { Lang } from '../../grader/spec/assignment-spec';
import { uiText, type UiText } from '../i18n/ui-text';

export const VIEWS_DIR = path.join(PACKAGE_ROOT, 'server', 'views');

export type PageName = 'sign-in' | 'dashboard' | 'student' | 'report' | 'message';

export interface LayoutModel {
  title: string;
  lang: Lang;
  /** The signed-in instructor's CSRF token (for the sign-out form), if any. */
  csrf?: string;
  instructor: boolean;
  /** Who is signed in: a person's name, or the shared token's label. */
  signedInAs?: string;
  /** Links to this page in each language. */
  langLinks: Array<{ lang: Lang; href: string; current: boolean; label: string }>;
  /** Extra <head> markup the server made (e.g. the no-JavaScript refresh). */
  head?: string;
  /** Scripts (same-origin paths) the page needs. */
  scripts?: string[];
}

let templates: Map<string, HandlebarsTemplateDelegate> | undefined;

function load(): Map<string, HandlebarsTemplateDelegate> {
  if (templates !== undefined) return templates;
  const engine = Handlebars.create();
  const map = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of fs.readdirSync(VIEWS_DIR)) {
    if (!file.endsWith('.hbs')) continue;
    const source = fs.readFileSync(path.join(VIEWS_DIR, file), 'utf8');
    map.set(file.slice(0, -4), engine.compile(source, { noEscape: false }));
  }
  templates = map;
  return map;
}

export function renderPage(page: PageName, layout: LayoutModel, model: Record<string, unknown>): string {
  const all = load();
  const view = all.get(page);
  const frame = all.get('layout');
  if (view === undefined || frame === undefined) throw new Error(`no view ${page}.hbs or layout.hbs in ${VIEWS_DIR}`);
  const t: UiText = uiText(layout.lang);
  const body = view({ ...model, t, lang: layout.lang });
  return frame({ ...layout, t, body, head: layout.head ?? '', scripts: layout.scripts ?? [], csrf: layout.csrf ?? '' });
}
