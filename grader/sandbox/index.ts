/**
 * Isolation of runner processes (DESIGN.md, "Sandbox layers"): bubblewrap or unshare
 * namespaces, an unprivileged uid, a private read-only file system, Node's permission
 * model, rlimits, the memory watch. `resolveSandbox` picks what this machine offers and
 * returns the launcher that grade-assignment hands to the runner client.
 */
export { resolveSandbox, describeLayers, SANDBOX_MODES } from './resolve-sandbox';
export type { ResolvedSandbox, SandboxLayer, SandboxModeChoice, SandboxOptions } from './resolve-sandbox';
export { probeHost, modeAvailability } from './host-probe';
export type { HostReport, ModeAvailability } from './host-probe';
export { DEFAULT_LIMITS, resolveLimits, memoryLimitMb } from './limits';
export type { SandboxLimits } from './limits';
export type { SandboxMode } from './launch-plans';
export { SANDBOX_BUNDLE_PATH } from './launch-plans';
export { SANDBOX_UID_RANGE, allocatedUids, isSandboxUid } from './uid-pool';
export { SandboxConfigError, SandboxUnavailableError } from './sandbox-errors';
export { defaultSandbox } from './default-sandbox';
