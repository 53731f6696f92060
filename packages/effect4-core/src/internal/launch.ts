/**
 * Acquiring a process: options decoded once (nothing is started on invalid input), the spawn into a new process
 * group with the output pump attached, the release registered in the scope, the readiness check raced against the
 * exit and the timeout, and (with `retry`) each attempt in a scope of its own.
 */
import { truncate } from "@effect-process/engine/Quote"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as References from "effect/References"
import * as Result from "effect/Result"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type * as ManagedProcess from "../ManagedProcess.js"
import { describeCommand, ProcessError, type StateError, type TimeoutError } from "../ProcessError.js"
import { ProcessSpawner } from "../ProcessSpawner.js"
import type * as Readiness from "../Readiness.js"
import type { Normalized } from "./command.js"
import { feedStdin, pipeStage } from "./control.js"
import * as errors from "./errors.js"
import { processError } from "./errors.js"
import { Handle } from "./handle.js"
import * as matching from "./matching.js"
import { retryProblem } from "./optionChecks.js"
import { Process } from "./process.js"
import * as readiness_ from "./readiness.js"
import { decodePlan, isPipeline, type Pipeline, type Settings, type TerminateSettings } from "./settings.js"
import { describeFailure, quietly } from "./telemetry.js"
import { release, stop } from "./terminate.js"

/** What acquiring a process is: its handle, in the current scope. */
type Acquire<A, E, R> = Effect.Effect<
  ManagedProcess.ManagedProcess<A>,
  ProcessError | StateError | TimeoutError | E,
  ProcessSpawner | Scope.Scope | R
>

const MAKE_DEFAULTS = { relayStderr: true }

/** @internal */
export const make = <A = void, E = never, R = never>(
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<A, E, R> = {}
): Acquire<A, E, R> => {
  // Decoded once, however many attempts and restarts use them; nothing is started on invalid options.
  const plan = decodePlan(input, options, MAKE_DEFAULTS)
  return Result.isFailure(plan) ? Effect.fail(plan.failure) : makeWith(plan.success, options)
}

/**
 * Acquires a process with settings decoded beforehand (a `Supervisor` decodes them once for all its restarts).
 *
 * @internal
 */
export const makeWith = <A = void, E = never, R = never>(
  settings: Settings | Pipeline,
  options: ManagedProcess.Options<A, E, R>
): Acquire<A, E, R> =>
  options.retry === undefined
    ? makeOnce(settings, options.readiness)
    : makeRetrying(settings, options, options.retry)

/** @internal */
export const layer = <I, S, A = void, E = never, R = never>(
  tag: Context.Key<I, S>,
  command: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<A, E, R> & { readonly service: (proc: ManagedProcess.ManagedProcess<A>) => S }
): Layer.Layer<I, ProcessError | StateError | TimeoutError | E, ProcessSpawner | R> =>
  Layer.effect(tag, Effect.map(make(command, options), options.service))

/** One attempt: launch, then (if asked) wait until ready. */
const makeOnce = <A, E, R>(
  settings: Settings | Pipeline,
  readiness: Readiness.Readiness<A, E, R> | undefined
): Acquire<A, E, R> => {
  if (isPipeline(settings)) return makePipeline(settings, readiness)
  if (readiness === undefined) {
    return Effect.map(makeProcess(settings), (proc) => new Handle(proc, undefined as A))
  }
  return Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const proc = yield* makeProcess(settings)
    return new Handle(proc, yield* readySince(started, proc, readiness, settings.readinessTimeout))
  })
}

/** Waits until `proc` is ready, and records the time from `started` (the launch) in the launch-to-ready metric. */
const readySince = <A, E, R>(
  started: number,
  proc: Process,
  readiness: Readiness.Readiness<A, E, R>,
  timeout: Duration.Duration
): Effect.Effect<A, ProcessError | StateError | TimeoutError | E, R> =>
  Effect.tap(awaitReady(proc, readiness, timeout), () =>
    Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => Metric.update(proc.metrics.launchToReady, (now - started) / 1000)
    ))

/**
 * A piped `Command` as one resource: every stage launched in the current scope (so that one release stops them
 * all), each stage's stdout piped into the next one's stdin, the readiness check on the last stage's output. The
 * handle reads the last stage and writes to the first.
 */
const makePipeline = <A, E, R>(
  pipeline: Pipeline,
  readiness: Readiness.Readiness<A, E, R> | undefined
): Acquire<A, E, R> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    // The stages' releases run at once (a scope's finalizers run one after the other: three TERM-ignoring stages
    // would take three graces), and a pipeline that fails to start is stopped at once.
    const scope = yield* Scope.fork(yield* Effect.scope, "parallel")
    const stages: Array<Process> = []
    const launchAll = Effect.gen(function*() {
      for (const [i, settings] of pipeline.stages.entries()) {
        const proc = yield* Scope.provide(makeProcess(settings), scope)
        // Relayed stderr names its stage.
        if (proc.relay !== undefined) proc.relay.annotations = { ...proc.relay.annotations, stage: i + 1 }
        if (i > 0) yield* Effect.forkIn(pipeStage(stages[i - 1]!, proc), scope)
        stages.push(proc)
      }
    })
    yield* Effect.onError(launchAll, (cause) => Scope.close(scope, Exit.failCause(cause)))
    const last = stages[stages.length - 1]!
    if (readiness === undefined) return new Handle(last, undefined as A, stages)
    const ready = yield* readySince(started, last, readiness, pipeline.stages[0]!.readinessTimeout).pipe(
      Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
    )
    return new Handle(last, ready, stages)
  })

