/**
 * @since 0.1.0
 */
export * as NodeProcess from "./NodeProcess.js"

/**
 * @since 0.1.0
 */
export * as NodeReaper from "./NodeReaper.js"

/**
 * @since 0.2.0
 */
export * as NodeCommandExecutor from "./NodeCommandExecutor.js"
