/**
 * The grading child process: receives one request over IPC, grades one assignment folder
 * with the engine (which starts its own runner processes for student code), replies with
 * the result and exits. Exits at once when its parent goes away.
 */
import { gradeAssignment, type GradeOptions } from '../run/grade-assignment';
import { resolveSandbox } from '../sandbox/resolve-sandbox';
import { getAssignment } from '../spec/discover';
import { GradeChildRequestSchema, type GradeChildReply } from './grade-child-protocol';

function reply(message: GradeChildReply, code: number): void {
  if (process.send === undefined) process.exit(code);
  process.send(message, () => process.exit(code));
}

async function handle(raw: unknown): Promise<void> {
  const parsed = GradeChildRequestSchema.safeParse(raw);
  if (!parsed.success) {
    reply({ type: 'error', code: 'BAD_REQUEST', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }, 2);
    return;
  }
  const request = parsed.data;
  // Student code is untrusted: without OS isolation this throws unless explicitly allowed.
  const sandbox = resolveSandbox({ require: true, allowInsecure: request.insecureNoSandbox });
  const assignment = getAssignment(request.assignmentId, request.catalogueRoot);
  const options: GradeOptions = {
    assignment,
    launcher: sandbox.launcher,
    submissionDir: request.submissionDir,
    ...(request.backend !== undefined ? { backend: request.backend } : {}),
    ...(request.commit !== undefined ? { commit: request.commit } : {}),
  };
  const result = await gradeAssignment(options);
  reply({ type: 'result', result }, 0);
}

if (require.main === module) {
  process.on('disconnect', () => process.exit(1));
  process.once('message', (raw: unknown) => {
    handle(raw).catch((err: unknown) => {
      const message = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
      const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'GRADER_ERROR';
      reply({ type: 'error', code, message }, 1);
    });
  });
}
