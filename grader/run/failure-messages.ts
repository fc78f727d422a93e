/**
 * What a student reads when their code threw, ran out of time or was killed: which of their
 * functions failed, with what, where in their own files (stack frames mapped back through
 * the bundle's source map), and the usual cause. A function that still throws the starter's
 * "TODO" (or "not implemented") is reported as not written yet, by name; a function that
 * returned undefined and so broke the test's code after it is named as such.
 */
import type { BundleSourceMap } from '../compile/source-map';
import type { Lang } from '../spec/assignment-spec';
import { MalformedReportError, RunnerKilledError, RunnerTimeoutError, StudentCodeError, type RunnerFailure } from '../runner/runner-errors';
import { framesText, positionText, studentFrames } from './student-stack';

export interface FailureContext {
  /** The bundle's source map: frames then name the student's .ts files and lines. */
  sourceMap?: BundleSourceMap;
  /** The test that was running, for the message's last line. */
  test?: string;
}

/** Where the runner failed while loading the module (runner-client.ts). */
const LOADING = 'loading solution.ts';

/** Messages a stub throws: the starter's "TODO: implement …", "not implemented", … */
const NOT_WRITTEN = /^\s*todo\b|\bnot (?:yet )?implemented\b|\bunimplemented\b|\bnot written yet\b|не реализован|не написан/i;

/** Whether a thrown message says the function is a stub. */
export function looksNotImplemented(message: string): boolean {
  return NOT_WRITTEN.test(message.slice(0, 500));
}

/** The export a call named, when the grader called it directly (`where` is "name()"). */
function calledExport(where: string): string | undefined {
  const m = /^([A-Za-z_$][\w$]*)\(\)$/.exec(where);
  return m?.[1];
}

/** "Error: boom", or the runner's words for a thrown non-Error, in the report's language. */
function thrownText(info: StudentCodeError['info'], lang: Lang): string {
  if (info.name === 'thrown value') {
    const m = /^threw a non-Error value: ([\s\S]*)$/.exec(info.message);
    if (lang === 'ru') {
      return m !== null ? `значение, не Error: ${m[1]}` : 'значение, которое нельзя напечатать';
    }
    return m !== null ? `a non-Error value: ${m[1]}` : 'a value that cannot be printed';
  }
  return `${info.name}: ${info.message}`;
}

/** A TypeError of the kind that using an undefined result gives. */
function usesUndefined(info: StudentCodeError['info']): boolean {
  return /undefined|is not iterable|is not a function/.test(info.message) && (info.name === 'TypeError' || info.name === 'Error');
}

