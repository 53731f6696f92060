// Generated from packages/core/src/internal/scheduling.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Real time and the event loop, for the parts of the pipeline that pace themselves by them (the stderr relay, the
 * start of the pipes' deadline), outside any Effect `Clock`: they are about the event loop, and a test clock must not
 * be able to stop them.
 */

/** Milliseconds, with sub-millisecond precision where the platform has it. */
export const now: () => number = typeof performance === "object" && typeof performance.now === "function"
  ? () => performance.now()
  : () => Date.now()

/** Runs `f` in a turn of the event loop of its own: `setImmediate` where there is one (after pending I/O). */
export const nextTurn: (f: () => void) => void = (() => {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate
  return immediate === undefined ? (f) => void setTimeout(f, 0) : (f) => void immediate(f)
})()
