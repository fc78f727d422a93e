/**
 * The student's part of a stack trace from the runner, mapped back to their sources:
 * `at evaluate (solution.js:28:9)` becomes `at evaluate (solution.ts:31:9)`, and a frame in a
 * relatively imported file becomes `helpers.ts:5:11`, the same file:line:column a type
 * warning about that statement shows. Frames of the runner, the probes and TensorFlow.js are
 * dropped: the student reads their own frames, innermost first.
 *
 * The stack text comes from the untrusted runner: only the numbers in frames naming the
 * bundle are used, and only to look positions up in the grader's own source map.
 */
import type { BundleSourceMap, SourcePosition } from '../compile/source-map';

/** The file name the runner gives the bundle (runner-main.ts: vm.compileFunction). */
export const BUNDLE_FILE = 'solution.js';

export interface StudentFrame {
  /** The function's name as V8 printed it, when it had one. */
  fn?: string;
  /** The student's source position; the bundle's own when there is no map for it. */
  at: SourcePosition;
}

const FRAME = /^\s*at (?:(?:async|new) )?(?:(.+?) \()?(.*?):(\d+):(\d+)\)?$/;
const MAX_FRAMES = 6;

/** The student's frames of a stack, innermost first, at most six, consecutive repeats merged. */
export function studentFrames(stack: string | undefined, map: BundleSourceMap | undefined): StudentFrame[] {
  if (stack === undefined) return [];
  const out: StudentFrame[] = [];
  for (const line of stack.split('\n').slice(0, 200)) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    const [, fnRaw, file, lineText, columnText] = m;
    const base = file.replace(/^.*[/\\]/, '');
    if (base !== BUNDLE_FILE || file.includes('(')) continue;
    const lineNo = Number(lineText);
    const column = Number(columnText);
    const mapped = map?.original(lineNo, column);
    if (map !== undefined && mapped === undefined) continue; // esbuild's glue (__name, __export)
    const fn = cleanName(fnRaw);
    const frame: StudentFrame = { ...(fn !== undefined ? { fn } : {}), at: mapped ?? { file: BUNDLE_FILE, line: lineNo, column } };
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.fn === frame.fn && samePosition(prev.at, frame.at)) continue;
    out.push(frame);
    if (out.length >= MAX_FRAMES) break;
  }
  return out;
}

function samePosition(a: SourcePosition, b: SourcePosition): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column;
}

/** "Object.evaluate" → "evaluate"; anonymous and module-level frames have none. */
function cleanName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = raw.replace(/^(?:Object|Proxy|Function|Module)\./, '').replace(/ \[as [^\]]*\]$/, '').trim();
  if (name === '' || name === '<anonymous>' || name === 'Object.<anonymous>') return undefined;
  return name.slice(0, 100);
}

/** "solution.ts:31:9" */
export function positionText(at: SourcePosition): string {
  return `${at.file}:${at.line}:${at.column}`;
}

/** The frames as lines under a message: "    at evaluate (solution.ts:31:9)". */
export function framesText(frames: readonly StudentFrame[]): string {
  return frames.map((f) => (f.fn !== undefined ? `    at ${f.fn} (${positionText(f.at)})` : `    at ${positionText(f.at)}`)).join('\n');
}