/** The errors `retry` retries unless told otherwise: the system was briefly out of a resource. */
const TRANSIENT_SPAWN_ERRORS = ["EAGAIN", "EMFILE", "ENFILE", "ETXTBSY"]

const isTransient = (error: unknown): boolean =>
  error instanceof ProcessError && error.reason === "SpawnFailed" && error.errno !== undefined &&
  TRANSIENT_SPAWN_ERRORS.includes(error.errno)

/**
 * Retries the whole acquire (launch and readiness) per `schedule`. Every attempt runs in a scope of its own that is
 * closed when the attempt fails, so a failed attempt leaves nothing behind before the next one starts. A schedule
 * that fails ends the retries: the acquire fails with the last attempt's error (a warning names the schedule's
 * failure), as when the schedule is exhausted.
 */
const makeRetrying = <A, E, R>(
  settings: Settings | Pipeline,
  options: ManagedProcess.Options<A, E, R>,
  schedule: Schedule.Schedule<unknown, ProcessError | StateError | TimeoutError | E, never>
): Acquire<A, E, R> =>
  Effect.gen(function*() {
    const problem = retryProblem(isPipeline(settings) ? settings.argv : settings.spec.argv, options)
    if (problem !== undefined) return yield* Effect.fail(problem)
    const scope = yield* Effect.scope
    const retryWhile = options.retryWhile ?? isTransient
    let attempts = 0
    let lastError: ProcessError | StateError | TimeoutError | E | undefined
    const attempt = Effect.gen(function*() {
      attempts++
      const attemptScope = yield* Scope.fork(scope, "sequential")
      return yield* makeOnce(settings, options.readiness).pipe(
        Scope.provide(attemptScope),
        Effect.onError((cause) => Scope.close(attemptScope, Exit.failCause(cause))),
        // One line per failed attempt, naming the reason (the message names the command, pid and exit).
        Effect.tapError((error) => {
          lastError = error
          return quietly(Effect.logWarning(`launch attempt ${attempts} failed: ${describeFailure(error)}`))
        })
      )
    })
    return yield* attempt.pipe(
      Effect.retry({ schedule, while: retryWhile }),
      // The retry fails with the last attempt's error, or with the schedule's own failure (a schedule that fails
      // where its type says it cannot): that one ends the retries, and the last attempt's error is the outcome.
      Effect.catchIf(
        (error) => error !== lastError && lastError !== undefined,
        (scheduleFailure) =>
          Effect.andThen(
            quietly(Effect.logWarning(
              `the retry schedule failed: ${describeFailure(scheduleFailure)}; not retrying`
            )),
            Effect.fail(lastError!)
          )
      ),
      Effect.mapError((error) => errors.withAttempts(error, attempts))
    )
  })

/**
 * The launch, with the spawner of the context, for `use` to run.
 *
 * @internal
 */
