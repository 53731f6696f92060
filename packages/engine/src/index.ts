/**
 * The effect-free engine of effect-process, shared by its packages for every Effect version: what does not depend
 * on an effect system is here once, so that a fix lands once.
 *
 * @since 0.2.0
 */

/**
 * One captured pipe of a child: the always-drained buffer between the platform and the readers.
 *
 * @since 0.2.0
 */
export * as OutputChannel from "./OutputChannel.js"

/**
 * The checks of a launch's options that do not depend on an effect system.
 *
 * @since 0.2.0
 */
export * as LaunchOptions from "./LaunchOptions.js"

/**
 * The messages of the errors about a process, and the markers that recognise them across copies.
 *
 * @since 0.2.0
 */
export * as Messages from "./Messages.js"

/**
 * The interpreter of output patterns: an incremental matcher for a pattern's node.
 *
 * @since 0.2.0
 */
export * as PatternMatchers from "./PatternMatchers.js"

/**
 * Output patterns as data: the leaves, their combinations, the matcher's decisions.
 *
 * @since 0.2.0
 */
export * as Patterns from "./Patterns.js"

/**
 * Output quoted for error messages: escaped, cut on code points.
 *
 * @since 0.2.0
 */
export * as Quote from "./Quote.js"

/**
 * Real time and turns of the event loop, outside any effect system's clock.
 *
 * @since 0.2.0
 */
export * as Scheduling from "./Scheduling.js"

/**
 * The contract between a process's lifecycle and the platform that starts it, as data and callbacks.
 *
 * @since 0.2.0
 */
export * as Spawn from "./Spawn.js"

/**
 * The stderr relay's buffer and pacing: lines queued off the pipe, logged in paced batches by a subclass.
 *
 * @since 0.2.0
 */
export * as StderrRelay from "./StderrRelay.js"

/**
 * The one UTF-8 decoder (WHATWG, with replacement, across chunk boundaries).
 *
 * @since 0.2.0
 */
export * as Utf8 from "./Utf8.js"
