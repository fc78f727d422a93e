/**
 * A grading child process: grades the jobs it is sent, one at a time, with the engine
 * (which starts sandboxed runner processes for student code), replying with each result.
 * Exits when its parent goes away.
 */
import { warmUpTypeChecker } from '../compile';
import { gradeAssignment, type GradeOptions } from '../run/grade-assignment';
import { resolveSandbox, type ResolvedSandbox } from '../sandbox/resolve-sandbox';
import { getAssignment } from '../spec/discover';
import { backendFailure, watchBackend } from './backend-health';
import { GradeChildRequestSchema, type GradeChildReply } from './grade-child-protocol';
import { toJobProgress } from './job-progress';

const sandboxes = new Map<boolean, ResolvedSandbox>();

/** Student code is untrusted: without OS isolation this throws unless explicitly allowed. */
function sandboxFor(insecure: boolean): ResolvedSandbox {
  let sandbox = sandboxes.get(insecure);
  if (sandbox === undefined) {
    sandbox = resolveSandbox({ require: true, allowInsecure: insecure });
    sandboxes.set(insecure, sandbox);
  }
  return sandbox;
}

function reply(message: GradeChildReply): void {
  process.send?.(message);
}

async function handle(raw: unknown): Promise<void> {
  const parsed = GradeChildRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : -1;
    reply({ type: 'error', id, code: 'BAD_REQUEST', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    return;
  }
  const request = parsed.data;
  try {
    const assignment = getAssignment(request.assignmentId, request.catalogueRoot);
    const visibilityOf = (name: string) => assignment.spec.tests.find((t) => t.name === name)?.visibility ?? 'hidden';
    const options: GradeOptions = {
      assignment,
      onEvent: (event) => {
        // The job has chosen its backend by now: its aborts are recorded from here on.
        watchBackend();
        const progress = toJobProgress(event, visibilityOf);
        if (progress !== undefined) reply({ type: 'progress', id: request.id, progress });
      },
      submissionDir: request.submissionDir,
      launcher: sandboxFor(request.insecureNoSandbox).launcher,
      ...(request.backend !== undefined ? { backend: request.backend } : {}),
      ...(request.commit !== undefined ? { commit: request.commit } : {}),
      ...(request.hiddenInputsKey !== undefined ? { hiddenInputsKey: request.hiddenInputsKey } : {}),
      lang: request.lang,
    };
    const result = await gradeAssignment(options);
    const failure = backendFailure();
    reply({ type: 'result', id: request.id, result, ...(failure !== undefined ? { backendFailure: failure } : {}) });
  } catch (err) {
    const message = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
    const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'GRADER_ERROR';
    reply({ type: 'error', id: request.id, code, message });
  }
}

if (require.main === module) {
  process.on('disconnect', () => process.exit(1));
  // The type checker's own child starts while this process waits for its first job.
  warmUpTypeChecker();
  // One job at a time: the parent sends the next only after the reply.
  process.on('message', (raw: unknown) => {
    void handle(raw);
  });
}
