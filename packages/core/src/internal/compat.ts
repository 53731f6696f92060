/**
 * The few Effect operations the two lines spell differently, for the modules the Effect 4 line generates from this
 * line's (`scripts/effect4-sources.mjs`): each line has its own `compat.ts` with the same exports. Effect 3's.
 */
import * as Chunk from "effect/Chunk"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"

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

/**
 * The fiber running an effect, as `withFiber` gives it.
 *
 * @internal
 */
export type CurrentFiber = Fiber.RuntimeFiber<unknown, unknown>

/**
 * Runs `f` with the current fiber, in the same step.
 *
 * @internal
 */
export const withFiber = <A, E, R>(f: (fiber: CurrentFiber) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime(f)

/** The tracer of a runtime that was given none: it records spans nowhere. */
const nativeTracer = Effect.runSync(Effect.tracer)

/**
 * Whether a tracer other than Effect's default one (which reports spans to nobody) is installed.
 *
 * @internal
 */
export const isTracing = (fiber: CurrentFiber): boolean => fiber.currentTracer !== nativeTracer

/**
 * Whether the fiber's minimum log level lets Debug through.
 *
 * @internal
 */
export const isDebugEnabled = (fiber: CurrentFiber): boolean =>
  LogLevel.greaterThanEqual(LogLevel.Debug, fiber.getFiberRef(FiberRef.currentMinimumLogLevel))

/**
 * Adds one to `counter`, with the fiber's metric labels, without an Effect step.
 *
 * @internal
 */
export const incrementUnsafe = (counter: Metric.Metric.Counter<number>, fiber: CurrentFiber): void =>
  counter.unsafeUpdate(1, fiber.getFiberRef(FiberRef.currentMetricLabels))

/**
 * Adds one to `counter`.
 *
 * @internal
 */
export const increment = (counter: Metric.Metric.Counter<number>): Effect.Effect<void> => Metric.increment(counter)

/**
 * Interrupts `fiber` without waiting for it.
 *
 * @internal
 */
export const interruptUnsafe = (fiber: Fiber.RuntimeFiber<unknown, unknown>): void =>
  fiber.unsafeInterruptAsFork(FiberId.none)

/**
 * What the stderr relay logs through: the launching fiber as a runtime.
 *
 * @internal
 */
export type RelayContext = Runtime.Runtime<never>

/**
 * A level to log at (never `None` or `All`).
 *
 * @internal
 */
export type Level = LogLevel.LogLevel

/**
 * Runs `self` synchronously with `context`'s loggers; whether it succeeded.
 *
 * @internal
 */
export const runSyncSucceeds = (context: RelayContext, self: Effect.Effect<void>): boolean =>
  Runtime.runSyncExit(context)(self)._tag === "Success"

/**
 * A log line at `level`.
 *
 * @internal
 */
export const logAt = (level: Level, message: string): Effect.Effect<void> => Effect.logWithLevel(level, message)

/**
 * Runs `self` in a fiber of its own on `clock` (a `TestClock` in tests), outside any scope.
 *
 * @internal
 */
export const forkOnClock = (self: Effect.Effect<void>, clock: Clock.Clock): Fiber.RuntimeFiber<void> =>
  Runtime.runFork(Runtime.defaultRuntime)(Effect.withClock(self, clock))

/**
 * One pull of a stream built by `fromPull`: a chunk, the stream's failure, or its end.
 *
 * @internal
 */
export type Pull<A, E> = Effect.Effect<Chunk.Chunk<A>, Option.Option<E>>

/**
 * The end of a `fromPull` stream.
 *
 * @internal
 */
export const pullEnd: Pull<never, never> = Effect.fail(Option.none())

/**
 * A failure of a `fromPull` stream.
 *
 * @internal
 */
export const pullFail = <E>(error: E): Pull<never, E> => Effect.fail(Option.some(error))

/**
 * A chunk of a `fromPull` stream: `items`, not empty.
 *
 * @internal
 */
export const pullEmit = <A>(items: ReadonlyArray<A>): Pull<A, never> => Effect.succeed(Chunk.unsafeFromArray(items))

/**
 * The stream of what `pull` gives, pull after pull, until its end.
 *
 * @internal
 */
export const fromPull = <A, E>(pull: Pull<A, E>): Stream.Stream<A, E> => Stream.repeatEffectChunkOption(pull)

/**
 * The base class of a service tag: `class X extends compat.Service<X, Shape>()("key") {}` (Effect 3's
 * `Context.Tag(key)<X, Shape>()`).
 *
 * @internal
 */
export const Service = <Self, Shape>() => <const Key extends string>(key: Key): Context.TagClass<Self, Key, Shape> =>
  Context.Tag(key)<Self, Shape>()

/**
 * A `Deferred` made outside an Effect.
 *
 * @internal
 */
export const makeDeferred = <A, E = never>(): Deferred.Deferred<A, E> => Deferred.unsafeMake<A, E>(FiberId.none)
