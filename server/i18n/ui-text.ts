/**
 * Every piece of text the server's pages write, in English and Russian (the lecture's
 * language). A view gets the whole table for the request's language as `t`, so templates
 * hold no logic: `{{t.dashboard}}`. A test keeps both languages complete and non-empty.
 */
import type { Lang } from '../../grader/spec/assignment-spec';

const TEXT = {
  appName: { en: 'NN2 grader', ru: 'Грейдер НС-2' },
  dashboard: { en: 'Dashboard', ru: 'Сводка' },
  signIn: { en: 'Sign in', ru: 'Войти' },
  signOut: { en: 'Sign out', ru: 'Выйти' },
  signInTitle: { en: 'Instructor sign-in', ru: 'Вход для преподавателя' },
  signInHelp: {
    en: 'Paste the course’s instructor token (the server prints it at start). Students: open the personal link you were sent.',
    ru: 'Вставьте токен преподавателя курса (сервер печатает его при запуске). Студентам: откройте личную ссылку, которую вам прислали.',
  },
  token: { en: 'Instructor token', ru: 'Токен преподавателя' },
  tokenWrong: { en: 'That token is not valid.', ru: 'Этот токен недействителен.' },
  tooManyAttempts: { en: 'Too many attempts; wait a minute.', ru: 'Слишком много попыток; подождите минуту.' },
  language: { en: 'Language', ru: 'Язык' },
  student: { en: 'Student', ru: 'Студент' },
  students: { en: 'Students', ru: 'Студенты' },
  assignment: { en: 'Assignment', ru: 'Задание' },
  assignments: { en: 'Assignments', ru: 'Задания' },
  total: { en: 'Total', ru: 'Итого' },
  filter: { en: 'Filter', ru: 'Фильтр' },
  filterName: { en: 'Name or id contains', ru: 'Имя или id содержит' },
  statusFilter: { en: 'Status', ru: 'Статус' },
  anyStatus: { en: 'any status', ru: 'любой статус' },
  apply: { en: 'Apply', ru: 'Применить' },
  reset: { en: 'Reset', ru: 'Сбросить' },
  sortBy: { en: 'Sort by', ru: 'Сортировать по' },
  classStats: { en: 'Class statistics', ru: 'Статистика группы' },
  mean: { en: 'Mean', ru: 'Среднее' },
  median: { en: 'Median', ru: 'Медиана' },
  gradedCount: { en: 'Graded', ru: 'Проверено' },
  distribution: { en: 'Distribution of scores', ru: 'Распределение баллов' },
  late: { en: 'late', ru: 'опоздание' },
  daysLate: { en: 'days late', ru: 'дн. опоздания' },
  penalty: { en: 'late penalty', ru: 'штраф за опоздание' },
  overridden: { en: 'overridden', ru: 'изменено' },
  status_none: { en: 'no submission', ru: 'нет посылки' },
  status_queued: { en: 'queued', ru: 'в очереди' },
  status_running: { en: 'running', ru: 'проверяется' },
  status_graded: { en: 'graded', ru: 'проверено' },
  status_compile_error: { en: 'does not compile', ru: 'не компилируется' },
  status_missing: { en: 'missing', ru: 'нет решения' },
  status_error: { en: 'error', ru: 'ошибка' },
  status_failed: { en: 'failed', ru: 'сбой' },
  status_superseded: { en: 'superseded', ru: 'заменено новой' },
  status_done: { en: 'done', ru: 'готово' },
  commit: { en: 'Commit', ru: 'Коммит' },
  received: { en: 'Received', ru: 'Получено' },
  due: { en: 'Due', ru: 'Срок' },
  score: { en: 'Score', ru: 'Баллы' },
  counted: { en: 'Counts', ru: 'Засчитано' },
  countedSoFar: { en: 'Counts so far (visible tests)', ru: 'Засчитано пока (видимые тесты)' },
  history: { en: 'Submissions', ru: 'Посылки' },
  scoresOverTime: { en: 'Scores over time', ru: 'Баллы во времени' },
  noSubmissions: { en: 'No submissions yet.', ru: 'Посылок пока нет.' },
  report: { en: 'Report', ru: 'Отчёт' },
  open: { en: 'open', ru: 'открыть' },
  backToDashboard: { en: 'Back to the dashboard', ru: 'Назад к сводке' },
  studentPage: { en: 'Student page', ru: 'Страница студента' },
  studentLink: { en: 'Personal link (send it to the student)', ru: 'Личная ссылка (отправьте студенту)' },
  exports: { en: 'Exports', ru: 'Выгрузки' },
  gradebookCsv: { en: 'Grade book (CSV)', ru: 'Ведомость (CSV)' },
  studentLinksCsv: { en: "Every student's personal link (CSV)", ru: 'Личные ссылки всех студентов (CSV)' },
  resultJson: { en: 'Result JSON', ru: 'JSON результата' },
  gradescopeJson: { en: 'Gradescope results.json', ru: 'results.json для Gradescope' },
  actions: { en: 'Actions', ru: 'Действия' },
  regrade: { en: 'Regrade', ru: 'Перепроверить' },
  regradeClass: { en: 'Regrade the class', ru: 'Перепроверить группу' },
  regradeQueued: { en: 'Queued for a regrade.', ru: 'Поставлено на перепроверку.' },
  regradeBusy: { en: 'It is being graded already.', ru: 'Уже проверяется.' },
  regradeClassQueued: { en: 'submissions queued for a regrade.', ru: 'посылок поставлено на перепроверку.' },
  override: { en: 'Override the score', ru: 'Изменить балл' },
  overrideScore: { en: 'Score that counts', ru: 'Засчитываемый балл' },
  overrideComment: { en: 'Comment (required, kept in the history)', ru: 'Комментарий (обязателен, сохраняется в истории)' },
  overrideSave: { en: 'Save the override', ru: 'Сохранить' },
  overrideWithdraw: { en: 'Withdraw the override', ru: 'Отменить изменение' },
  overrideSaved: { en: 'The override is saved.', ru: 'Изменение сохранено.' },
  overrideWithdrawn: { en: 'The override is withdrawn.', ru: 'Изменение отменено.' },
  overrideInvalid: {
    en: 'An override needs a score between 0 and the maximum and a comment.',
    ru: 'Для изменения нужен балл от 0 до максимума и комментарий.',
  },
  overrideHistory: { en: 'Overrides', ru: 'Изменения балла' },
  withdrawn: { en: 'withdrawn', ru: 'отменено' },
  earlierResults: { en: 'Earlier results of this submission (before regrades)', ru: 'Прежние результаты этой посылки (до перепроверок)' },
  releaseHidden: { en: 'Show hidden tests to students', ru: 'Показать скрытые тесты студентам' },
  unreleaseHidden: { en: 'Hide hidden tests again', ru: 'Снова скрыть скрытые тесты' },
  hiddenReleased: { en: 'hidden tests released', ru: 'скрытые тесты открыты' },
  hiddenNotReleased: { en: 'hidden tests not released', ru: 'скрытые тесты не открыты' },
  waiting: { en: 'Waiting for a grader…', ru: 'Ожидание проверки…' },
  grading: { en: 'Grading…', ru: 'Идёт проверка…' },
  liveHint: {
    en: 'This page follows the grading as it happens and shows the report when it is done.',
    ru: 'Страница следит за проверкой и покажет отчёт, когда она закончится.',
  },
  noScriptRefresh: { en: 'Without JavaScript this page reloads every 5 seconds.', ru: 'Без JavaScript страница обновляется каждые 5 секунд.' },
  epoch: { en: 'epoch', ru: 'эпоха' },
  loss: { en: 'loss', ru: 'потеря' },
  hiddenInPlan: {
    en: 'Hidden tests (their results are shown once the instructors release them)',
    ru: 'Скрытые тесты (их результаты появятся, когда преподаватели их откроют)',
  },
  jobFailed: { en: 'Grading failed; the instructors can regrade it.', ru: 'Проверка не удалась; преподаватели могут её повторить.' },
  previousResult: { en: 'Until then, the previous result of this assignment:', ru: 'Пока что — предыдущий результат этого задания:' },
  notFoundTitle: { en: 'Not found', ru: 'Не найдено' },
  notFoundText: { en: 'There is no such page, or it is not yours to see.', ru: 'Такой страницы нет, или она вам недоступна.' },
  forbiddenTitle: { en: 'Refused', ru: 'Отказано' },
  csrfText: {
    en: 'The form was stale or came from another site. Go back, reload the page and try again.',
    ru: 'Форма устарела или пришла с другого сайта. Вернитесь, обновите страницу и попробуйте снова.',
  },
  errorTitle: { en: 'Something went wrong', ru: 'Что-то пошло не так' },
  errorText: { en: 'The server failed; the error was logged.', ru: 'Сервер дал сбой; ошибка записана в журнал.' },
  queueStatus: { en: 'Queue', ru: 'Очередь' },
  pushesTitle: { en: 'Pushes without a result yet', ru: 'Посылки, ещё не давшие результата' },
  pushesNone: { en: 'Every accepted push has been prepared for grading.', ru: 'Все принятые посылки переданы на проверку.' },
  pushesHelp: {
    en: 'A push is received, then fetched (preparing); a failed fetch is tried again later (retrying) until it succeeds or gives up (failed, with the reason). The pushes below have not reached the grading queue.',
    ru: 'Посылка принимается, затем скачивается (подготовка); неудачная попытка повторяется позже (повтор), пока не удастся или не будет прекращена (сбой, с причиной). Посылки ниже ещё не попали в очередь проверки.',
  },
  push_received: { en: 'received, waiting to be fetched', ru: 'получена, ждёт скачивания' },
  push_preparing: { en: 'being fetched', ru: 'скачивается' },
  push_retrying: { en: 'fetch failed, will be tried again', ru: 'скачать не удалось, будет повтор' },
  push_prepared: { en: 'prepared', ru: 'передана на проверку' },
  push_failed: { en: 'not graded', ru: 'не проверена' },
  retryFetch: { en: 'Fetch again', ru: 'Скачать снова' },
  fetchRetryQueued: { en: 'The push will be fetched again.', ru: 'Посылка будет скачана снова.' },
  fetchRetryBusy: { en: 'That push has not failed; nothing to retry.', ru: 'Эта посылка не завершилась сбоем; повторять нечего.' },
  nextAttempt: { en: 'next attempt', ru: 'следующая попытка' },
  serverProblem: {
    en: 'A problem on the grading server, not in your repository.',
    ru: 'Сбой на сервере проверки, а не в вашем репозитории.',
  },
  serverProblemFailed: {
    en: 'A problem on the grading server, not in your repository: ask the instructors to regrade.',
    ru: 'Сбой на сервере проверки, а не в вашем репозитории: попросите преподавателей перепроверить.',
  },
  skipToContent: { en: 'Skip to the content', ru: 'Перейти к содержимому' },
} as const;

export type UiTextKey = keyof typeof TEXT;
export type UiText = Record<UiTextKey, string>;

export const UI_TEXT: Readonly<Record<UiTextKey, { en: string; ru: string }>> = TEXT;

const cache = new Map<Lang, UiText>();

/** The whole table in one language. */
export function uiText(lang: Lang): UiText {
  let table = cache.get(lang);
  if (table === undefined) {
    table = Object.fromEntries(Object.entries(TEXT).map(([k, v]) => [k, v[lang]])) as UiText;
    cache.set(lang, table);
  }
  return table;
}
