import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as PubSub from "effect/PubSub"
import * as Pull from "effect/Pull"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import { describeCommand, type ProcessError } from "../ProcessError.js"
import type { ProcessSpawner } from "../ProcessSpawner.js"
import type * as Supervisor from "../Supervisor.js"
import { decodeDuration as decode, decodeLogLevel } from "./command.js"
import { gaveUp, invalid } from "./errors.js"
import * as managedProcess from "./managedProcess.js"
import * as metrics from "./metrics.js"
import { supervisionProblem } from "./optionChecks.js"
import { isReadiness } from "./readiness.js"
import { decodeSettings } from "./settings.js"
import { describeFailure, quietly } from "./telemetry.js"

/** @internal */
export const TypeId: Supervisor.TypeId = Symbol.for("effect-process/Supervisor") as Supervisor.TypeId

/** @internal */
export const defaultBackoff: Schedule.Schedule<unknown> = Schedule.min([
  Schedule.exponential("100 millis", 2),
  Schedule.spaced("15 seconds")
]).pipe(
  Schedule.jittered
)

/** How one run of the process ended. */
type RunEnd =
  | {
    readonly _tag: "Exited"
    readonly pid: number
    readonly exitCode: number | undefined
    readonly signal: string | undefined
  }
  | {
    readonly _tag: "Unhealthy"
    readonly pid: number
    readonly failures: number
    readonly exitCode?: number | undefined
    readonly signal?: string | undefined
  }
  | { readonly _tag: "LaunchFailed"; readonly error: unknown }

/** How a run ended, for a log line: `node (pid 12) exited with code 1 after 1.5s`. */
const describeEnd = (program: string, end: RunEnd, uptime: Duration.Duration): string => {
  if (end._tag === "LaunchFailed") return `${program} could not start: ${describeFailure(end.error)}`
  const how = end.signal !== undefined
    ? `was killed by ${end.signal}`
    : end.exitCode !== undefined
    ? `exited with code ${end.exitCode}`
    : "exited"
  const unhealthy = end._tag === "Unhealthy" ? `was unhealthy (${end.failures} failed health checks) and ` : ""
  return `${program} (pid ${end.pid}) ${unhealthy}${how} after ${Duration.format(roundToMillis(uptime))}`
}

const roundToMillis = (duration: Duration.Duration): Duration.Duration =>
  Duration.millis(Math.round(Duration.toMillis(duration)))

/** The levels of the supervisor's own logs, decoded once; `undefined` is off. */
interface LogLevels {
  readonly restart: LogLevel.Severity | undefined
  readonly unhealthy: LogLevel.Severity | undefined
  readonly gaveUp: LogLevel.Severity | undefined
}

const decodeLogLevels = (argv: ReadonlyArray<string>, log: Supervisor.Options["log"]) =>
  Effect.gen(function*() {
    if (log === false) return { restart: undefined, unhealthy: undefined, gaveUp: undefined }
    if (log !== undefined && (typeof log !== "object" || log === null || Array.isArray(log))) {
      return yield* Effect.fail(invalid(argv, `log must be false or an object of log level names (got ${typeof log})`))
    }
    return {
      restart: yield* Effect.fromResult(decodeLogLevel(argv, "log.restart", log?.restart ?? "Info")),
      unhealthy: yield* Effect.fromResult(decodeLogLevel(argv, "log.unhealthy", log?.unhealthy ?? "Warn")),
      gaveUp: yield* Effect.fromResult(decodeLogLevel(argv, "log.gaveUp", log?.gaveUp ?? "Error"))
    }
  })

/** A supervisor's log line: never a failure of the supervision, whatever the logger does. */
const logAt = (level: LogLevel.Severity | undefined, message: string): Effect.Effect<void> =>
  level === undefined ? Effect.void : quietly(Effect.logWithLevel(level)(message))

/**
 * `self` in a fiber of its own whose interruption is not waited for: a probe that ignores interruption cannot hold
 * up a timeout or the supervisor's close (it is interrupted, and finishes on its own in the background). Effect 3's
 * `Effect.disconnect`, which Effect 4 does not have.
 */
