// Generated from packages/core/src/internal/once.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * A value that is set once and awaited by any number of fibers: what `Deferred` does, for the two a process needs
 * on every launch (its exit, the outcome of its termination). `Deferred.makeUnsafe` copies Effect's prototype into
 * every instance: measured here at about 4 us and 750 bytes each, on the launch path and in the heap of every idle
 * process. This costs a plain object.
 */
import * as Effect from "effect/Effect"

/** @internal */
export class Once<A> {
  private state: { readonly value: A } | undefined = undefined
  private waiters: Set<(value: A) => void> | undefined = undefined

  /** The value, once set. */
  get value(): A | undefined {
    return this.state?.value
  }

  get isDone(): boolean {
    return this.state !== undefined
  }

  /** Sets the value and wakes every waiter; false (and nothing changes) if it was set already. */
  set(value: A): boolean {
    if (this.state !== undefined) return false
    this.state = { value }
    const waiters = this.waiters
    this.waiters = undefined
    if (waiters !== undefined) { for (const waiter of waiters) waiter(value) }
    return true
  }

  /** Calls `waiter` once, when the value is set (not at all if it is set already). */
  addWaiter(waiter: (value: A) => void): void {
    if (this.state === undefined) (this.waiters ??= new Set()).add(waiter)
  }

  removeWaiter(waiter: (value: A) => void): void {
    this.waiters?.delete(waiter)
  }

  /** Waits for the value (at once if it is set). Interrupting a waiter leaves the others waiting. */
  await(): Effect.Effect<A> {
    return Effect.callback<A>((resume) => {
      if (this.state !== undefined) return resume(Effect.succeed(this.state.value))
      const waiter = (value: A) => resume(Effect.succeed(value))
      ;(this.waiters ??= new Set()).add(waiter)
      return Effect.sync(() => {
        this.waiters?.delete(waiter)
      })
    })
  }
}
