/**
 * Formatting of numbers, shapes, indices and untrusted strings for messages. Everything here
 * is bounded: no function returns a string longer than a few hundred characters, whatever
 * it is given.
 */

/** Shows at most this many dimensions of a shape or index. */
const MAX_DIMS_SHOWN = 8;

/** A number the way a student can read it: -0, NaN and Infinity spelled out, 4 significant digits. */
export function formatNumber(x: number, digits = 4): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const abs = Math.abs(x);
  if (Number.isInteger(x) && abs < 1e9) return String(x);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(x.toPrecision(digits)));
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${trimmed}e${exponent}`;
}

/**
 * Two numbers that differ, each with just enough digits (4 to 9) to show that they differ:
 * 0.12345678 and 0.12345679 do not both print as 0.1235.
 */
export function formatPair(a: number, b: number): [string, string] {
  let fa = formatNumber(a);
  let fb = formatNumber(b);
  for (let digits = 5; fa === fb && !Object.is(a, b) && digits <= 9; digits++) {
    fa = formatNumber(a, digits);
    fb = formatNumber(b, digits);
  }
  return [fa, fb];
}

/** `[4, 3]`; very long shapes are cut: `[1, 1, 1, 1, 1, 1, 1, 1, … (20 dims)]`. */
export function formatShape(shape: readonly number[]): string {
  if (shape.length <= MAX_DIMS_SHOWN) return `[${shape.join(', ')}]`;
  return `[${shape.slice(0, MAX_DIMS_SHOWN).join(', ')}, … (${shape.length} dims)]`;
}

export const formatIndex = formatShape;

/** The multi-index of a flat (row-major) index. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d];
    index[d] = size > 0 ? rest % size : 0;
    rest = size > 0 ? Math.floor(rest / size) : 0;
  }
  return index;
}

/** Cuts a string to `max` characters without splitting a surrogate pair; adds `…` when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** An untrusted string quoted for a message: cut to `max` characters, control characters escaped. */
export function quote(text: string, max = 40): string {
  const cut = truncate(text, max);
  // JSON.stringify escapes quotes, backslashes and control characters.
  return JSON.stringify(cut);
}

/** A property key for a path: `dx`, or `["weird key"]` when it is not an identifier. */
export function formatKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `[${quote(key, 60)}]`;
}

/** Joins a path to a key: `grads` + `dx` → `grads.dx`; '' + `dx` → `dx`. */
export function joinPath(path: string, key: string): string {
  const k = formatKey(key);
  if (k.startsWith('[')) return `${path}${k}`;
  return path === '' ? k : `${path}.${k}`;
}

/** A comma-separated list of at most `max` items, `…` when there are more. */
export function formatList(items: readonly string[], max = 6): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown}, … (${items.length})` : shown;
}

/** Russian plural form: pluralRu(n, 'элемент', 'элемента', 'элементов'). */
export function pluralRu(n: number, one: string, few: string, many: string): string {
  const n10 = n % 10;
  const n100 = n % 100;
  if (n10 === 1 && n100 !== 11) return one;
  if (n10 >= 2 && n10 <= 4 && (n100 < 12 || n100 > 14)) return few;
  return many;
}

/** English plural: pluralEn(1, 'entry', 'entries'). */
export function pluralEn(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
