/**
 * What a commit status says. Only what a student may see before the release: the visible
 * tests' points (late penalty applied, as the student's report counts them), never a total
 * that includes hidden tests, nor whether a hidden test passed.
 *
 * - success: graded, and every visible test passed;
 * - failure: graded with a visible test not passed, or no solution.ts (missing);
 * - error: the submission does not compile, or the grader itself failed (the text says which).
 */
import { applyPenalty } from '../../grader/config/late-policy';
import { formatPoints, visibleView } from '../../grader/report/report-html';
import type { GradeResult } from '../../grader/results/result-schema';
import type { StatusPhase } from './status-requests';

export interface StatusText {
  phase: StatusPhase;
  description: string;
}

export const QUEUED: StatusText = { phase: 'queued', description: 'queued for grading' };
export const RUNNING: StatusText = { phase: 'running', description: 'being graded' };
export const GRADER_FAILED: StatusText = { phase: 'error', description: 'the grader failed on this commit (not your code); the instructors can see why and regrade it' };

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

export function resultText(result: GradeResult, penaltyPercent: number): StatusText {
  const visible = visibleView(result, false);
  const score = `${formatPoints(Math.round(applyPenalty(visible.score, penaltyPercent) * 100) / 100)}/${formatPoints(visible.max)} visible`;
  const late = penaltyPercent > 0 ? ` (late: -${formatPoints(penaltyPercent)}%)` : '';
  switch (result.status) {
    case 'compile_error':
      return { phase: 'error', description: `does not compile: ${score}; the report shows the errors at file:line` };
    case 'missing':
      return { phase: 'failure', description: `no ${result.assignment}/solution.ts in this commit: ${score}` };
    case 'error':
      return GRADER_FAILED;
    case 'graded': {
      const notPassed = visible.tests.filter((t) => t.status !== 'passed').length;
      const hidden = visible.hiddenCount > 0 ? '; hidden tests shown once released' : '';
      if (notPassed === 0) return { phase: 'success', description: `${score}${late}: all visible tests pass${hidden}` };
      return { phase: 'failure', description: `${score}${late}: ${plural(notPassed, 'visible test')} of ${visible.tests.length} not passed${hidden}` };
    }
  }
}
