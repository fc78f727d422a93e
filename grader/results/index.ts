/** The result contract: schemas, the normaliser and the Gradescope export. */
export * from './result-schema';
export { normalizeResult, truncateOutput, DEFAULT_NORMALIZE_LIMITS } from './normalize';
export type { NormalizeContext, NormalizeLimits } from './normalize';
export { toGradescope, GradescopeResultSchema, GradescopeTestSchema } from './gradescope';
export type { GradescopeResult, GradescopeTest } from './gradescope';
export { toJsonSafe, jsonNumber, DEFAULT_JSON_SAFE_LIMITS } from './json-safe';
export type { JsonSafeLimits, JsonSafeResult } from './json-safe';
