/**
 * What the trusted boundary (issue 14) costs a grading, measured on real gradings and the same
 * work replayed without the boundary, side by side in one run:
 *
 *   - the type check in a child process with limits (grader/compile/type-check-child.ts)
 *     against the same check in this process;
 *   - the runner channel's own framing (grader/runner/frame-codec.ts + channel.ts: a
 *     bounded, non-recursive codec and an HMAC per frame) against V8's structured
 *     serialisation (what Node's 'advanced' IPC uses), over the very calls and replies the
 *     grading exchanged with its runner;
 *   - the judge process for students' models (grader/judge) against loading and running the
 *     same models here, over the very loads and predictions the grading made.
 *
 * A light grading (autograd-graph's correct example) and an MNIST grading (mnist-mlp's) are
 * run with each boundary wrapped by a recorder (a few microseconds per call); each recorded
 * operation is then replayed both ways. The headline is the boundary's added time as a share
 * of the grading's wall time (target: under 10 %).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { loadStudentModel } from '../../assignments/mnist-mlp/student-models';
import * as typeCheckChild from '../../grader/compile/type-check-child';
import { typeCheckSubmission, type TypeCheckInput } from '../../grader/compile/type-check';
import { Judge } from '../../grader/judge/judge-client';
import type { LoadRequest } from '../../grader/judge/judge-protocol';
import { gradeAssignment } from '../../grader/run/grade-assignment';
import { FRAME_HEADER_BYTES, FrameReader, FrameSealer, newChannelKey } from '../../grader/runner/channel';
import { decodeFrameValue, encodeFrameValue } from '../../grader/runner/frame-codec';
import { RunnerClient } from '../../grader/runner/runner-client';
import { DIST_ROOT } from '../../grader/paths';
import { getAssignment } from '../../grader/spec/discover';
import { exampleAsSubmission, listExamples } from '../../grader/spec/examples';
import type { BenchContext, BenchRow } from './bench-types';
import { median } from './training-protocol';

export const name = 'boundary-overhead';

const BACKEND = 'wasm';
const TARGET_SHARE = 0.1;
const FRAME_CAP = 512 * 1024 * 1024;

interface RecordedCall {
  request: unknown;
  reply: unknown;
}
interface RecordedLoad {
  artifacts: LoadRequest['artifacts'];
  ms: number;
  /** The index of the recorded load whose model a later predict used. */
  handle: number;
}
interface RecordedPredict {
  handle: number;
  inputs: Float32Array;
  shape: number[];
  batchSize: number;
  ms: number;
}
interface Recording {
  calls: RecordedCall[];
  typeChecks: Array<{ input: TypeCheckInput; ms: number }>;
  loads: RecordedLoad[];
  predicts: RecordedPredict[];
}

/**
 * Wraps the three boundaries with recorders for the length of `work`. The recorders keep
 * references (no copies) and time each crossing; they are removed afterwards.
 */
async function recording<T>(work: () => Promise<T>): Promise<{ value: T; rec: Recording }> {
  const rec: Recording = { calls: [], typeChecks: [], loads: [], predicts: [] };
  const originalCall = RunnerClient.prototype.call;
  const originalCheck = typeCheckChild.typeCheckInChild;
  const originalLoad = Judge.prototype.load;
  const originalPredict = Judge.prototype.predict;
  const handles = new Map<number, number>();
  RunnerClient.prototype.call = async function (this: RunnerClient, target, callName, args, timeoutMs, where) {
    const request = { type: 'call', id: rec.calls.length + 1, target, name: callName, args };
    const entry: RecordedCall = { request, reply: undefined };
    rec.calls.push(entry);
    const value = await originalCall.call(this, target, callName, args, timeoutMs, where);
    entry.reply = { type: 'result', id: rec.calls.length, value };
    return value;
  };
  (typeCheckChild as { typeCheckInChild: typeof originalCheck }).typeCheckInChild = async (input, limits) => {
    const t0 = performance.now();
    const outcome = await originalCheck(input, limits);
    rec.typeChecks.push({ input, ms: performance.now() - t0 });
    return outcome;
  };
  Judge.prototype.load = async function (this: Judge, artifacts, what) {
    const t0 = performance.now();
    const held = await originalLoad.call(this, artifacts, what);
    handles.set(held.handle * 1e6 + held.generation, rec.loads.length);
    rec.loads.push({ artifacts, ms: performance.now() - t0, handle: held.handle });
    return held;
  };
  Judge.prototype.predict = async function (this: Judge, model, inputs, shape, batchSize, what) {
    const t0 = performance.now();
    const out = await originalPredict.call(this, model, inputs, shape, batchSize, what);
    rec.predicts.push({ handle: handles.get(model.handle * 1e6 + model.generation) ?? -1, inputs, shape, batchSize, ms: performance.now() - t0 });
    return out;
  };
  try {
    return { value: await work(), rec };
  } finally {
    RunnerClient.prototype.call = originalCall;
    (typeCheckChild as { typeCheckInChild: typeof originalCheck }).typeCheckInChild = originalCheck;
    Judge.prototype.load = originalLoad;
    Judge.prototype.predict = originalPredict;
  }
}

