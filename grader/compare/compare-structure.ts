/**
 * Compares a returned structure ({zs, activations}, {deltas, dW, db}, {params, velocities}…)
 * with the expected one, leaf by leaf, with labels like `deltas[1]` or `gradF(x, y).dx`.
 * The walk follows the expected structure (trusted, finite), so a cyclic or endless actual
 * value cannot make it loop. Extra keys in the actual value are ignored.
 */
import { compareNumbersResolved } from './compare-numbers';
import { checkedExpected, compareTensorsResolved } from './compare-tensors';
import { describeText } from './describe';
import { formatList, joinPath, quote, truncate } from './format';
import { messagesFor } from './messages';
import { causeFor, relabel, resolveOptions, withLabel, type ResolvedOptions } from './options';
import type { PlainTensor } from './plain-tensor';
import { errorText, kindOf, safeIsArray, safeKeys, safeOwn } from './safe';
import { CompareSetupError, type CompareOptions, type Comparison, type ComparisonFailure } from './types';

/** What an expected structure may hold. */
export type Expected =
  | PlainTensor
  | number
  | string
  | boolean
  | null
  | readonly Expected[]
  | { readonly [key: string]: Expected };

export interface StructureOptions extends CompareOptions {
  /** How many failures to describe (default 5); the count of all failures is always kept. */
  maxFailures?: number;
  /**
   * Options for some leaves, by path relative to the root: exact ('dW[1]', 'grads.dx') or
   * with any index ('dW[*]'). They are merged over the base options.
   */
  overrides?: Record<string, Partial<CompareOptions>>;
}

export interface StructureEntry {
  /** The full label of the leaf, e.g. 'backward(layers, x, y).dW[1]'. */
  path: string;
  comparison: Comparison;
}

export interface StructureComparison {
  ok: boolean;
  /** Leaves compared (tensors, numbers, literals). */
  compared: number;
  /** Failures found: failing leaves, missing keys, wrong array lengths, wrong kinds. */
  failed: number;
  /** The first `maxFailures` failures, in walk order. */
  failures: Array<{ path: string; comparison: ComparisonFailure }>;
  /** Every leaf's comparison in walk order (at most 256), for the report. */
  leaves: StructureEntry[];
  /** The failures' messages, one per line, '' when ok. */
  message: string;
}

const MAX_DEPTH = 32;
const MAX_LEAVES_KEPT = 256;
const MAX_NODES = 100_000;
/** The `kind` tags of grader/runner/wire.ts: such a value is not the object a student built. */
const WIRE_KINDS = new Set(['tensor', 'disposed-tensor', 'model', 'promise', 'iterator', 'function', 'bigint', 'symbol']);

type Node =
  | { t: 'tensor'; value: PlainTensor }
  | { t: 'number'; value: number }
  | { t: 'literal'; value: string | boolean | null }
  | { t: 'array'; items: Node[] }
  | { t: 'object'; entries: Array<[string, Node]> };

/** Validates the expected structure once, before any untrusted value is touched. */
function buildExpected(value: unknown, path: string, depth: number, seen: Set<object>, budget: { left: number }): Node {
  if (--budget.left < 0) throw new CompareSetupError('compareStructure: the expected structure is too large');
  if (depth > MAX_DEPTH) throw new CompareSetupError(`compareStructure: the expected structure is deeper than ${MAX_DEPTH} at ${path || 'the root'}`);
  if (typeof value === 'number') return { t: 'number', value };
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return { t: 'literal', value };
  if (typeof value !== 'object') {
    throw new CompareSetupError(`compareStructure: unsupported expected value (${typeof value}) at ${path || 'the root'}`);
  }
  if (seen.has(value)) throw new CompareSetupError(`compareStructure: the expected structure is cyclic at ${path || 'the root'}`);
  if (kindOf(value) === 'tensor') return { t: 'tensor', value: checkedExpected(value) };
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return { t: 'array', items: value.map((item, i) => buildExpected(item, `${path}[${i}]`, depth + 1, seen, budget)) };
    }
    const entries: Array<[string, Node]> = Object.keys(value).map((key) => [
      key,
      buildExpected((value as Record<string, unknown>)[key], joinPath(path, key), depth + 1, seen, budget),
    ]);
    return { t: 'object', entries };
  } finally {
    seen.delete(value);
  }
}

interface Walk {
  base: ResolvedOptions;
  rootLabel: string;
  overrides: Map<string, ResolvedOptions>;
  maxFailures: number;
  result: StructureComparison;
}

function fullLabel(rootLabel: string, path: string): string {
  if (path === '') return rootLabel;
  if (rootLabel === '') return path;
  return path.startsWith('[') ? `${rootLabel}${path}` : `${rootLabel}.${path}`;
}

function optionsAt(w: Walk, path: string): ResolvedOptions {
  const own = w.overrides.get(path) ?? w.overrides.get(path.replace(/\[\d+\]/g, '[*]')) ?? w.base;
  return relabel(own, fullLabel(w.rootLabel, path));
}

function record(w: Walk, path: string, comparison: Comparison, leaf: boolean): void {
  const label = fullLabel(w.rootLabel, path);
  if (leaf) {
    w.result.compared++;
    if (w.result.leaves.length < MAX_LEAVES_KEPT) w.result.leaves.push({ path: label, comparison });
  }
  if (!comparison.ok) {
    w.result.failed++;
    w.result.ok = false;
    if (w.result.failures.length < w.maxFailures) w.result.failures.push({ path: label, comparison });
  }
}

