/**
 * The message catalogue of the comparisons, in English and Russian (the lecture is Russian;
 * students read both). Every message is a function of typed parameters; both languages
 * implement the same `Catalogue`, so the compiler keeps them in agreement.
 *
 * Parameters that come from student values are formatted (and cut) before they get here.
 */
import { pluralEn, pluralRu } from './format';

export type Lang = 'en' | 'ru';
export const LANGS: readonly Lang[] = ['en', 'ru'];

export interface Catalogue {
  // What was expected, and what came instead.
  expectedTensor(p: { what: string }): string;
  expectedNumber(p: { what: string }): string;
  expectedValue(p: { expected: string; what: string }): string;
  expectedArray(p: { length: number; what: string }): string;
  expectedObject(p: { keys: string; what: string }): string;
  missingKey(p: { key: string; keys: string }): string;
  missingKeyEmpty(p: { key: string }): string;
  arrayLength(p: { expected: number; actual: number }): string;
  unreadable(p: { error: string }): string;

  // Descriptions of an actual value (nominative, after "got" / "получено:").
  whatUndefined(): string;
  whatNull(): string;
  whatNumber(p: { value: string }): string;
  whatString(p: { value: string }): string;
  whatBoolean(p: { value: string }): string;
  whatBigint(p: { value: string }): string;
  whatSymbol(): string;
  whatFunction(p: { name: string }): string;
  whatArray(p: { length: number }): string;
  whatTypedArray(p: { type: string; length: number }): string;
  whatObject(p: { keys: string }): string;
  whatEmptyObject(): string;
  whatTensor(p: { shape: string; dtype: string }): string;
  whatMalformedTensor(p: { error: string }): string;
  whatDisposedTensor(p: { shape: string }): string;
  whatModel(): string;
  whatPromise(): string;
  whatIterator(): string;
  whatMap(): string;
  whatSet(): string;
  whatDate(): string;
  whatError(p: { message: string }): string;
  whatUnreadable(): string;

  // Hints that follow a description after " — ".
  hintUndefined(): string;
  hintPromise(): string;
  hintFunction(): string;
  hintTypedArrayForTensor(): string;
  hintArrayForTensor(): string;
  hintNumberForTensor(): string;
  hintTensorForNumber(): string;
  hintDisposed(): string;
  hintIterator(): string;

  // Shapes.
  shapeMismatch(p: { expected: string; actual: string }): string;
  shapeSameSize(): string;
  shapeExtraAxis(p: { expected: string }): string;
  shapeMissingAxis(p: { expected: string }): string;
  shapeSameValues(p: { expected: string }): string;
  shapeTransposed(): string;
  arrayLengthAsShape(): string;

  // Dtypes.
  dtypeMismatch(p: { expected: string; actual: string }): string;
  dtypeHintFloat(): string;
  dtypeHintInt(): string;

  // Values.
  valuesDiffer(p: { mismatched: number; total: number; rtol: string; atol: string }): string;
  valuesDifferExact(p: { mismatched: number; total: number; dtype: string }): string;
  worstAt(p: { index: string; expected: string; actual: string; abs: string; rel?: string }): string;
  firstAt(p: { index: string; expected: string; actual: string }): string;
  maxErrors(p: { abs: string; rel: string }): string;
  scalarDiffers(p: { expected: string; actual: string; abs: string; rel?: string; rtol: string; atol: string }): string;
  literalDiffers(p: { expected: string; actual: string }): string;
  usualCause(p: { cause: string }): string;

  // Non-finite values.
  nonfinite(p: { count: number; total: number; first: string; value: string }): string;
  nanForbidden(p: { count: number; total: number; first: string }): string;
  nonfiniteScalar(p: { expected: string; actual: string }): string;
  nonfiniteHint(): string;

  // Automatic diagnoses of a value mismatch.
  diagZeros(): string;
  diagSignFlip(): string;
  diagScale(p: { factor: string }): string;
  diagScaleOne(p: { factor: string }): string;
  diagSignFlipOne(): string;
  diagOffset(p: { offset: string }): string;
  diagTransposed(): string;

  // Structures.
  moreFailures(p: { count: number }): string;

  // Malformed plain tensors.
  tensorNotObject(): string;
  tensorKind(): string;
  tensorShape(p: { problem: string }): string;
  tensorDtype(p: { dtype: string }): string;
  tensorData(p: { dtype: string; expected: string; got: string }): string;
  tensorLength(p: { length: number; shape: string; size: number }): string;
  tensorBool(p: { index: number }): string;
  tensorString(p: { index: number }): string;
}

