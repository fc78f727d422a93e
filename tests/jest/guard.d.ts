/** See guard.js. */
export declare const HANG_GUARD_MS: number;
export declare const WAIT_GUARD_MS: number;
