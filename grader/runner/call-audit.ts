/**
 * Every call of a student export, measured: not only the calls a property test makes.
 *
 * A submission can tell which check is calling it (the call stack names the probe, the
 * inputs have a test's sizes) and behave only while that check watches: honest gradients for
 * the autograd probe, hand-written ones for the value tests. So the runner measures every
 * top-level call of an export, from a probe or from the grader directly, with the trusted
 * meters (grader/runner/trusted-tf.ts): how many times the engine's gradients() ran, how many
 * tensors were left alive beyond those returned, and whether the arguments (tensors, arrays,
 * plain objects) were changed or disposed, right after the call and, for the grader's direct
 * calls, again later (a change deferred to a microtask or a timer). The runner sends a
 * summary per export with every reply; the grader merges the summaries of all its runners,
 * and a spec's `audit` takes back the points of a property that some call broke.
 *
 * This file holds both sides: the recorder (inside the runner) and the summary's schema and
 * merge (in the grader).
 */
import { z } from 'zod';
import type { TrustedTf } from '../spec/probe';

const MAX_NOTES = 5;
const MAX_NODES = 300;
const MAX_DEPTH = 3;

/** What the calls of one export did, summed over the calls. */
export const ExportAuditSchema = z.object({
  name: z.string().max(200),
  calls: z.number().int().min(0),
  /** Calls that returned without the engine's gradients() having run. */
  withoutAutograd: z.number().int().min(0),
  /** The most tensors one call left alive beyond those it returned. */
  maxLeaked: z.number().int(),
  /** What calls changed in their arguments, as they returned (the first few). */
  changed: z.array(z.string().max(300)).max(MAX_NOTES),
  /** What was changed after a call had returned (the first few). */
  changedLater: z.array(z.string().max(300)).max(MAX_NOTES),
  /**
   * Iterators it returned (generators): the most tensor memory one held between its batches,
   * beyond what it had yielded, in batches (the bytes over the yielded batch's bytes).
   */
  maxHeldBatches: z.number().min(0).optional(),
  /** Tensors an iterator had made, not yielded, and left alive when it finished or was stopped. */
  iteratorLeaked: z.number().int().min(0).optional(),
});
export type ExportAudit = z.infer<typeof ExportAuditSchema>;

export const AuditMessageSchema = z.object({
  type: z.literal('audit'),
  id: z.number().int(),
  exports: z.array(ExportAuditSchema).max(100),
});

/** The audit of a whole grading, per export. */
export type CallAuditLog = Map<string, ExportAudit>;

function emptyAudit(name: string): ExportAudit {
  return { name, calls: 0, withoutAutograd: 0, maxLeaked: 0, changed: [], changedLater: [] };
}

function addNotes(into: string[], notes: readonly string[]): void {
  for (const n of notes) if (into.length < MAX_NOTES && !into.includes(n)) into.push(n);
}

/** Adds `from` into `log` (grader side: the summaries of every reply of every runner). */
export function mergeAudit(log: CallAuditLog, from: readonly ExportAudit[]): void {
  for (const a of from) {
    const e = log.get(a.name) ?? emptyAudit(a.name);
    e.calls += a.calls;
    e.withoutAutograd += a.withoutAutograd;
    e.maxLeaked = Math.max(e.maxLeaked, a.maxLeaked);
    addNotes(e.changed, a.changed);
    addNotes(e.changedLater, a.changedLater);
    if (a.maxHeldBatches !== undefined) e.maxHeldBatches = Math.max(e.maxHeldBatches ?? 0, a.maxHeldBatches);
    if (a.iteratorLeaked !== undefined) e.iteratorLeaked = Math.max(e.iteratorLeaked ?? 0, a.iteratorLeaked);
    log.set(a.name, e);
  }
}

// ---------------------------------------------------------------------------------------------
// The recorder, inside the runner.

type Node =
  | { path: string; kind: 'tensor'; ref: object; values: number[] | null }
  | { path: string; kind: 'array'; ref: unknown[]; items: unknown[] }
  | { path: string; kind: 'object'; ref: object; props: Map<string | symbol, unknown> };

export interface Snapshot {
  name: string;
  nodes: Node[];
  /** The changes already reported when the call returned. */
  reported: string[];
}

const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ownKeys = Reflect.ownKeys;
const isArray = Array.isArray;
const objectProto = Object.prototype;