/** 'a' or 'an' before a type name ('an int32 tensor', 'a Uint8Array'). */
const an = (word: string) => (/^[aeio]/i.test(word) ? `an ${word}` : `a ${word}`);
const entriesEn = (n: number) => pluralEn(n, 'entry', 'entries');
const itemsEn = (n: number) => pluralEn(n, 'item', 'items');
/** Genitive after «из N»: из 1 элемента, из 5 элементов, из 21 элемента. */
const elementsRuGen = (n: number) => pluralRu(n, 'элемента', 'элементов', 'элементов');
const valuesRuGen = (n: number) => pluralRu(n, 'значения', 'значений', 'значений');

const en: Catalogue = {
  expectedTensor: ({ what }) => `expected a tensor, got ${what}`,
  expectedNumber: ({ what }) => `expected a number, got ${what}`,
  expectedValue: ({ expected, what }) => `expected ${expected}, got ${what}`,
  expectedArray: ({ length, what }) => `expected an array of ${length} ${itemsEn(length)}, got ${what}`,
  expectedObject: ({ keys, what }) => `expected an object with keys ${keys}, got ${what}`,
  missingKey: ({ key, keys }) => `missing: the returned object has no key ${key} (its keys: ${keys})`,
  missingKeyEmpty: ({ key }) => `missing: the returned object has no key ${key} (it has no keys at all)`,
  arrayLength: ({ expected, actual }) =>
    `expected an array of ${expected} ${itemsEn(expected)}, got an array of ${actual}`,
  unreadable: ({ error }) => `could not read the returned value (${error})`,

  whatUndefined: () => 'undefined',
  whatNull: () => 'null',
  whatNumber: ({ value }) => `the number ${value}`,
  whatString: ({ value }) => `the string ${value}`,
  whatBoolean: ({ value }) => `the boolean ${value}`,
  whatBigint: ({ value }) => `the BigInt ${value}`,
  whatSymbol: () => 'a Symbol',
  whatFunction: ({ name }) => (name ? `the function ${name}` : 'a function'),
  whatArray: ({ length }) => `a plain array of ${length} ${itemsEn(length)}`,
  whatTypedArray: ({ type, length }) => `${an(type)} of ${length} ${pluralEn(length, 'value', 'values')}`,
  whatObject: ({ keys }) => `an object with keys ${keys}`,
  whatEmptyObject: () => 'an empty object {}',
  whatTensor: ({ shape, dtype }) => `${an(dtype)} tensor of shape ${shape}`,
  whatMalformedTensor: ({ error }) => `a malformed tensor (${error})`,
  whatDisposedTensor: ({ shape }) => `a tensor of shape ${shape} that had already been disposed`,
  whatModel: () => 'a tfjs model',
  whatPromise: () => 'a Promise',
  whatIterator: () => 'an iterator',
  whatMap: () => 'a Map',
  whatSet: () => 'a Set',
  whatDate: () => 'a Date',
  whatError: ({ message }) => `an Error ${message}`,
  whatUnreadable: () => 'a value that cannot be read',

  hintUndefined: () => 'did the function return nothing (a missing return)?',
  hintPromise: () => 'did you forget await?',
  hintFunction: () => 'did you return the function instead of calling it?',
  hintTypedArrayForTensor: () => 'did you return t.dataSync() instead of the tensor itself?',
  hintArrayForTensor: () => 'return a tensor: wrap the values with tf.tensor(...)',
  hintNumberForTensor: () => 'return a tensor: tf.scalar(x)',
  hintTensorForNumber: () => 'return a plain number: (await t.data())[0] or t.dataSync()[0]',
  hintDisposed: () => 'do not dispose a tensor you return (return it from tf.tidy instead of disposing it)',
  hintIterator: () => 'did you return the generator instead of its result?',

  shapeMismatch: ({ expected, actual }) => `expected shape ${expected}, got ${actual}`,
  shapeSameSize: () => 'same number of entries: a transpose or reshape?',
  shapeExtraAxis: ({ expected }) => `an extra axis of size 1: reshape to ${expected} or use tf.squeeze`,
  shapeMissingAxis: ({ expected }) => `an axis of size 1 is missing: reshape to ${expected} or use expandDims`,
  shapeSameValues: ({ expected }) => `the values are right and in order, only the shape differs: reshape to ${expected}`,
  shapeTransposed: () => 'it is exactly the transpose of the expected result: transpose it, or swap the operands of matMul',
  arrayLengthAsShape: () => 'array length',

  dtypeMismatch: ({ expected, actual }) => `expected ${an(expected)} tensor, got ${actual}`,
  dtypeHintFloat: () =>
    "int32 comes from tf.tensor(..., 'int32'), argMax or integer inputs; convert with tf.cast(x, 'float32')",
  dtypeHintInt: () => "build integer tensors with tf.tensor1d(values, 'int32') or tf.cast(x, 'int32')",

  valuesDiffer: ({ mismatched, total, rtol, atol }) =>
    `values differ in ${mismatched} of ${total} ${entriesEn(total)} (tolerance rtol ${rtol}, atol ${atol}).`,
  valuesDifferExact: ({ mismatched, total, dtype }) =>
    `values differ in ${mismatched} of ${total} ${entriesEn(total)} (${dtype} values must match exactly).`,
  worstAt: ({ index, expected, actual, abs, rel }) =>
    `Worst at ${index}: expected ${expected}, got ${actual} (abs error ${abs}${rel === undefined ? '' : `, rel ${rel}`}).`,
  firstAt: ({ index, expected, actual }) => `First at ${index}: expected ${expected}, got ${actual}.`,
  maxErrors: ({ abs, rel }) => `Max abs error ${abs}, max rel ${rel}.`,
  scalarDiffers: ({ expected, actual, abs, rel, rtol, atol }) =>
    `expected ${expected}, got ${actual} (abs error ${abs}${rel === undefined ? '' : `, rel ${rel}`}; tolerance rtol ${rtol}, atol ${atol}).`,
  literalDiffers: ({ expected, actual }) => `expected ${expected}, got ${actual}.`,
  usualCause: ({ cause }) => `Usual cause: ${cause}`,

  nonfinite: ({ count, total, first, value }) =>
    `got NaN or Infinity in ${count} of ${total} ${entriesEn(total)} where finite values were expected (first at ${first}: ${value}).`,
  nanForbidden: ({ count, total, first }) =>
    `NaN is not allowed here, but ${count} of ${total} ${entriesEn(total)} are NaN (first at ${first}).`,
  nonfiniteScalar: ({ expected, actual }) => `expected ${expected}, got ${actual}.`,
  nonfiniteHint: () =>
    'NaN and Infinity usually come from log(0), a division by zero or exp of a large number: use a numerically stable formula (logSumExp, tf.losses.softmaxCrossEntropy) or clip.',

  diagZeros: () => 'The result is all zeros: was something never computed or accumulated?',
  diagSignFlip: () =>
    'Every entry has the opposite sign: check the order of a subtraction (a − y versus y − a) or a lost minus.',
  diagScale: ({ factor }) =>
    `Every entry is off by the same factor (got ≈ ${factor} × expected): a missing or extra scaling such as 1/N (the batch size) or 1/2?`,
  diagScaleOne: ({ factor }) =>
    `The value is ≈ ${factor} × the expected one: a missing or extra scaling such as 1/N, or a percentage instead of a fraction?`,
  diagSignFlipOne: () => 'The value has the opposite sign: check the order of a subtraction or a lost minus.',
  diagOffset: ({ offset }) =>
    `Every entry is off by the same amount (${offset}): an extra constant, or a bias added twice?`,
  diagTransposed: () => 'The result equals the transpose of the expected one.',

  moreFailures: ({ count }) => `… and ${count} more ${pluralEn(count, 'failure', 'failures')}.`,

  tensorNotObject: () => 'not an object',
  tensorKind: () => "kind is not 'tensor'",
  tensorShape: ({ problem }) => `bad shape: ${problem}`,
  tensorDtype: ({ dtype }) => `unknown dtype ${dtype}`,
  tensorData: ({ dtype, expected, got }) => `${an(dtype)} tensor needs its data as ${expected}, got ${got}`,
  tensorLength: ({ length, shape, size }) =>
    `data has ${length} ${pluralEn(length, 'value', 'values')} but shape ${shape} needs ${size}`,
  tensorBool: ({ index }) => `bool data must be 0 or 1 (entry ${index} is not)`,
  tensorString: ({ index }) => `string data must hold strings (entry ${index} does not)`,
};

