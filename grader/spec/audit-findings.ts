/**
 * The usual audits of a test (grader/runner/call-audit.ts measures every call of every
 * export, whichever test made it): a property that held while its own test watched must hold
 * in every other call too. Each helper returns what the student reads when some call broke
 * it (the test then loses its points), or undefined.
 */
import type { CallAuditLog } from '../runner/call-audit';
import type { Lang } from './assignment-spec';

const say = (lang: Lang, t: { en: string; ru: string }) => (lang === 'ru' ? t.ru : t.en);

const WATCHED = {
  en: 'The grader measures every call of your functions, not only the calls of the test that checks a property',
  ru: 'Проверка измеряет каждый вызов ваших функций, а не только вызовы теста, который проверяет свойство',
};

/** Inputs changed or disposed by any call of `names` (as it returned, or later). */
export function inputsAudit(log: CallAuditLog, names: readonly string[], lang: Lang): string | undefined {
  const notes: string[] = [];
  for (const name of names) {
    const e = log.get(name);
    if (e === undefined) continue;
    notes.push(...e.changed, ...e.changedLater.map((n) => `${n} ${say(lang, { en: '(after the call had returned)', ru: '(уже после возврата из вызова)' })}`));
  }
  if (notes.length === 0) return undefined;
  return say(lang, {
    en: `${WATCHED.en}: some calls changed what they were given. The caller still owns its inputs: leave them as they were, also after returning (no in-place changes, no dispose of an input, no changes to arrays or options).\n${notes.slice(0, 5).map((n) => `  ${n}`).join('\n')}`,
    ru: `${WATCHED.ru}: некоторые вызовы изменили то, что им передали. Входные данные принадлежат вызывающему: оставляйте их как есть, и после возврата тоже (без изменений на месте, без dispose входа, без изменений массивов и параметров).\n${notes.slice(0, 5).map((n) => `  ${n}`).join('\n')}`,
  });
}

/** Calls of `name` that returned without the engine's gradients() having run. */
export function autogradAudit(log: CallAuditLog, name: string, lang: Lang): string | undefined {
  const e = log.get(name);
  if (e === undefined || e.withoutAutograd === 0) return undefined;
  return say(lang, {
    en: `${WATCHED.en}: ${e.withoutAutograd} of the ${e.calls} calls of ${name} returned without autograd running (no tf.grad, tf.grads, tf.valueAndGrads or tf.variableGrads during the call). Compute the gradients with autograd in every call.`,
    ru: `${WATCHED.ru}: ${e.withoutAutograd} из ${e.calls} вызовов ${name} вернули ответ без автоматического дифференцирования (во время вызова не работали tf.grad, tf.grads, tf.valueAndGrads или tf.variableGrads). Вычисляйте градиенты автоматическим дифференцированием в каждом вызове.`,
  });
}

/** Calls of `name` that left tensors alive beyond those they returned. */
export function leakAudit(log: CallAuditLog, name: string, lang: Lang): string | undefined {
  const e = log.get(name);
  if (e === undefined || e.maxLeaked <= 0) return undefined;
  return say(lang, {
    en: `${WATCHED.en}: a call of ${name} left ${e.maxLeaked} tensor(s) alive beyond those it returned. Free what you make (tf.tidy, or dispose) in every call.`,
    ru: `${WATCHED.ru}: вызов ${name} оставил живыми ${e.maxLeaked} тензор(ов) сверх возвращённых. Освобождайте созданное (tf.tidy или dispose) в каждом вызове.`,
  });
}

/**
 * Iterators returned by `name` that held more than `limit` batches' worth of tensors of their
 * own between two batches (an eager loader holds the whole data set).
 */
export function lazinessAudit(log: CallAuditLog, name: string, lang: Lang, limit: number): string | undefined {
  const held = log.get(name)?.maxHeldBatches ?? 0;
  if (held <= limit) return undefined;
  return say(lang, {
    en: `${WATCHED.en}: while one of the epochs the tests iterated was being read, ${name} held tensors of its own worth ${held.toFixed(1)} batches between two batches. A lazy loader holds about one batch: make each batch's tensors when it is asked for.`,
    ru: `${WATCHED.ru}: пока читалась одна из эпох, которые перебирали тесты, ${name} держала между двумя батчами собственные тензоры объёмом ${held.toFixed(1)} батча. Ленивый загрузчик держит около одного батча: создавайте тензоры батча, когда его запрашивают.`,
  });
}

/** Iterators returned by `name` that left tensors of their own alive when they finished or were stopped. */
export function iteratorLeakAudit(log: CallAuditLog, name: string, lang: Lang): string | undefined {
  const left = log.get(name)?.iteratorLeaked ?? 0;
  if (left === 0) return undefined;
  return say(lang, {
    en: `${WATCHED.en}: an iteration of ${name} left ${left} tensor(s) it had made (and not yielded) alive when it finished or was stopped. Free them in the generator (tf.tidy, dispose, a finally block).`,
    ru: `${WATCHED.ru}: перебор ${name} оставил живыми ${left} созданных им (и не выданных) тензоров, когда закончился или был остановлен. Освобождайте их в генераторе (tf.tidy, dispose, блок finally).`,
  });
}