/** One message through the channel: encode, seal, read (length, MAC), decode. */
function throughChannel(message: unknown, sealer: FrameSealer, reader: FrameReader): void {
  const frame = sealer.seal(encodeFrameValue(message, { reserve: FRAME_HEADER_BYTES, maxBytes: FRAME_CAP }));
  for (const body of reader.push(frame)) decodeFrameValue(body);
}

/** The same message through V8's structured serialisation (Node's 'advanced' IPC). */
function throughV8(message: unknown): void {
  v8.deserialize(v8.serialize(message));
}

/** Channel and V8 time (ms) over every recorded request and reply, best of `rounds`. */
function replayChannel(calls: readonly RecordedCall[], rounds: number): { channelMs: number; v8Ms: number; bytes: number } {
  const key = newChannelKey();
  let channelMs = Infinity;
  let v8Ms = Infinity;
  let bytes = 0;
  for (const c of calls) bytes += encodeFrameValue(c.request, { maxBytes: FRAME_CAP }).length + encodeFrameValue(c.reply, { maxBytes: FRAME_CAP }).length;
  for (let round = 0; round < rounds; round++) {
    const toRunner = [new FrameSealer(key, 'to-runner'), new FrameReader(key, 'to-runner', FRAME_CAP)] as const;
    const toGrader = [new FrameSealer(key, 'to-grader'), new FrameReader(key, 'to-grader', FRAME_CAP)] as const;
    let t0 = performance.now();
    for (const c of calls) {
      throughChannel(c.request, ...toRunner);
      throughChannel(c.reply, ...toGrader);
    }
    channelMs = Math.min(channelMs, performance.now() - t0);
    t0 = performance.now();
    for (const c of calls) {
      throughV8(c.request);
      throughV8(c.reply);
    }
    v8Ms = Math.min(v8Ms, performance.now() - t0);
  }
  return { channelMs, v8Ms, bytes };
}

/**
 * The recorded type checks again, in the (warm) child and in this process, alternating round
 * by round so that background load disturbs both alike.
 */
async function replayTypeChecks(checks: Recording['typeChecks'], rounds: number): Promise<{ childMs: number[]; inProcessMs: number[] }> {
  for (const c of checks) typeCheckSubmission(c.input); // warm: libraries parsed once, as the child's are
  const childMs: number[] = [];
  const inProcessMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let t0 = performance.now();
    for (const c of checks) await typeCheckChild.typeCheckInChild(c.input);
    childMs.push(performance.now() - t0);
    t0 = performance.now();
    for (const c of checks) typeCheckSubmission(c.input);
    inProcessMs.push(performance.now() - t0);
  }
  return { childMs, inProcessMs };
}

