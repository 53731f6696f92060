/**
 * The few Effect operations the two lines spell differently, for the modules the Effect 4 line generates from this
 * line's (`scripts/effect4-sources.mjs`): each line has its own `compat.ts` with the same exports. Effect 3's.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"

/**
 * A decoded option as an Effect. In Effect 3 an Either is an Effect already.
 *
 * @internal
 */
export const fromEither = <A, E>(self: Either.Either<A, E>): Effect.Effect<A, E> => self

/**
 * `self`, failing with `onTimeout()` when it takes longer than `duration`.
 *
 * @internal
 */
export const timeoutFail = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> => Effect.timeoutFail(self, { duration, onTimeout })
