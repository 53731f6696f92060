/**
 * @since 0.1.0
 */
export * as NodeProcess from "./NodeProcess.js"

/**
 * @since 0.1.0
 */
export * as NodeReaper from "./NodeReaper.js"
