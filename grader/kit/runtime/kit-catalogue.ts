/**
 * The assignments of a student kit. This file is a placeholder: when the kit is built, its
 * contents are replaced by imports of each assignment's spec, stripped of its hidden tests
 * (see grader/kit/bundle-grader.ts).
 */
import type { AssignmentSpec } from '../../spec/assignment-spec';

export interface KitCatalogueEntry {
  id: string;
  spec: AssignmentSpec;
  /** The probes bundle, relative to the kit's grader package, or null. */
  probes: string | null;
  /** The contract, relative to the kit's grader package, or null. */
  contract: string | null;
}

export const KIT_CATALOGUE: KitCatalogueEntry[] = [];
