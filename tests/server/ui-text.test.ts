/** Both languages are complete: every text of the pages and the report exists, non-empty, in each. */
import { REPORT_TEXT } from '../../grader/report/report-text';
import { UI_TEXT } from '../../server/i18n/ui-text';

describe.each([
  ['server pages', UI_TEXT],
  ['report', REPORT_TEXT],
])('%s text', (_name, table) => {
  it('has English and Russian for every key', () => {
    for (const [key, text] of Object.entries(table)) {
      expect([key, text.en.trim().length > 0]).toEqual([key, true]);
      expect([key, text.ru.trim().length > 0]).toEqual([key, true]);
      // A Russian text is written in Russian (a few are names or symbols only).
      if (/[a-z]{4,}/i.test(text.en) && !['appName'].includes(key)) expect([key, /[а-яё]/i.test(text.ru)]).toEqual([key, true]);
    }
  });
});
