/**
 * grader/spec/discover.ts as the student kit has it (the kit's bundles use this module in its
 * place): the assignments are the kit's catalogue (specs without hidden tests, bundled), and
 * the reference is a replay of recorded values (replay.ts). Same exports, same behaviour.
 */
import * as path from 'node:path';
import { AssignmentSpecSchema } from '../../spec/assignment-spec';
import type { BrokenAssignment, Catalogue, LoadedAssignment } from '../../spec/discover';
import { KIT_CATALOGUE } from './kit-catalogue';
import { PACKAGE_ROOT } from './kit-paths';
import { referenceReplay, setExpectedDir } from './replay';

setExpectedDir(path.join(PACKAGE_ROOT, 'expected'));

export type { BrokenAssignment, Catalogue, LoadedAssignment };

export class UnknownAssignmentError extends Error {
  readonly code = 'UNKNOWN_ASSIGNMENT';
  constructor(id: string, known: string[]) {
    super(`unknown assignment '${id}'; known: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownAssignmentError';
  }
}

let cached: Catalogue | undefined;

/** The kit's assignments (the argument, a catalogue root elsewhere, is ignored). */
export function discoverAssignments(_root?: string): Catalogue {
  if (cached !== undefined) return cached;
  const catalogue: Catalogue = { assignments: [], broken: [] };
  for (const entry of KIT_CATALOGUE) {
    const dir = path.join(PACKAGE_ROOT, 'assignments', entry.id);
    const parsed = AssignmentSpecSchema.safeParse(entry.spec);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`);
      catalogue.broken.push({ id: entry.id, dir, error: `the kit's spec is not valid: ${problems.join('; ')}` });
      continue;
    }
    catalogue.assignments.push({
      id: entry.id,
      dir,
      spec: entry.spec,
      referenceModule: '',
      probesPath: entry.probes !== null ? path.join(PACKAGE_ROOT, entry.probes) : null,
      contractPath: entry.contract !== null ? path.join(PACKAGE_ROOT, entry.contract) : null,
    });
  }
  catalogue.assignments.sort((a, b) => a.id.localeCompare(b.id));
  cached = catalogue;
  return catalogue;
}

export function getAssignment(id: string, root?: string): LoadedAssignment {
  const catalogue = discoverAssignments(root);
  const found = catalogue.assignments.find((a) => a.id === id);
  if (found !== undefined) return found;
  const broken = catalogue.broken.find((b) => b.id === id);
  if (broken !== undefined) throw new Error(`assignment '${id}' is broken: ${broken.error}`);
  throw new UnknownAssignmentError(id, catalogue.assignments.map((a) => a.id));
}

/** The reference's replay: what the visible tests asked of it when the kit was built. */
export function loadReference(assignment: LoadedAssignment): Record<string, unknown> {
  return referenceReplay(assignment.id);
}
