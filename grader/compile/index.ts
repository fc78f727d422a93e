/**
 * Compiling a student's assignment folder into one CommonJS bundle for the runner.
 * See compile-submission.ts for the stages and the files beside it for each one.
 */
export { compileSubmission, MAX_WARNINGS } from './compile-submission';
export type { CompileOptions, CompileOutcome } from './compile-submission';
export type { ContractSpec } from './contract-types';
export { formatDiagnostic } from './diagnostics';
export type { CompileDiagnostic } from './diagnostics';
export { ALLOWED_PACKAGE, COMPILE_CODES, SOURCE_LIMIT_BYTES } from './codes';
export type { CompileCode } from './codes';
export { SUBMISSION_COMPILER_OPTIONS } from './ts-host';
export { closeTypeCheckers, DEFAULT_TYPE_CHECK_LIMITS, warmUpTypeChecker } from './type-check-child';
export type { TypeCheckLimits } from './type-check-child';
export { ContractSetupError } from './contract-types';
export { BundleSourceMap } from './source-map';
export type { SourcePosition } from './source-map';