function explainStudentError(err: StudentCodeError, lang: Lang, context: FailureContext): string {
  const { info } = err;
  const frames = studentFrames(info.stack, context.sourceMap);
  const framesBlock = frames.length > 0 ? `\n${framesText(frames)}` : '';
  const where = frames.length > 0 ? positionText(frames[0].at) : undefined;
  const ru = lang === 'ru';
  const fn = info.export ?? calledExport(err.where);
  const testLine = context.test !== undefined ? (ru ? `\nТест: ${context.test}` : `\nTest: ${context.test}`) : '';

  if (err.where === LOADING) {
    const head = ru
      ? `Загрузка solution.ts не удалась: код верхнего уровня модуля выбросил исключение ${thrownText(info, lang)}`
      : `loading solution.ts failed: the module's top-level code threw ${thrownText(info, lang)}`;
    return head + framesBlock;
  }

  const missing = /^solution\.ts does not export a function named '([^']*)'$/.exec(info.message);
  if (missing !== null) {
    return (ru ? `solution.ts не экспортирует функцию ${missing[1]}() (проверьте имя и export)` : `solution.ts does not export a function named ${missing[1]}() (check the name and the export)`) + testLine;
  }
  const bare = info.name === 'thrown value' ? (/^threw a non-Error value: ([\s\S]*)$/.exec(info.message)?.[1] ?? '') : info.message;
  if (fn !== undefined && looksNotImplemented(bare)) {
    const at = where !== undefined ? ` (${where})` : '';
    const shown = bare.length > 200 ? `${bare.slice(0, 200)}…` : bare;
    const head = ru
      ? `Функция ${fn}() ещё не написана: она бросает «${shown}»${at}. Напишите её по условию задания.`
      : `${fn}() is not written yet: it throws "${shown}"${at}. Write it as the statement describes.`;
    return head + testLine;
  }

  if (fn !== undefined) {
    const at = where !== undefined ? (ru ? ` (в ${where})` : ` (at ${where})`) : '';
    const head = ru
      ? `Функция ${fn}() выбросила исключение ${thrownText(info, lang)}${at}`
      : `${fn}() threw ${thrownText(info, lang)}${at}`;
    return head + framesBlock + testLine;
  }

  // Thrown outside the student's exports: in the test's own code (a probe) or by TensorFlow.js
  // on what the student's code gave it.
  const undefinedFrom = info.returnedUndefined ?? [];
  if (frames.length === 0 && undefinedFrom.length > 0 && usesUndefined(info)) {
    const names = undefinedFrom.map((n) => `${n}()`).join(', ');
    const head = ru
      ? `${names} ${undefinedFrom.length > 1 ? 'вернули' : 'вернула'} undefined (функция ещё не написана или в ней нет return?), и тест не смог продолжить: ${thrownText(info, lang)}`
      : `${names} returned undefined (not written yet, or a missing return?), and the test could not go on: ${thrownText(info, lang)}`;
    return head + testLine;
  }
  if (frames.length > 0) {
    const at = ru ? ` (в ${where ?? ''})` : ` (at ${where ?? ''})`;
    const head = ru ? `Ваш код выбросил исключение ${thrownText(info, lang)}${at}` : `Your code threw ${thrownText(info, lang)}${at}`;
    return head + framesBlock + testLine;
  }
  // A probe's call is labelled with the test that made it (maybe another test, for shared work).
  if (calledExport(err.where) === undefined) {
    const head = ru ? `Тест остановлен ошибкой ${thrownText(info, lang)}` : `The test stopped with ${thrownText(info, lang)}`;
    return head + testLine;
  }
  const head = ru
    ? `${err.where}: ошибка ${thrownText(info, lang)}`
    : `${err.where} threw ${thrownText(info, lang)}`;
  return head + testLine;
}

export function explainFailure(err: RunnerFailure, lang: Lang, context: FailureContext = {}): string {
  if (err instanceof StudentCodeError) return explainStudentError(err, lang, context);
  const ru = lang === 'ru';
  const testLine = context.test !== undefined ? (ru ? `\nТест: ${context.test}` : `\nTest: ${context.test}`) : '';
  if (err instanceof RunnerTimeoutError || err instanceof RunnerKilledError) {
    // Name the student's function that was running (the runner says which it entered), not
    // the test's harness that called it.
    const fn = err.exportName ?? calledExport(err.where);
    const tail = err.where === context.test && fn === undefined ? '' : testLine;
    if (err instanceof RunnerTimeoutError) {
      const seconds = (err.limitMs / 1000).toFixed(1);
      const why = ru ? '(бесконечный цикл или промис, который никогда не выполняется?)' : '(an endless loop, or a promise that never settles?)';
      if (fn !== undefined) {
        return (ru ? `Функция ${fn}() не завершилась за ${seconds} с ${why}` : `${fn}() did not finish within ${seconds} s ${why}`) + tail;
      }
      return (ru ? `${err.where}: не завершилось за ${seconds} с ${why}` : `${err.where} did not finish within ${seconds} s ${why}`) + tail;
    }
    const who = fn !== undefined ? `${fn}()` : err.where;
    return (ru ? `${who}: процесс остановлен: ${err.reason}` : `${who}: the runner process was stopped: ${err.reason}`) + tail;
  }
  if (err instanceof MalformedReportError) {
    return ru
      ? `Проверка «${err.probe}» не смогла прочитать то, что измеряла (${err.detail.slice(0, 300)}). Так бывает, когда решение меняет объекты, которые читает проверка (методы тензоров, save модели, toJSON объекта): оставьте их как есть.${testLine}`
      : `The '${err.probe}' check could not read what it measured (${err.detail.slice(0, 300)}). This happens when a submission changes objects the check reads (a tensor's methods, a model's save, an object's toJSON): leave them as they are.${testLine}`;
  }
  return err.message;
}
