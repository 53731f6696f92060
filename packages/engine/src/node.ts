/**
 * The Node.js part of the engine: spawning into process groups, signalling them, and the parent-death watchdog.
 *
 * @since 0.2.0
 */

/**
 * `PR_SET_PDEATHSIG` for the direct child, through `setpriv`.
 *
 * @since 0.2.0
 */
export * as Pdeathsig from "./node/Pdeathsig.js"

/**
 * Signalling process groups; whether one has live members.
 *
 * @since 0.2.0
 */
export * as ProcessGroups from "./node/ProcessGroups.js"

/**
 * Starting a child as the leader of a new process group, with its pipes drained into listeners.
 *
 * @since 0.2.0
 */
export * as Spawn from "./node/Spawn.js"

/**
 * The watchdog process of the parent-death reaper, and the process-wide one.
 *
 * @since 0.2.0
 */
export * as Watchdog from "./node/Watchdog.js"