const disconnect = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(
      Effect.forkDetach(restore(self)),
      (fiber) => Effect.onInterrupt(restore(Fiber.join(fiber)), () => Effect.sync(() => fiber.interruptUnsafe()))
    )
  )

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const make = <A, E, R, RH>(
  command: ManagedProcess.CommandInput,
  options: Supervisor.Options<A, E, R, RH> = {}
): Effect.Effect<Supervisor.Supervisor<A>, ProcessError, ProcessSpawner | Scope.Scope | R | RH> =>
  Effect.gen(function*() {
    // The launch options are decoded once for every restart: an invalid command fails here, before any start.
    const settings = yield* Effect.fromResult(decodeSettings(command, options, { relayStderr: true }))
    const argv = settings.spec.argv
    const program = metrics.program(argv)
    const problem = supervisionProblem(argv, options)
    if (problem !== undefined) return yield* Effect.fail(problem)
    const policy = options.restart ?? "on-failure"
    const successExitCodes = options.successExitCodes ?? [0]
    const backoff = options.backoff ?? defaultBackoff
    const resetAfter = yield* Effect.fromResult(decode(argv, "resetAfter", options.resetAfter, "30 seconds"))
    const burst = options.startLimit?.burst ?? 5
    const limitInterval = yield* Effect.fromResult(
      decode(argv, "startLimit.interval", options.startLimit?.interval, "10 seconds")
    )
    const health = options.healthCheck
    const healthInterval = yield* Effect.fromResult(
      decode(argv, "healthCheck.interval", health?.interval, "10 seconds")
    )
    const healthTimeout = yield* Effect.fromResult(decode(argv, "healthCheck.timeout", health?.timeout, "5 seconds"))
    const threshold = health?.failureThreshold ?? 3
    const logLevels: LogLevels = yield* decodeLogLevels(argv, options.log)

    const events = yield* PubSub.sliding<Supervisor.Event>({ capacity: 1024, replay: 64 })
    const done = yield* Deferred.make<Supervisor.Event, ProcessError>()
    let current: Option.Option<ManagedProcess.ManagedProcess<A>> = Option.none()
    /** The life in progress: its process, once launched, and when it started. */
    let life: { proc: ManagedProcess.ManagedProcess<A> | undefined; readonly startedAt: number } | undefined
    let restarts = 0
    const publish = (event: Supervisor.Event) => PubSub.publish(events, event)

    /** Fails `done` and the loop with a typed error once supervision gives up. */
    const giveUp = (reason: string, last: string, lastError?: unknown) =>
      Effect.gen(function*() {
        const event: Supervisor.Event = { _tag: "GaveUp", reason }
        yield* logAt(logLevels.gaveUp, `giving up on ${program}: ${reason} (after ${restarts} restarts); ${last}`)
        yield* publish(event)
        const error = gaveUp(argv, `${reason} (after ${restarts} restarts)`, lastError)
        yield* Deferred.fail(done, error)
      })

    /** Runs `check` until `threshold` consecutive failures; succeeds with their count. */
    const unhealthy = (proc: ManagedProcess.ManagedProcess<A>) => {
      if (health === undefined) return Effect.never
      const probe = isReadiness(health.probe) ? managedProcess.checkHealth(proc, health.probe) : health.probe
      return Effect.gen(function*() {
        let failures = 0
        while (failures < threshold) {
          yield* Effect.sleep(healthInterval)
          // Disconnected: a probe that ignores interruption cannot hold up the timeout or the supervisor's close (it
          // finishes on its own, in the background).
          // A probe that dies counts as a failed check, like one that fails: the process is what is supervised.
          const exit = yield* probe.pipe(disconnect, Effect.timeout(healthTimeout), Effect.exit)
          const ok = Exit.isSuccess(exit)
          failures = ok ? 0 : failures + 1
          if (!ok) {
            yield* quietly(Effect.logDebug(
              `health check failed (${failures}/${threshold}): ${describeFailure(Cause.squash(exit.cause))}`
            ))
          }
        }
        return failures
      })
    }

    /** One life of the process, in a scope of its own: launch, watch (exit or unhealthy), stop. */
    const runOnce: Effect.Effect<RunEnd, never, ProcessSpawner | R | RH> = Effect.scoped(
      Effect.gen(function*() {
        const launched = yield* Effect.result(managedProcess.makeWith(settings, options))
        if (Result.isFailure(launched)) return { _tag: "LaunchFailed", error: launched.failure } as const
        const proc = launched.success
        current = Option.some(proc)
        if (life !== undefined) life.proc = proc
        yield* publish({ _tag: "Ready", pid: proc.pid })
        const end = yield* Effect.raceFirst(
          Effect.map(proc.awaitExit, (exit): RunEnd => ({ _tag: "Exited", pid: proc.pid, ...exit })),
          Effect.map(unhealthy(proc), (failures): RunEnd => ({ _tag: "Unhealthy", pid: proc.pid, failures }))
        )
        if (end._tag === "Unhealthy") {
          yield* logAt(
            logLevels.unhealthy,
            `${program} (pid ${proc.pid}) failed ${end.failures} health checks in a row: terminating it`
          )
          yield* publish({ _tag: "Unhealthy", pid: proc.pid, failures: end.failures })
          yield* Effect.ignore(proc.terminate())
          return { ...end, ...(yield* proc.awaitExit) }
        }
        return end
      }).pipe(Effect.ensuring(Effect.sync(() => {
        current = Option.none()
      })))
    )

    const loop = Effect.gen(function*() {
      let step = yield* Schedule.toStep(backoff)
      const starts: Array<number> = []
      for (let attempt = 1;; attempt++) {
        const startedAt = yield* Clock.currentTimeMillis
        starts.push(startedAt)
        yield* publish({ _tag: "Starting", attempt })
        life = { proc: undefined, startedAt }
        const end = yield* runOnce
        life = undefined
        const uptime = Duration.millis((yield* Clock.currentTimeMillis) - startedAt)
        if (end._tag === "LaunchFailed") yield* publish({ _tag: "LaunchFailed", error: end.error })
        if (end._tag !== "LaunchFailed") {
          yield* publish({ _tag: "Exited", exitCode: end.exitCode, signal: end.signal, uptime })
        }
        const failed = end._tag !== "Exited" || end.exitCode === undefined ||
          !successExitCodes.includes(end.exitCode)
        if (policy === "never" || (policy === "on-failure" && !failed)) {
          yield* logAt(logLevels.restart, `${describeEnd(program, end, uptime)}; not restarted (restart: "${policy}")`)
          const stopped: Supervisor.Event = { _tag: "Stopped", reason: failed ? "failed" : "completed" }
          yield* publish(stopped)
          yield* Deferred.succeed(done, stopped)
          return
        }
        if (Duration.isGreaterThanOrEqualTo(uptime, resetAfter)) step = yield* Schedule.toStep(backoff)
        const now = yield* Clock.currentTimeMillis
        // The schedule's step is done when it is exhausted. A backoff has no error channel, but a JavaScript
        // schedule can fail all the same: supervision gives up.
        const stepped = yield* Effect.result(Pull.catchDone(
          Effect.map(step(now, end), ([, delay]) => delay),
          () => Effect.succeed(undefined)
        ))
        if (Result.isFailure(stepped)) {
          return yield* giveUp(
            `the backoff schedule failed: ${describeFailure(stepped.failure)}`,
            `the last run: ${describeEnd(program, end, uptime)}`,
            stepped.failure
          )
        }
        const next = stepped.success
        if (next === undefined) {
          return yield* giveUp(
            "the backoff schedule is exhausted",
            `the last run: ${describeEnd(program, end, uptime)}`,
            end._tag === "LaunchFailed" ? end.error : end
          )
        }
        const delay = next
        // The start limit (systemd's StartLimitBurst within StartLimitIntervalSec), checked for the next start.
        const nextStart = now + Duration.toMillis(delay)
        while (starts.length > 0 && starts[0]! <= nextStart - Duration.toMillis(limitInterval)) starts.shift()
        if (starts.length >= burst) {
          return yield* giveUp(
            `start limit hit: ${burst} starts within ${Duration.format(limitInterval)}`,
            `the last run: ${describeEnd(program, end, uptime)}`
          )
        }
        restarts++
        yield* logAt(
          logLevels.restart,
          `${describeEnd(program, end, uptime)}; restart ${restarts} in ${Duration.format(roundToMillis(delay))}`
        )
        yield* Metric.update(Metric.withAttributes(metrics.restarts, { program }), 1)
        yield* publish({ _tag: "Restarting", delay, restarts })
        yield* Effect.sleep(delay)
      }
    }).pipe(
      Effect.withSpan("Supervisor", { attributes: { command: describeCommand(argv) } })
    )

    /**
     * The scope closed while supervising (in any phase: launching, waiting for readiness, running, waiting to
     * restart): the process of the life in progress was stopped by its own release; report its exit, then `Stopped`.
     */
    const closed = Effect.gen(function*() {
      if (yield* Deferred.isDone(done)) return
      const proc = life?.proc
      if (life !== undefined && proc !== undefined) {
        const status = yield* proc.status
        const uptime = Duration.millis((yield* Clock.currentTimeMillis) - life.startedAt)
        if (status._tag === "Exited") {
          yield* publish({ _tag: "Exited", exitCode: status.exitCode, signal: status.signal, uptime })
        }
      }
      life = undefined
      const stopped: Supervisor.Event = { _tag: "Stopped", reason: "closed" }
      yield* publish(stopped)
      yield* Deferred.succeed(done, stopped)
    })

    /**
     * A defect (a readiness check that died, a bug): supervision cannot go on, and must not hang `await` and the
     * events. It gives up, with the defect as the cause of `await`'s failure.
     */
    const died = (cause: Cause.Cause<never>) =>
      Effect.gen(function*() {
        const reason = `a defect: ${describeFailure(Cause.squash(cause))}`
        yield* logAt(logLevels.gaveUp, `giving up on ${program}: ${reason}`)
        yield* publish({ _tag: "GaveUp", reason })
        yield* Deferred.failCause(done, cause)
      })

    yield* Effect.forkScoped(Effect.onInterrupt(
      Effect.catchCause(loop, (cause) => Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : died(cause)),
      () => closed
    ))
    const supervisor: Supervisor.Supervisor<A> = Object.assign(Object.create(Proto), {
      current: Effect.sync(() => current),
      // Ends after the last event: `Stopped` or `GaveUp` (kept in the replay buffer for late subscribers).
      events: Stream.takeUntil(
        Stream.fromPubSub(events),
        (event) => event._tag === "Stopped" || event._tag === "GaveUp"
      ),
      restarts: Effect.sync(() => restarts),
      await: Deferred.await(done)
    })
    return supervisor
  })
