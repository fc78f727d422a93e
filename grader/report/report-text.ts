/**
 * Every piece of text the HTML report itself writes, in English and Russian. Texts that come
 * from the grading (test names, messages) are in the language the result was graded in.
 */
import type { Lang } from '../spec/assignment-spec';

const TEXT = {
  score: { en: 'Score', ru: 'Баллы' },
  points: { en: 'points', ru: 'баллов' },
  status: { en: 'Status', ru: 'Статус' },
  tests: { en: 'Tests', ru: 'Тесты' },
  test: { en: 'Test', ru: 'Тест' },
  commit: { en: 'Commit', ru: 'Коммит' },
  backend: { en: 'Tensor backend', ru: 'Бэкенд тензоров' },
  dataset: { en: 'Data set', ru: 'Набор данных' },
  graderVersion: { en: 'Grader version', ru: 'Версия грейдера' },
  duration: { en: 'Grading time', ru: 'Время проверки' },
  memory: { en: 'Peak memory of your code', ru: 'Пиковая память вашего кода' },
  seconds: { en: 's', ru: 'с' },
  megabytes: { en: 'MiB', ru: 'МиБ' },
  hidden: { en: 'hidden', ru: 'скрытый' },
  visible: { en: 'visible', ru: 'открытый' },
  compileErrors: { en: 'Compile errors', ru: 'Ошибки компиляции' },
  typeWarnings: { en: 'Type warnings (grading went on)', ru: 'Предупреждения о типах (проверка продолжилась)' },
  output: { en: 'Notes and output', ru: 'Заметки и вывод' },
  hiddenCount: { en: 'Hidden tests not shown yet', ru: 'Скрытые тесты, пока не показанные' },
  hiddenPending: {
    en: 'They are graded as well; their results appear here once the instructors release them.',
    ru: 'Они тоже проверены; их результаты появятся здесь, когда преподаватели их откроют.',
  },
  visibleScore: { en: 'Visible tests', ru: 'Открытые тесты' },
  noTests: { en: 'No tests were run.', ru: 'Тесты не запускались.' },
  figureMalformed: { en: 'a picture could not be drawn', ru: 'один рисунок не удалось построить' },
  resultStatus_graded: { en: 'graded', ru: 'проверено' },
  resultStatus_compile_error: { en: 'does not compile', ru: 'не компилируется' },
  resultStatus_missing: { en: 'missing', ru: 'нет решения' },
  resultStatus_error: { en: 'grader error', ru: 'ошибка грейдера' },
  testStatus_passed: { en: 'passed', ru: 'пройден' },
  testStatus_failed: { en: 'failed', ru: 'не пройден' },
  testStatus_error: { en: 'error', ru: 'ошибка' },
  testStatus_timeout: { en: 'time limit', ru: 'превышено время' },
  testStatus_killed: { en: 'killed', ru: 'остановлен' },
  provisional: {
    en: 'Provisional: graded on this machine without OS isolation. The server’s grading counts.',
    ru: 'Предварительно: проверено на этом компьютере без изоляции ОС. Засчитывается проверка на сервере.',
  },
  reportTitle: { en: 'Grading report', ru: 'Отчёт о проверке' },
  generated: { en: 'Generated', ru: 'Создан' },
} as const;

export type ReportTextKey = keyof typeof TEXT;

export function reportText(key: ReportTextKey, lang: Lang): string {
  return TEXT[key][lang];
}

/** For the test that keeps both languages complete. */
export const REPORT_TEXT: Readonly<Record<ReportTextKey, { en: string; ru: string }>> = TEXT;