export const launching = <A, E, R>(
  settings: Settings,
  use: (launching: Effect.Effect<Process, ProcessError>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, ProcessSpawner | R> =>
  Effect.flatMap(ProcessSpawner, (spawner) => use(launch(spawner.spawn, settings.spec, settings.terminate)))

/** Launches, and registers the release in the current scope. */
const makeProcess = (settings: Settings): Effect.Effect<Process, ProcessError, ProcessSpawner | Scope.Scope> =>
  launching(settings, (launch) =>
    Effect.flatMap(Effect.scope, (scope) => {
      // `acquireRelease`, without capturing the fiber's refs for the finalizer (a diff of every FiberRef, about
      // 20 KB of allocation per process, measured): the release carries its own log annotations.
      const acquired = Effect.uninterruptible(
        Effect.tap(launch, (proc) => Scope.addFinalizerExit(scope, () => release(proc)))
      )
      const stdin = settings.spec.stdinStream
      return stdin === undefined
        ? acquired
        : Effect.tap(acquired, (proc) => Effect.forkIn(feedStdin(proc, stdin), scope))
    }))

/** The names of the variables set for a launch (never their values: they may be secrets), if any. */
const launchedEnv = (set: Readonly<Record<string, string | undefined>>): { envKeys?: string } => {
  const names = Object.keys(set).join(",")
  return names.length === 0 ? {} : { envKeys: truncate(names, 300) }
}

/**
 * Spawns, and reads what the launch needs of the launching fiber in the same step: its tracer, its clock, its
 * log level, its metric attributes, and (only for the stderr relay, which logs through it) the fiber's context. This
 * is on the path of every launch, and each Effect step costs several times more right after a fork (measured: the
 * same launch code took about 60 us alone and 150-190 us between spawns): it is written as few steps as it can be.
 */
const launch = (
  spawn: ProcessSpawner["Service"]["spawn"],
  spec: Normalized,
  settings: TerminateSettings
): Effect.Effect<Process, ProcessError> =>
  Effect.withFiber((fiber) => {
    const minimum = fiber.getRef(References.MinimumLogLevel)
    // A relay at a level the logger would discard costs nothing: no relay at all.
    const relaying = spec.relayStderr !== undefined && spec.request.stderr === "pipe" &&
      LogLevel.isGreaterThanOrEqualTo(spec.relayStderr, minimum)
    // The fiber's context holds its loggers, annotations and log level: the relay logs through it as it is.
    const proc = new Process(spec, settings, fiber.getRef(Clock.Clock), relaying ? fiber.context : undefined)
    const debug = LogLevel.isGreaterThanOrEqualTo("Debug", minimum)
    const tracing = fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer
    const starting = spec.argv === spec.request.command ? spawn(spec.request, proc) : Effect.mapError(
      spawn(spec.request, proc),
      // A redacted word: the error shows the argv as given (`<redacted>`), not what the child was given.
      (error) =>
        new ProcessError({
          reason: error.reason,
          command: spec.argv,
          errno: error.errno,
          detail: error.detail,
          cause: error.cause
        })
    )
    const spawning = Effect.flatMap(starting, (spawned) => {
      proc.attach(spawned)
      if (proc.relay !== undefined) proc.relay.annotations = proc.annotations
      proc.metrics.launches.updateUnsafe(1, fiber.context)
      const launched = debug
        ? Effect.as(
          // The only log with the whole argv (cut to a bounded length): once per launch, at Debug.
          quietly(Effect.annotateLogs(Effect.logDebug("process launched"), {
            ...proc.annotations,
            command: describeCommand(spec.argv, 300),
            ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
            ...launchedEnv(spec.request.env.set)
          })),
          proc
        )
        : Effect.succeed(proc)
      return tracing ? Effect.andThen(Effect.annotateCurrentSpan("pid", spawned.pid), launched) : launched
    })
    return tracing
      ? Effect.withSpan(spawning, "ManagedProcess.launch", {
        attributes: { command: describeCommand(spec.argv, 300) },
        captureStackTrace: false
      })
      : spawning
  })

/**
 * Runs the readiness check, racing the process's exit and the timeout. Any outcome but success terminates the
 * process (with the release semantics) before the error is returned: a caller that catches the error inside a
 * longer-lived scope is not left with a half-started process.
 */
const awaitReady = <A, E, R>(
  proc: Process,
  readiness: Readiness.Readiness<A, E, R>,
  timeout: Duration.Duration
): Effect.Effect<A, ProcessError | StateError | TimeoutError | E, R> => {
  const pending = new Set(readiness.probes)
  const exitedBeforeReady = (cause?: ProcessError) =>
    processError(proc, "ExitedBeforeReady", {
      detail: pending.size === 0 ? undefined : `waiting for ${[...pending].join(", ")}`,
      cause
    })
  const context = checkContext(proc, "readiness", (description) => pending.delete(description))
  // Output written just before the exit may still be in flight: let output probes see it first.
  const failOnExit = proc.exited.await().pipe(
    Effect.andThen(Effect.sleep(proc.waitDelay)),
    Effect.andThen(Effect.suspend(() => Effect.fail(exitedBeforeReady())))
  )
  return Effect.raceFirst(readiness_.check(readiness, context), failOnExit).pipe(
    Effect.catchIf(
      (error): error is ProcessError =>
        error instanceof ProcessError && (error.reason === "ExitedBeforeMatch" || error.reason === "OutputEnded"),
      (error) => Effect.fail(exitedBeforeReady(error))
    ),
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () =>
        Effect.fail(errors.timeoutError(proc, "Readiness", timeout, {
          expected: [...pending].join(", ") || readiness.description
        }))
    }),
    Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : stop(proc, proc.settings)),
    Effect.withSpan("ManagedProcess.ready", {
      attributes: { pid: proc.pid, readiness: readiness.description }
    }, { captureStackTrace: false })
  )
}

/**
 * Runs `readiness` against a running process, as a health check: no timeout and no race with the exit (the caller
 * bounds it), and output probes read as any other reader would.
 *
 * @internal
 */
export const checkHealth = <A, E, R>(
  handle: ManagedProcess.ManagedProcess<unknown>,
  readiness: Readiness.Readiness<A, E, R>
): Effect.Effect<A, E | ProcessError | StateError, R> => {
  return readiness_.check(readiness, checkContext((handle as Handle<unknown>).process, "health check", () => {}))
}

/** What a readiness check reads through: the process's pipes, as `operation` (named in a `ConcurrentRead`). */
const checkContext = (
  proc: Process,
  operation: string,
  settled: (description: string) => void
): readiness_.CheckContext => ({
  command: proc.command,
  matchOutput: (pattern) => matching.matchPattern(proc, pattern, pattern.matcher(), operation),
  matchEach: (readers, stop) => matching.matchEach(proc, readers, stop, operation),
  settled
})