function describeProps(o: object): Map<string | symbol, unknown> {
  const out = new Map<string | symbol, unknown>();
  for (const key of ownKeys(o)) {
    const d = getOwnPropertyDescriptor(o, key);
    out.set(key, d === undefined ? undefined : 'value' in d ? d.value : d.get);
  }
  return out;
}

export class CallAuditor {
  private depth = 0;
  private current = new Map<string, ExportAudit>();
  /** Snapshots of the grader's direct calls, checked again later (the newest few). */
  private kept: Snapshot[] = [];

  constructor(
    private readonly trusted: TrustedTf,
    private readonly isTensor: (v: unknown) => boolean,
  ) {}

  private entry(name: string): ExportAudit {
    let e = this.current.get(name);
    if (e === undefined) {
      e = emptyAudit(name);
      this.current.set(name, e);
    }
    return e;
  }

  snapshot(name: string, args: readonly unknown[]): Snapshot {
    const nodes: Node[] = [];
    const seen = new Set<unknown>();
    const walk = (v: unknown, path: string, depth: number) => {
      if (nodes.length >= MAX_NODES || typeof v !== 'object' || v === null || seen.has(v)) return;
      seen.add(v);
      if (this.isTensor(v)) {
        nodes.push({ path, kind: 'tensor', ref: v, values: this.trusted.values(v) });
        return;
      }
      if (isArray(v)) {
        nodes.push({ path, kind: 'array', ref: v, items: [...v] });
        if (depth < MAX_DEPTH) v.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1));
        return;
      }
      const proto: unknown = getPrototypeOf(v);
      if (proto !== objectProto && proto !== null) return;
      const props = describeProps(v);
      nodes.push({ path, kind: 'object', ref: v, props });
      if (depth < MAX_DEPTH) for (const [key, value] of props) if (typeof key === 'string') walk(value, `${path}.${key}`, depth + 1);
    };
    args.forEach((a, i) => walk(a, `argument ${i + 1}`, 0));
    return { name, nodes, reported: [] };
  }

  /** What differs from the snapshot now. */
  changes(s: Snapshot): string[] {
    const out: string[] = [];
    for (const n of s.nodes) {
      if (out.length >= MAX_NOTES) break;
      if (n.kind === 'tensor') {
        if (n.values === null) continue;
        const now = this.trusted.values(n.ref);
        if (now === null) out.push(`${s.name}: ${n.path} (a tensor) was disposed`);
        else if (now.length !== n.values.length || now.some((x, i) => !Object.is(x, n.values?.[i]))) out.push(`${s.name}: ${n.path} (a tensor) was changed in place`);
      } else if (n.kind === 'array') {
        const now = n.ref;
        if (now.length !== n.items.length || n.items.some((x, i) => now[i] !== x)) out.push(`${s.name}: ${n.path} (an array) was changed`);
      } else {
        const now = describeProps(n.ref);
        if (now.size !== n.props.size || [...n.props].some(([k, v]) => !now.has(k) || !Object.is(now.get(k), v))) out.push(`${s.name}: ${n.path} (an object) was changed`);
      }
    }
    return out;
  }

  private liveTensorsIn(result: unknown): number {
    const seen = new Set<unknown>();
    let count = 0;
    const walk = (v: unknown, depth: number) => {
      if (seen.size >= MAX_NODES * 4 || typeof v !== 'object' || v === null || seen.has(v)) return;
      seen.add(v);
      if (this.isTensor(v)) {
        if (this.trusted.values(v) !== null) count++;
        return;
      }
      if (depth >= MAX_DEPTH + 1) return;
      if (isArray(v)) v.forEach((item) => walk(item, depth + 1));
      else if (getPrototypeOf(v) === objectProto || getPrototypeOf(v) === null) {
        for (const key of ownKeys(v)) {
          const d = getOwnPropertyDescriptor(v, key);
          if (d !== undefined && 'value' in d) walk(d.value, depth + 1);
        }
      }
    };
    walk(result, 0);
    return count;
  }

  /**
   * A call of export `name` begins; the returned function ends it (undefined for a call made
   * from inside another export's call, which is part of that one).
   */
  begin(name: string, args: readonly unknown[]): ((outcome: { result?: unknown; threw: boolean; iterator: boolean }) => Snapshot) | undefined {
    if (this.depth > 0) return undefined;
    this.depth++;
    const gradients = this.trusted.gradientCalls();
    const mark = this.trusted.tensorMark();
    const snap = this.snapshot(name, args);
    return ({ result, threw, iterator }) => {
      this.depth--;
      const e = this.entry(name);
      e.calls++;
      if (!threw && this.trusted.gradientCalls() === gradients) e.withoutAutograd++;
      if (!threw && !iterator) e.maxLeaked = Math.max(e.maxLeaked, this.trusted.aliveSince(mark) - this.liveTensorsIn(result));
      snap.reported = this.changes(snap);
      addNotes(e.changed, snap.reported);
      return snap;
    };
  }

  /**
   * An iterator returned by a call of `name` that began at tensor mark `mark`: each step (a
   * next, return or throw) is measured. What it holds between steps: the tensors born during
   * the call and its steps, still alive and never yielded, in bytes (4 per element), over the
   * bytes of the batch the step yielded. What it leaves: those still alive when it is done.
   */
  iterator(name: string, mark: number): (run: () => unknown) => unknown {
    const own = new Set<object>();
    const yielded = new WeakSet<object>();
    const sizes = new Map<object, number>();
    let finished = false;
    // Only what the iterator's own code made: the call, then each step. Tensors the caller
    // makes between steps are not the iterator's.
    const collect = (from: number) => {
      for (const { tensor, size } of this.trusted.aliveBornBetween(from, this.trusted.tensorMark())) {
        own.add(tensor);
        sizes.set(tensor, size);
      }
    };
    collect(mark);
    const tensorsIn = (value: unknown): object[] => {
      const out: object[] = [];
      const walk = (v: unknown, depth: number) => {
        if (typeof v !== 'object' || v === null || out.length > 100) return;
        if (this.isTensor(v)) out.push(v);
        else if (depth < 2 && (isArray(v) || getPrototypeOf(v) === objectProto || getPrototypeOf(v) === null)) {
          for (const key of ownKeys(v)) {
            const d = getOwnPropertyDescriptor(v, key);
            if (d !== undefined && 'value' in d) walk(d.value, depth + 1);
          }
        }
      };
      walk(value, 0);
      return out;
    };
    return (run) => {
      let step: unknown;
      const before = this.trusted.tensorMark();
      try {
        step = run();
      } finally {
        collect(before);
      }
      const e = this.entry(name);
      const done = typeof step === 'object' && step !== null && getOwnPropertyDescriptor(step, 'done')?.value === true;
      const value = typeof step === 'object' && step !== null ? getOwnPropertyDescriptor(step, 'value')?.value : undefined;
      let batchBytes = 0;
      for (const t of tensorsIn(value)) {
        yielded.add(t);
        batchBytes += 4 * (sizes.get(t) ?? 0);
      }
      let heldBytes = 0;
      for (const t of own) {
        if (yielded.has(t) || !this.trusted.isAlive(t)) continue;
        heldBytes += 4 * (sizes.get(t) ?? 0);
      }
      if (!done && batchBytes > 0) e.maxHeldBatches = Math.max(e.maxHeldBatches ?? 0, Math.round((heldBytes / batchBytes) * 100) / 100);
      if (done && !finished) {
        finished = true;
        let left = 0;
        for (const t of own) if (!yielded.has(t) && this.trusted.isAlive(t)) left++;
        e.iteratorLeaked = Math.max(e.iteratorLeaked ?? 0, left);
      }
      return step;
    };
  }

  /** The tensor mark now (where an iterator's own tensors begin). */
  mark(): number {
    return this.trusted.tensorMark();
  }

  /** Keeps a direct call's snapshot, to be checked again by `recheck` (its arguments are the runner's own). */
  keep(s: Snapshot): void {
    this.kept.push(s);
    if (this.kept.length > 20) this.kept.shift();
  }

  /** Checks the kept snapshots again: what was changed after its call returned. */
  recheck(): void {
    for (const s of this.kept) {
      const later = this.changes(s).filter((n) => !s.reported.includes(n));
      if (later.length > 0) addNotes(this.entry(s.name).changedLater, later);
    }
  }

  /** The summaries since the last take (sent with a reply). */
  take(): ExportAudit[] {
    const out = [...this.current.values()];
    this.current = new Map();
    return out;
  }
}
