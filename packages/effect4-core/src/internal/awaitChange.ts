// Generated from packages/core/src/internal/awaitChange.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Waiting for output: a pipe's set of waiters (`OutputChannel.addWaiter`, a callback) as an Effect.
 */
import type { OutputChannel } from "@effect-process/engine/OutputChannel"
import * as Effect from "effect/Effect"

/**
 * Completes (with `value`) as soon as any of `channels` changed after its version in `versions` (at once if one
 * already has). One callback in each channel's set of waiters and no fiber: a reader of both pipes waits as
 * cheaply as a reader of one, and other waiters of the same pipes are woken too.
 *
 * @internal
 */
export const awaitAnyChange: {
  (channels: ReadonlyArray<OutputChannel>, versions: ReadonlyArray<number>): Effect.Effect<void>
  <A>(channels: ReadonlyArray<OutputChannel>, versions: ReadonlyArray<number>, value: A): Effect.Effect<A>
} = <A>(
  channels: ReadonlyArray<OutputChannel>,
  versions: ReadonlyArray<number>,
  value?: A
): Effect.Effect<A | undefined> =>
  Effect.callback<A | undefined>((resume) => {
    const done = Effect.succeed(value)
    for (let i = 0; i < channels.length; i++) {
      if (channels[i]!.currentVersion !== versions[i]) return resume(done)
    }
    const wake = () => {
      for (const channel of channels) channel.removeWaiter(wake)
      resume(done)
    }
    for (const channel of channels) channel.addWaiter(wake)
    return Effect.sync(() => {
      for (const channel of channels) channel.removeWaiter(wake)
    })
  })