function fail(w: Walk, path: string, reason: 'type' | 'shape', message: string, extra: Partial<ComparisonFailure> = {}): void {
  const r = optionsAt(w, path);
  const cause = causeFor(r, reason);
  const text = cause !== undefined ? `${message} — ${cause}` : message;
  record(w, path, { ok: false, reason, message: withLabel(r, text), ...extra }, false);
}

function walk(w: Walk, node: Node, actual: unknown, path: string): void {
  const r = optionsAt(w, path);
  const m = messagesFor(r.lang);
  switch (node.t) {
    case 'tensor':
      record(w, path, compareTensorsResolved(node.value, actual, r), true);
      return;
    case 'number':
      record(w, path, compareNumbersResolved(node.value, actual, r), true);
      return;
    case 'literal': {
      let comparison: Comparison;
      if (Object.is(node.value, actual)) {
        comparison = { ok: true, maxAbsError: 0, maxRelError: 0 };
      } else {
        const expectedText = typeof node.value === 'string' ? quote(node.value) : String(node.value);
        const same = typeof actual === typeof node.value && actual !== null;
        const message = same
          ? m.literalDiffers({ expected: expectedText, actual: typeof actual === 'string' ? quote(actual) : String(actual) })
          : m.expectedValue({ expected: expectedText, what: describeText(actual, r.lang, 'value') });
        comparison = { ok: false, reason: same ? 'values' : 'type', message: withLabel(r, message) };
      }
      record(w, path, comparison, true);
      return;
    }
    case 'array': {
      const isArray = safeIsArray(actual);
      if (!isArray.ok) return fail(w, path, 'type', m.unreadable({ error: isArray.error }));
      if (!isArray.value || typeof actual !== 'object' || actual === null) {
        return fail(w, path, 'type', m.expectedArray({ length: node.items.length, what: describeText(actual, r.lang, 'array') }));
      }
      const lengthRead = safeOwn(actual, 'length');
      if (!lengthRead.ok) return fail(w, path, 'type', m.unreadable({ error: lengthRead.error }));
      const length = 'missing' in lengthRead || typeof lengthRead.value !== 'number' ? 0 : lengthRead.value;
      if (length !== node.items.length) {
        fail(w, path, 'shape', m.arrayLength({ expected: node.items.length, actual: length }), {
          expectedShape: [node.items.length],
          actualShape: [length],
        });
      }
      const common = Math.min(length, node.items.length);
      for (let i = 0; i < common; i++) {
        const itemPath = `${path}[${i}]`;
        const item = safeOwn(actual, String(i));
        if (!item.ok) fail(w, itemPath, 'type', m.unreadable({ error: item.error }));
        else walk(w, node.items[i], 'missing' in item ? undefined : item.value, itemPath);
      }
      return;
    }
    case 'object': {
      const expectedKeys = formatList(node.entries.map(([key]) => key));
      const isArray = safeIsArray(actual);
      if (!isArray.ok) return fail(w, path, 'type', m.unreadable({ error: isArray.error }));
      const kind = kindOf(actual);
      const isWireValue = kind !== undefined && WIRE_KINDS.has(kind) && !node.entries.some(([key]) => key === 'kind');
      if (typeof actual !== 'object' || actual === null || isArray.value || isWireValue) {
        return fail(w, path, 'type', m.expectedObject({ keys: expectedKeys, what: describeText(actual, r.lang, 'object') }));
      }
      for (const [key, child] of node.entries) {
        const childPath = joinPath(path, key);
        const read = safeOwn(actual, key);
        if (!read.ok) {
          fail(w, childPath, 'type', m.unreadable({ error: read.error }));
        } else if ('missing' in read) {
          const keys = safeKeys(actual, 7);
          const present = keys.ok ? keys.value.map((k) => truncate(k, 40)) : [];
          const shownKey = quote(key, 40);
          fail(
            w,
            childPath,
            'type',
            present.length === 0 ? m.missingKeyEmpty({ key: shownKey }) : m.missingKey({ key: shownKey, keys: formatList(present) }),
          );
        } else {
          walk(w, child, read.value, childPath);
        }
      }
      return;
    }
  }
}

/**
 * Compares a structure of tensors, numbers and literals. Throws `CompareSetupError` only when
 * the expected structure or the options are invalid; never throws because of `actual`.
 */
export function compareStructure(expected: Expected, actual: unknown, opts?: StructureOptions): StructureComparison {
  const base = resolveOptions(opts);
  const maxFailures = opts?.maxFailures ?? 5;
  if (!Number.isInteger(maxFailures) || maxFailures < 1) {
    throw new CompareSetupError('compareStructure: maxFailures must be a positive integer');
  }
  const overrides = new Map<string, ResolvedOptions>();
  for (const [path, override] of Object.entries(opts?.overrides ?? {})) {
    overrides.set(path, resolveOptions({ ...opts, ...override, label: undefined }));
  }
  const root = buildExpected(expected, '', 0, new Set(), { left: MAX_NODES });

  const result: StructureComparison = { ok: true, compared: 0, failed: 0, failures: [], leaves: [], message: '' };
  const w: Walk = { base, rootLabel: base.label, overrides, maxFailures, result };
  try {
    walk(w, root, actual, '');
  } catch (error) {
    // Every read of `actual` is guarded; this is the last line of defence.
    const m = messagesFor(base.lang);
    record(w, '', { ok: false, reason: 'type', message: withLabel(base, m.unreadable({ error: errorText(error) })) }, false);
  }
  const lines = result.failures.map((f) => f.comparison.message);
  if (result.failed > result.failures.length) {
    lines.push(messagesFor(base.lang).moreFailures({ count: result.failed - result.failures.length }));
  }
  result.message = lines.join('\n');
  return result;
}