/** The recorded judge loads and predictions done in this process, on this process's backend. */
async function replayJudge(rec: Recording): Promise<number> {
  const t0 = performance.now();
  const models = new Map<number, tf.LayersModel>();
  for (let i = 0; i < rec.loads.length; i++) {
    models.set(i, await loadStudentModel({ kind: 'model', artifacts: rec.loads[i].artifacts }, 'a recorded model'));
  }
  for (const p of rec.predicts) {
    const model = models.get(p.handle);
    if (model === undefined) continue;
    const per = p.shape.slice(1).reduce((a, b) => a * b, 1);
    for (let start = 0; start < p.shape[0]; start += p.batchSize) {
      const n = Math.min(p.batchSize, p.shape[0] - start);
      tf.tidy(() => (model.predict(tf.tensor(p.inputs.subarray(start * per, (start + n) * per), [n, ...p.shape.slice(1)])) as tf.Tensor).dataSync());
    }
  }
  for (const m of models.values()) m.dispose();
  return performance.now() - t0;
}

/**
 * A type check in a fresh process, as `grader grade` / `grader check` pays it: in that
 * process (TypeScript's libraries parsed there) against in a child started for it. Each
 * sample is one fresh node, timed from inside; the two kinds alternate.
 */
function coldTypeChecks(input: TypeCheckInput, rounds: number): { childMs: number[]; inProcessMs: number[] } {
  const script = (inChild: boolean): string => `
    const t = require(${JSON.stringify(path.join(DIST_ROOT, 'grader', 'compile', inChild ? 'type-check-child.js' : 'type-check.js'))});
    const input = JSON.parse(process.argv[1]);
    input.sources = new Map(input.sources);
    const t0 = performance.now();
    Promise.resolve(${inChild ? 't.typeCheckInChild(input)' : 't.typeCheckSubmission(input)'}).then(() => {
      process.stdout.write(String(performance.now() - t0));
      ${inChild ? 'return t.closeTypeCheckers();' : ''}
    }).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  const arg = JSON.stringify({ ...input, sources: [...input.sources] });
  const sample = (inChild: boolean): number => {
    const r = spawnSync(process.execPath, ['-e', script(inChild), arg], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cold type check failed: ${r.stderr.slice(0, 400)}`);
    return Number(r.stdout);
  };
  const childMs: number[] = [];
  const inProcessMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    childMs.push(sample(true));
    inProcessMs.push(sample(false));
  }
  return { childMs, inProcessMs };
}

function share(label: string, addedMs: number, gradingMs: number, message: string, details: Record<string, unknown>): BenchRow {
  const value = addedMs / gradingMs;
  return {
    name: label,
    status: 'ok',
    value: Math.round(value * 1000) / 10,
    unit: '% of grading',
    better: 'lower',
    target: { description: `< ${TARGET_SHARE * 100} % added`, met: value < TARGET_SHARE },
    message,
    details: { addedMs: Math.round(addedMs), gradingMs: Math.round(gradingMs), ...details },
  };
}

function msRow(label: string, value: number, reference: { to: string; ms: number } | undefined, message: string, details: Record<string, unknown> = {}): BenchRow {
  return {
    name: label,
    status: 'ok',
    value: Math.round(value * 10) / 10,
    unit: 'ms',
    better: 'lower',
    ...(reference !== undefined && reference.ms > 0 ? { ratio: { to: reference.to, value: value / reference.ms } } : {}),
    message,
    details,
  };
}

async function gradeExample(assignmentId: string, exampleName: string): Promise<{ ms: number; rec: Recording; score: string }> {
  const assignment = getAssignment(assignmentId);
  const example = listExamples(assignment).find((e) => e.name === exampleName);
  if (example === undefined) throw new Error(`${assignmentId} has no example '${exampleName}'`);
  const root = exampleAsSubmission(assignment, example);
  const t0 = performance.now();
  const { value: result, rec } = await recording(() => gradeAssignment({ assignment, submissionDir: root, backend: BACKEND }));
  const ms = performance.now() - t0;
  if (result.status !== 'graded') throw new Error(`${assignmentId}/${exampleName} graded ${result.status}`);
  return { ms, rec, score: `${result.score}/${result.max_score}` };
}

