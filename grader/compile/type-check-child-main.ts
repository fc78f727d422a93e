/**
 * The type-check child process: runs the TypeScript checker on the submissions it is sent,
 * one at a time. A submission's types can ask the checker for unbounded work (a large
 * template-literal union through a recursive conditional type costs minutes per statement),
 * so the checker runs here, where the parent can stop it (time) and V8 can (heap), and not in
 * the grader's own process. Exits when its parent goes away.
 */
import { TypeCheckChildRequestSchema, type TypeCheckReply } from './type-check-protocol';
import { typeCheckOrWarn, warmUpInProcess } from './type-check';

function reply(message: TypeCheckReply): void {
  process.send?.(message);
}

function handle(raw: unknown): void {
  const parsed = TypeCheckChildRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : -1;
    reply({ type: 'failed', id, name: 'BadRequest', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    return;
  }
  if (parsed.data.type === 'warm-up') {
    warmUpInProcess();
    return;
  }
  const { id, dir, entry, sources, contract } = parsed.data;
  try {
    const diagnostics = typeCheckOrWarn({ dir, entry, sources: new Map(sources), ...(contract !== undefined ? { contract } : {}) });
    reply({ type: 'checked', id, diagnostics });
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    const message = err instanceof Error ? err.message : String(err);
    reply({ type: 'failed', id, name, message });
  }
}

if (require.main === module) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', handle);
  // No warm-up of its own: a child started for a check that is about to come would only
  // parse the libraries twice; a long-lived grader asks for it ('warm-up') while it waits.
  reply({ type: 'ready' });
}
