/**
 * Assignments are discovered from their folders: <root>/assignments/<id>/spec.ts with the
 * reference at <root>/reference/<id>.ts. No hand-kept list. A folder whose spec fails to
 * load or validate is reported as broken and does not stop the others.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT, codeModulePath, compiledPath } from '../paths';
import { AssignmentSpecSchema, type AssignmentSpec } from './assignment-spec';

export interface LoadedAssignment {
  id: string;
  /** The source folder: README.md, starter.ts, examples/. */
  dir: string;
  spec: AssignmentSpec;
  /** Module path of the reference, for require() in the grader's process. */
  referenceModule: string;
  /** Compiled probes for the runner, if the assignment has any. */
  probesPath: string | null;
  /** The contract source file for type checking, if any. */
  contractPath: string | null;
}

export interface BrokenAssignment {
  id: string;
  dir: string;
  error: string;
}

export interface Catalogue {
  assignments: LoadedAssignment[];
  broken: BrokenAssignment[];
}

export class UnknownAssignmentError extends Error {
  readonly code = 'UNKNOWN_ASSIGNMENT';
  constructor(id: string, known: string[]) {
    super(`unknown assignment '${id}'; known: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownAssignmentError';
  }
}

function loadOne(root: string, id: string): LoadedAssignment {
  const dir = path.join(root, 'assignments', id);
  const specFile = path.join(dir, 'spec.ts');
  if (!fs.existsSync(specFile)) throw new Error('no spec.ts in the folder');
  const mod = require(codeModulePath(specFile)) as { spec?: unknown };
  const parsed = AssignmentSpecSchema.safeParse(mod.spec);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`);
    throw new Error(`spec.ts does not export a valid \`spec\`: ${problems.join('; ')}`);
  }
  const spec = mod.spec as AssignmentSpec;
  if (spec.id !== id) throw new Error(`spec id '${spec.id}' differs from the folder name '${id}'`);
  const referenceFile = path.join(root, 'reference', `${id}.ts`);
  if (!fs.existsSync(referenceFile)) throw new Error(`no reference at reference/${id}.ts`);
  let probesPath: string | null = null;
  if (spec.probes !== undefined) {
    probesPath = compiledPath(path.join(dir, spec.probes));
    if (!fs.existsSync(probesPath)) throw new Error(`probes not compiled: ${probesPath} (run npm run build)`);
  }
  const contractPath = spec.contract !== undefined ? path.join(dir, spec.contract) : null;
  return {
    id,
    dir,
    spec,
    referenceModule: codeModulePath(referenceFile),
    probesPath,
    contractPath,
  };
}

/** Every assignment under root/assignments, sorted by id. */
export function discoverAssignments(root: string = PACKAGE_ROOT): Catalogue {
  const base = path.join(root, 'assignments');
  const catalogue: Catalogue = { assignments: [], broken: [] };
  if (!fs.existsSync(base)) return catalogue;
  const ids = fs
    .readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  for (const id of ids) {
    try {
      catalogue.assignments.push(loadOne(root, id));
    } catch (err) {
      catalogue.broken.push({ id, dir: path.join(base, id), error: err instanceof Error ? err.message : String(err) });
    }
  }
  return catalogue;
}

export function getAssignment(id: string, root: string = PACKAGE_ROOT): LoadedAssignment {
  const catalogue = discoverAssignments(root);
  const found = catalogue.assignments.find((a) => a.id === id);
  if (found !== undefined) return found;
  const broken = catalogue.broken.find((b) => b.id === id);
  if (broken !== undefined) throw new Error(`assignment '${id}' is broken: ${broken.error}`);
  throw new UnknownAssignmentError(id, catalogue.assignments.map((a) => a.id));
}

export function loadReference(assignment: LoadedAssignment): Record<string, unknown> {
  return require(assignment.referenceModule) as Record<string, unknown>;
}
