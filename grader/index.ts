/** The package's library API. */
export { initBackend, availableBackends, BACKEND_NAMES, BackendUnavailableError } from './tensors';
export type { BackendName } from './tensors';
