/**
 * The Node.js platform of effect-process for Effect 4 (in progress).
 *
 * @since 0.1.0
 */

/**
 * The Node.js `ProcessSpawner` and its layers.
 *
 * @since 0.1.0
 */
export * as NodeProcess from "./NodeProcess.js"
