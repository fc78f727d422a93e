/**
 * A result that came back from a grading process (possibly on another machine) becomes a
 * stored result: validated against the contract, normalised when it does not fit, and the
 * export's notes (symlinks and submodules skipped, oversized files left out) put in front of
 * its output so the student learns why a file was not there.
 */
import { normalizeResult } from '../results/normalize';
import { GradeResultSchema, type GradeResult } from '../results/result-schema';

export interface AcceptContext {
  assignmentId: string;
  commit: string;
  /** The assignment's points from its spec, when the raw result cannot be trusted. */
  maxScore: () => number | undefined;
  notes: readonly string[];
}

function fieldOf(raw: unknown, key: string): unknown {
  if (typeof raw !== 'object' || raw === null) return undefined;
  try {
    const v: unknown = Reflect.get(raw, key);
    return v;
  } catch {
    return undefined;
  }
}

function numberField(raw: unknown, key: string): number | undefined {
  const v = fieldOf(raw, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function stringField(raw: unknown, key: string): string | undefined {
  const v = fieldOf(raw, key);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function acceptResult(raw: unknown, ctx: AcceptContext): GradeResult {
  const parsed = GradeResultSchema.safeParse(raw);
  let result: GradeResult;
  if (parsed.success && parsed.data.assignment === ctx.assignmentId) {
    result = parsed.data;
  } else {
    result = normalizeResult(raw, {
      assignment: ctx.assignmentId,
      maxScore: ctx.maxScore() ?? numberField(raw, 'max_score') ?? 0,
      backend: stringField(raw, 'backend') ?? 'unknown',
      commit: ctx.commit,
    });
  }
  if (ctx.notes.length === 0) return result;
  const lines = ctx.notes.map((n) => `[grader] ${n}`).join('\n');
  const withNotes = { ...result, output: result.output !== undefined && result.output !== '' ? `${lines}\n\n${result.output}` : lines };
  const checked = GradeResultSchema.safeParse(withNotes);
  return checked.success ? checked.data : result;
}
