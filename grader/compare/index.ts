/**
 * Comparing what student code returned (untrusted plain data) with the reference: tensors,
 * numbers and structures of them, with messages that teach (English and Russian).
 */
export { compareTensors } from './compare-tensors';
export { compareNumbers } from './compare-numbers';
export { compareStructure } from './compare-structure';
export type { Expected, StructureOptions, StructureComparison, StructureEntry } from './compare-structure';
export { parsePlainTensor, fromTf, toTf, plainTensor, shapeSize, PLAIN_DTYPES, MAX_RANK } from './plain-tensor';
export type { PlainTensor, PlainDtype } from './plain-tensor';
export { describeValue, describeText } from './describe';
export { CATALOGUES, LANGS, messagesFor } from './messages';
export type { Catalogue, Lang } from './messages';
export {
  CompareSetupError,
  DEFAULT_TOLERANCE,
  REL_ERROR_GRID_CAP,
  REL_ERROR_GRID_SIZE,
  WORST_COUNT,
} from './types';
export type {
  Tolerance,
  CompareOptions,
  Comparison,
  ComparisonSuccess,
  ComparisonFailure,
  FailureReason,
  Hint,
  RelErrorGrid,
  WorstEntry,
} from './types';
