/**
 * What a student reads when their code threw, ran out of time or was killed: what happened,
 * where, and the usual cause.
 */
import type { Lang } from '../spec/assignment-spec';
import { RunnerKilledError, RunnerTimeoutError, StudentCodeError, type RunnerFailure } from '../runner/runner-errors';

/** Keeps the student's frames (solution.js) of a stack; drops the grader's. */
function studentFrames(stack: string | undefined): string {
  if (stack === undefined) return '';
  const frames = stack
    .split('\n')
    .filter((line) => line.includes('solution.js'))
    .slice(0, 6);
  return frames.length > 0 ? `\n${frames.join('\n')}` : '';
}

export function explainFailure(err: RunnerFailure, lang: Lang): string {
  if (err instanceof StudentCodeError) {
    const head = lang === 'ru'
      ? `${err.where}: ошибка ${err.info.name}: ${err.info.message}`
      : `${err.where} threw ${err.info.name}: ${err.info.message}`;
    return head + studentFrames(err.info.stack);
  }
  if (err instanceof RunnerTimeoutError) {
    return lang === 'ru'
      ? `${err.where}: не завершилось за ${(err.limitMs / 1000).toFixed(1)} с (бесконечный цикл или промис, который никогда не выполняется?)`
      : err.message;
  }
  if (err instanceof RunnerKilledError) {
    return lang === 'ru' ? `${err.where}: процесс остановлен: ${err.reason}` : err.message;
  }
  return err.message;
}
