/**
 * Real time and the event loop, for the parts of the pipeline that pace themselves by them (the stderr relay, the
 * start of the pipes' deadline), outside any effect system's clock: they are about the event loop, and a test clock
 * must not be able to stop them.
 *
 * @since 0.2.0
 */

/**
 * Milliseconds, with sub-millisecond precision where the platform has it.
 *
 * @example
 * import { now } from "@effect-process/engine/Scheduling"
 *
 * const started = now()
 *
 * @since 0.2.0
 */
export const now: () => number = typeof performance === "object" && typeof performance.now === "function"
  ? () => performance.now()
  : () => Date.now()

/**
 * Runs `f` in a turn of the event loop of its own: `setImmediate` where there is one (after pending I/O).
 *
 * @example
 * import { nextTurn } from "@effect-process/engine/Scheduling"
 *
 * nextTurn(() => console.log("after the pending I/O"))
 *
 * @since 0.2.0
 */
export const nextTurn: (f: () => void) => void = (() => {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate
  return immediate === undefined ? (f) => void setTimeout(f, 0) : (f) => void immediate(f)
})()
