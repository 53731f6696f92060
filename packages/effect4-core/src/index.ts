// Generated from packages/core/src/index.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * @since 0.1.0
 */
export * as ManagedProcess from "./ManagedProcess.js"

/**
 * @since 0.1.0
 */
export * as Handshake from "./Handshake.js"

/**
 * @since 0.1.0
 */
export * as OutputPattern from "./OutputPattern.js"

/**
 * @since 0.1.0
 */
export * as ProcessMetrics from "./ProcessMetrics.js"

/**
 * @since 0.1.0
 */
export * as Readiness from "./Readiness.js"

/**
 * @since 0.1.0
 */
export * as ProcessSpawner from "./ProcessSpawner.js"

/**
 * @since 0.1.0
 */
export { ProcessError, StateError, TimeoutError } from "./ProcessError.js"

/**
 * @since 0.1.0
 */
export * as TestSpawner from "./TestSpawner.js"

/**
 * @since 0.1.0
 */
export * as Supervisor from "./Supervisor.js"

/**
 * @since 0.1.0
 */
export * as ProcessManager from "./ProcessManager.js"