async function boundaryRows(label: string, assignmentId: string, gradings: number, context: BenchContext): Promise<BenchRow[]> {
  const runs: Array<{ ms: number; rec: Recording; score: string }> = [];
  for (let i = 0; i < gradings; i++) {
    runs.push(await gradeExample(assignmentId, 'correct'));
    context.log(`${label}: grading ${i + 1}/${gradings} took ${Math.round(runs[i].ms)} ms`);
  }
  // The first grading of a process pays for starting things (type-check child, backend); the
  // later ones are what a server or worker sees. Use the median grading and its recording.
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  const typical = sorted[Math.floor(sorted.length / 2)];
  const { rec } = typical;
  const rows: BenchRow[] = [];

  const channel = replayChannel(rec.calls, 5);
  const checks = await replayTypeChecks(rec.typeChecks, 5);
  const childMs = median(checks.childMs);
  const inProcessMs = median(checks.inProcessMs);
  const judgeMs = rec.loads.reduce((s, l) => s + l.ms, 0) + rec.predicts.reduce((s, p) => s + p.ms, 0);
  const judgeReplayMs = rec.loads.length > 0 ? await replayJudge(rec) : 0;

  rows.push(msRow(`${label}: runner channel (${rec.calls.length} calls, ${(channel.bytes / 1e6).toFixed(2)} MB)`, channel.channelMs, { to: 'V8 serialisation', ms: channel.v8Ms }, `V8 structured serialisation of the same messages: ${channel.v8Ms.toFixed(1)} ms`, { v8Ms: channel.v8Ms }));
  rows.push(msRow(`${label}: type check in a child`, childMs, { to: 'in process', ms: inProcessMs }, `in this process: ${inProcessMs.toFixed(0)} ms (both warm, alternating; in the grading it took ${Math.round(rec.typeChecks.reduce((s, c) => s + c.ms, 0))} ms beside the runner's start)`, { childSamples: checks.childMs.map(Math.round), inProcessSamples: checks.inProcessMs.map(Math.round) }));
  if (rec.loads.length > 0) {
    const images = rec.predicts.reduce((s, p) => s + p.shape[0], 0);
    rows.push(msRow(`${label}: judge (${rec.loads.length} model loads, ${images} images predicted)`, judgeMs, { to: 'in process', ms: judgeReplayMs }, `the same loads and predictions in this process: ${judgeReplayMs.toFixed(0)} ms (the judge's start-up included on the left)`));
  }
  if (label.startsWith('light') && rec.typeChecks.length > 0) {
    const cold = coldTypeChecks(rec.typeChecks[0].input, 3);
    const c = median(cold.childMs);
    const p = median(cold.inProcessMs);
    rows.push(msRow(`${label}: cold type check in a child (a fresh grader grade / check)`, c, { to: 'in process', ms: p }, `in a fresh process itself: ${p.toFixed(0)} ms; +${Math.round(c - p)} ms on a cold grading (node and TypeScript start in the child)`, { childSamples: cold.childMs.map(Math.round), inProcessSamples: cold.inProcessMs.map(Math.round) }));
  }
  const added = Math.max(0, channel.channelMs - channel.v8Ms) + Math.max(0, childMs - inProcessMs) + Math.max(0, judgeMs - judgeReplayMs);
  rows.push(
    share(`${label}: boundary's added time`, added, typical.ms, `${Math.round(added)} ms of a ${Math.round(typical.ms)} ms grading (${typical.score}); median of ${gradings} gradings`, {
      gradingsMs: runs.map((r) => Math.round(r.ms)),
      channelAddedMs: Math.round(channel.channelMs - channel.v8Ms),
      typeCheckAddedMs: Math.round(childMs - inProcessMs),
      judgeAddedMs: Math.round(judgeMs - judgeReplayMs),
    }),
  );
  return rows;
}

export async function run(context: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  rows.push(...(await boundaryRows('light grading (autograd-graph)', 'autograd-graph', context.quick ? 2 : 5, context)));
  rows.push(...(await boundaryRows('MNIST grading (mnist-mlp)', 'mnist-mlp', context.quick ? 1 : 3, context)));
  return rows;
}
