/**
 * @since 0.1.0
 */
export * as NodeProcess from "./NodeProcess.js"
