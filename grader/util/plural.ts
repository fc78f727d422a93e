/**
 * Numbers with nouns in the graders' messages: "1 tensor", "2 tensors"; "1 тензор",
 * "2 тензора", "5 тензоров", "21 тензор", "1,5 тензора". Use it for every count a message
 * shows, in both languages:
 *
 *   count(lang, leaked, NOUNS.tensor)                       // "1 tensor" / "3 тензора"
 *   count(lang, n, { en: ['step', 'steps'], ru: ['шаг', 'шага', 'шагов'] })
 *   `${n} ${noun(lang, n, NOUNS.sample)}`                    // the noun alone
 */

export type PluralLang = 'en' | 'ru';

/** en: [one, other]; ru: [one (1, 21, 101), few (2-4, 22-24), many (0, 5-20, 25-30)]. */
export interface NounForms {
  en: readonly [one: string, other: string];
  ru: readonly [one: string, few: string, many: string];
}

/** Index of the Russian form for n: 0 one, 1 few, 2 many. Fractions take the few form ("1,5 тензора"). */
export function ruPluralIndex(n: number): 0 | 1 | 2 {
  if (!Number.isFinite(n)) return 2;
  const a = Math.abs(n);
  if (!Number.isInteger(a)) return 1;
  const mod10 = a % 10;
  const mod100 = a % 100;
  if (mod10 === 1 && mod100 !== 11) return 0;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return 1;
  return 2;
}

/** The English form for n: singular only for exactly 1 (and -1). */
export function enPluralIndex(n: number): 0 | 1 {
  return Math.abs(n) === 1 ? 0 : 1;
}

/** The noun alone, in the form that goes with n. */
export function noun(lang: PluralLang, n: number, forms: NounForms): string {
  return lang === 'ru' ? forms.ru[ruPluralIndex(n)] : forms.en[enPluralIndex(n)];
}

/**
 * The number and the noun: `count('en', 1, NOUNS.tensor)` → "1 tensor". `shown` replaces the
 * printed number (e.g. "1,000" or a rounded value) while n still picks the form.
 */
export function count(lang: PluralLang, n: number, forms: NounForms, shown?: string): string {
  return `${shown ?? String(n)} ${noun(lang, n, forms)}`;
}

/** Nouns the engine and the specs count most. */
export const NOUNS = {
  tensor: { en: ['tensor', 'tensors'], ru: ['тензор', 'тензора', 'тензоров'] },
  sample: { en: ['sample', 'samples'], ru: ['пример', 'примера', 'примеров'] },
  batch: { en: ['batch', 'batches'], ru: ['батч', 'батча', 'батчей'] },
  epoch: { en: ['epoch', 'epochs'], ru: ['эпоха', 'эпохи', 'эпох'] },
  step: { en: ['step', 'steps'], ru: ['шаг', 'шага', 'шагов'] },
  entry: { en: ['entry', 'entries'], ru: ['элемент', 'элемента', 'элементов'] },
  value: { en: ['value', 'values'], ru: ['значение', 'значения', 'значений'] },
  layer: { en: ['layer', 'layers'], ru: ['слой', 'слоя', 'слоёв'] },
  parameter: { en: ['parameter', 'parameters'], ru: ['параметр', 'параметра', 'параметров'] },
  image: { en: ['image', 'images'], ru: ['изображение', 'изображения', 'изображений'] },
  digit: { en: ['digit', 'digits'], ru: ['цифра', 'цифры', 'цифр'] },
  test: { en: ['test', 'tests'], ru: ['тест', 'теста', 'тестов'] },
  point: { en: ['point', 'points'], ru: ['балл', 'балла', 'баллов'] },
  second: { en: ['second', 'seconds'], ru: ['секунда', 'секунды', 'секунд'] },
  call: { en: ['call', 'calls'], ru: ['вызов', 'вызова', 'вызовов'] },
  time: { en: ['time', 'times'], ru: ['раз', 'раза', 'раз'] },
  byte: { en: ['byte', 'bytes'], ru: ['байт', 'байта', 'байт'] },
  line: { en: ['line', 'lines'], ru: ['строка', 'строки', 'строк'] },
} as const satisfies Record<string, NounForms>;

/** For English-only texts (logs, notes of the grader): `countEn(n, 'warning', 'warnings')`. */
export function countEn(n: number, one: string, other: string, shown?: string): string {
  return `${shown ?? String(n)} ${enPluralIndex(n) === 0 ? one : other}`;
}
