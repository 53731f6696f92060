/**
 * effect-process for Effect 4. In progress: the typed errors and the platform service are here; the process
 * resource (`ManagedProcess`), readiness, patterns and supervision follow, on the engine shared with the Effect 3
 * line (`@effect-process/core`).
 *
 * @since 0.1.0
 */

/**
 * The typed errors: `ProcessError`, `StateError`, `TimeoutError`.
 *
 * @since 0.1.0
 */
export * from "./ProcessError.js"

/**
 * The platform service that starts processes.
 *
 * @since 0.1.0
 */
export * as ProcessSpawner from "./ProcessSpawner.js"
