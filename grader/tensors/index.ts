export { initBackend, availableBackends, isBackendName, BACKEND_NAMES, BackendUnavailableError } from './backend';
export type { BackendName } from './backend';