const ru: Catalogue = {
  expectedTensor: ({ what }) => `ожидался тензор, получено: ${what}`,
  expectedNumber: ({ what }) => `ожидалось число, получено: ${what}`,
  expectedValue: ({ expected, what }) => `ожидалось ${expected}, получено: ${what}`,
  expectedArray: ({ length, what }) => `ожидался массив из ${length} ${elementsRuGen(length)}, получено: ${what}`,
  expectedObject: ({ keys, what }) => `ожидался объект с ключами ${keys}, получено: ${what}`,
  missingKey: ({ key, keys }) => `отсутствует: в возвращённом объекте нет ключа ${key} (есть ключи: ${keys})`,
  missingKeyEmpty: ({ key }) => `отсутствует: в возвращённом объекте нет ключа ${key} (в нём вообще нет ключей)`,
  arrayLength: ({ expected, actual }) =>
    `ожидался массив из ${expected} ${elementsRuGen(expected)}, получен массив из ${actual} ${elementsRuGen(actual)}`,
  unreadable: ({ error }) => `не удалось прочитать возвращённое значение (${error})`,

  whatUndefined: () => 'undefined',
  whatNull: () => 'null',
  whatNumber: ({ value }) => `число ${value}`,
  whatString: ({ value }) => `строка ${value}`,
  whatBoolean: ({ value }) => `логическое значение ${value}`,
  whatBigint: ({ value }) => `BigInt ${value}`,
  whatSymbol: () => 'Symbol',
  whatFunction: ({ name }) => (name ? `функция ${name}` : 'функция'),
  whatArray: ({ length }) => `обычный массив из ${length} ${elementsRuGen(length)}`,
  whatTypedArray: ({ type, length }) => `${type} из ${length} ${valuesRuGen(length)}`,
  whatObject: ({ keys }) => `объект с ключами ${keys}`,
  whatEmptyObject: () => 'пустой объект {}',
  whatTensor: ({ shape, dtype }) => `тензор ${dtype} формы ${shape}`,
  whatMalformedTensor: ({ error }) => `повреждённый тензор (${error})`,
  whatDisposedTensor: ({ shape }) => `тензор формы ${shape}, который уже освобождён (dispose)`,
  whatModel: () => 'модель tfjs',
  whatPromise: () => 'Promise',
  whatIterator: () => 'итератор',
  whatMap: () => 'Map',
  whatSet: () => 'Set',
  whatDate: () => 'Date',
  whatError: ({ message }) => `ошибка (Error) ${message}`,
  whatUnreadable: () => 'значение, которое не удаётся прочитать',

  hintUndefined: () => 'функция ничего не вернула (забыт return?)',
  hintPromise: () => 'забыли await?',
  hintFunction: () => 'вернули саму функцию вместо результата её вызова?',
  hintTypedArrayForTensor: () => 'вернули t.dataSync() вместо самого тензора?',
  hintArrayForTensor: () => 'нужно вернуть тензор: оберните значения в tf.tensor(...)',
  hintNumberForTensor: () => 'нужно вернуть тензор: tf.scalar(x)',
  hintTensorForNumber: () => 'нужно вернуть обычное число: (await t.data())[0] или t.dataSync()[0]',
  hintDisposed: () => 'не освобождайте тензор, который возвращаете (верните его из tf.tidy вместо dispose)',
  hintIterator: () => 'вернули генератор вместо его результата?',

  shapeMismatch: ({ expected, actual }) => `ожидалась форма ${expected}, получена ${actual}`,
  shapeSameSize: () => 'число элементов совпадает: транспонирование или reshape?',
  shapeExtraAxis: ({ expected }) => `лишняя ось размера 1: сделайте reshape к ${expected} или tf.squeeze`,
  shapeMissingAxis: ({ expected }) => `не хватает оси размера 1: сделайте reshape к ${expected} или expandDims`,
  shapeSameValues: ({ expected }) =>
    `сами значения верны и идут в нужном порядке, отличается только форма: сделайте reshape к ${expected}`,
  shapeTransposed: () =>
    'это в точности транспонированный ожидаемый результат: транспонируйте его или поменяйте местами множители в matMul',
  arrayLengthAsShape: () => 'длина массива',

  dtypeMismatch: ({ expected, actual }) => `ожидался тензор типа ${expected}, получен ${actual}`,
  dtypeHintFloat: () =>
    "int32 получается из tf.tensor(..., 'int32'), argMax или целочисленных входов; преобразуйте: tf.cast(x, 'float32')",
  dtypeHintInt: () => "целочисленные тензоры создавайте так: tf.tensor1d(values, 'int32') или tf.cast(x, 'int32')",

  valuesDiffer: ({ mismatched, total, rtol, atol }) =>
    `значения отличаются в ${mismatched} из ${total} ${elementsRuGen(total)} (допуск rtol ${rtol}, atol ${atol}).`,
  valuesDifferExact: ({ mismatched, total, dtype }) =>
    `значения отличаются в ${mismatched} из ${total} ${elementsRuGen(total)} (значения ${dtype} должны совпадать точно).`,
  worstAt: ({ index, expected, actual, abs, rel }) =>
    `Наибольшее расхождение в ${index}: ожидалось ${expected}, получено ${actual} (абс. ошибка ${abs}${rel === undefined ? '' : `, отн. ${rel}`}).`,
  firstAt: ({ index, expected, actual }) => `Первое расхождение в ${index}: ожидалось ${expected}, получено ${actual}.`,
  maxErrors: ({ abs, rel }) => `Макс. абс. ошибка ${abs}, макс. отн. ${rel}.`,
  scalarDiffers: ({ expected, actual, abs, rel, rtol, atol }) =>
    `ожидалось ${expected}, получено ${actual} (абс. ошибка ${abs}${rel === undefined ? '' : `, отн. ${rel}`}; допуск rtol ${rtol}, atol ${atol}).`,
  literalDiffers: ({ expected, actual }) => `ожидалось ${expected}, получено ${actual}.`,
  usualCause: ({ cause }) => `Частая причина: ${cause}`,

  nonfinite: ({ count, total, first, value }) =>
    `получены NaN или Infinity в ${count} из ${total} ${elementsRuGen(total)}, где ожидались конечные значения (первое в ${first}: ${value}).`,
  nanForbidden: ({ count, total, first }) =>
    `NaN здесь недопустим, а получен в ${count} из ${total} ${elementsRuGen(total)} (первый в ${first}).`,
  nonfiniteScalar: ({ expected, actual }) => `ожидалось ${expected}, получено ${actual}.`,
  nonfiniteHint: () =>
    'NaN и Infinity обычно возникают из log(0), деления на ноль или exp от большого числа: используйте численно устойчивую формулу (logSumExp, tf.losses.softmaxCrossEntropy) или ограничьте значения (clip).',

  diagZeros: () => 'Результат целиком из нулей: что-то не вычислено или не накоплено?',
  diagSignFlip: () =>
    'У всех элементов противоположный знак: проверьте порядок вычитания (a − y или y − a) или потерянный минус.',
  diagScale: ({ factor }) =>
    `Все элементы отличаются в одно и то же число раз (получено ≈ ${factor} × ожидаемое): лишний или пропущенный множитель вроде 1/N (размер батча) или 1/2?`,
  diagScaleOne: ({ factor }) =>
    `Значение ≈ ${factor} × ожидаемое: лишний или пропущенный множитель вроде 1/N, или проценты вместо доли?`,
  diagSignFlipOne: () => 'У значения противоположный знак: проверьте порядок вычитания или потерянный минус.',
  diagOffset: ({ offset }) =>
    `Все элементы сдвинуты на одну и ту же величину (${offset}): лишняя константа или смещение (bias) добавлено дважды?`,
  diagTransposed: () => 'Результат совпадает с транспонированным ожидаемым.',

  moreFailures: ({ count }) => `… и ещё ${count} ${pluralRu(count, 'расхождение', 'расхождения', 'расхождений')}.`,

  tensorNotObject: () => 'не объект',
  tensorKind: () => "kind не равен 'tensor'",
  tensorShape: ({ problem }) => `неверная форма: ${problem}`,
  tensorDtype: ({ dtype }) => `неизвестный dtype ${dtype}`,
  tensorData: ({ dtype, expected, got }) => `данные тензора ${dtype} должны быть ${expected}, получено: ${got}`,
  tensorLength: ({ length, shape, size }) =>
    `в данных ${length} ${pluralRu(length, 'значение', 'значения', 'значений')}, а форме ${shape} нужно ${size}`,
  tensorBool: ({ index }) => `данные bool должны быть 0 или 1 (элемент ${index} не такой)`,
  tensorString: ({ index }) => `данные string должны быть строками (элемент ${index} не строка)`,
};

export const CATALOGUES: Readonly<Record<Lang, Catalogue>> = { en, ru };

/** The catalogue of a language; anything but 'ru' falls back to English. */
export function messagesFor(lang: unknown): Catalogue {
  return lang === 'ru' ? ru : en;
}
