/**
 * The few Effect operations the two lines spell differently, for the modules this line generates from the Effect 3
 * line's (`scripts/effect4-sources.mjs`): each line has its own `compat.ts` with the same exports. Effect 4's.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Result from "effect/Result"

/**
 * A decoded option as an Effect. In Effect 4 a Result is plain data.
 *
 * @internal
 */
export const fromEither = <A, E>(self: Result.Result<A, E>): Effect.Effect<A, E> => Effect.fromResult(self)

/**
 * `self`, failing with `onTimeout()` when it takes longer than `duration`.
 *
 * @internal
 */
export const timeoutFail = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> => Effect.timeoutOrElse(self, { duration, orElse: () => Effect.fail(onTimeout()) })
