/**
 * The few Effect operations the two lines spell differently, for the modules this line generates from the Effect 3
 * line's (`scripts/effect4-sources.mjs`): each line has its own `compat.ts` with the same exports. Effect 4's.
 */
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import type * as PullModule from "effect/Pull"
import * as References from "effect/References"
import type * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"

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

/**
 * The fiber running an effect, as `withFiber` gives it.
 *
 * @internal
 */
export type CurrentFiber = Fiber.Fiber<unknown, unknown>

/**
 * Runs `f` with the current fiber, in the same step.
 *
 * @internal
 */
export const withFiber = <A, E, R>(f: (fiber: CurrentFiber) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber(f)

/**
 * Whether a tracer other than Effect's default one (which reports spans to nobody) is installed.
 *
 * @internal
 */
export const isTracing = (fiber: CurrentFiber): boolean => fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer

/**
 * Whether the fiber's minimum log level lets Debug through.
 *
 * @internal
 */
export const isDebugEnabled = (fiber: CurrentFiber): boolean =>
  LogLevel.isGreaterThanOrEqualTo("Debug", fiber.getRef(References.MinimumLogLevel))

/**
 * Adds one to `counter`, with the fiber's metric attributes, without an Effect step.
 *
 * @internal
 */
export const incrementUnsafe = (counter: Metric.Counter<number>, fiber: CurrentFiber): void =>
  counter.updateUnsafe(1, fiber.context)

/**
 * Adds one to `counter`.
 *
 * @internal
 */
export const increment = (counter: Metric.Counter<number>): Effect.Effect<void> => Metric.update(counter, 1)

/**
 * Interrupts `fiber` without waiting for it.
 *
 * @internal
 */
export const interruptUnsafe = (fiber: Fiber.Fiber<unknown, unknown>): void => fiber.interruptUnsafe()

/**
 * What the stderr relay logs through: the launching fiber's context.
 *
 * @internal
 */
export type RelayContext = Context.Context<never>

/**
 * A level to log at (never `None` or `All`).
 *
 * @internal
 */
export type Level = LogLevel.Severity

/**
 * Runs `self` synchronously with `context`'s loggers; whether it succeeded.
 *
 * @internal
 */
export const runSyncSucceeds = (context: RelayContext, self: Effect.Effect<void>): boolean =>
  Effect.runSyncExitWith(context)(self)._tag === "Success"

/**
 * A log line at `level`.
 *
 * @internal
 */
export const logAt = (level: Level, message: string): Effect.Effect<void> => Effect.logWithLevel(level)(message)

/**
 * Runs `self` in a fiber of its own on `clock` (a `TestClock` in tests), outside any scope.
 *
 * @internal
 */
export const forkOnClock = (self: Effect.Effect<void>, clock: Clock.Clock): Fiber.Fiber<void> =>
  Effect.runFork(Effect.provideService(self, Clock.Clock, clock))

/**
 * One pull of a stream built by `fromPull`: a chunk, the stream's failure, or its end.
 *
 * @internal
 */
export type Pull<A, E> = PullModule.Pull<Arr.NonEmptyReadonlyArray<A>, E>

/**
 * The end of a `fromPull` stream.
 *
 * @internal
 */
export const pullEnd: Pull<never, never> = Cause.done()

/**
 * A failure of a `fromPull` stream.
 *
 * @internal
 */
export const pullFail = <E>(error: E): Pull<never, E> => Effect.fail(error)

/**
 * A chunk of a `fromPull` stream: `items`, not empty.
 *
 * @internal
 */
export const pullEmit = <A>(items: ReadonlyArray<A>): Pull<A, never> =>
  Effect.succeed(items as unknown as Arr.NonEmptyReadonlyArray<A>)

/**
 * The stream of what `pull` gives, pull after pull, until its end.
 *
 * @internal
 */
export const fromPull = <A, E>(pull: Pull<A, E>): Stream.Stream<A, E> => Stream.fromPull(Effect.succeed(pull))

/**
 * The base class of a service tag: `class X extends compat.Service<X, Shape>()("key") {}` (Effect 4's
 * `Context.Service<X, Shape>()(key)`).
 *
 * @internal
 */
export const Service =
  <Self, Shape>() => <const Key extends string>(key: Key): Context.ServiceClass<Self, Key, Shape> =>
    Context.Service<Self, Shape>()(key)

/**
 * A `Deferred` made outside an Effect.
 *
 * @internal
 */
export const makeDeferred = <A, E = never>(): Deferred.Deferred<A, E> => Deferred.makeUnsafe<A, E>()
