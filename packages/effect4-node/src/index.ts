/**
 * The Node.js platform of effect-process for Effect 4.
 *
 * @since 0.1.0
 */

/**
 * The Node.js `ProcessSpawner` and the layers that provide it.
 *
 * @since 0.1.0
 */
export * as NodeProcess from "./NodeProcess.js"

/**
 * The parent-death reaper with a watchdog of its own, configured.
 *
 * @since 0.1.0
 */
export * as NodeReaper from "./NodeReaper.js"

/**
 * Effect 4's `ChildProcessSpawner` on this library's process resource: a drop-in for platform-node's.
 *
 * @since 0.1.0
 */
export * as NodeChildProcessSpawner from "./NodeChildProcessSpawner.js"
