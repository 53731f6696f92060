/**
 * Supervision: keep a long-running process alive the way systemd, supervisord, PM2 and Kubernetes do, as an Effect
 * resource. A supervisor launches the process (with its readiness), watches its exit and an optional health check,
 * and restarts it per policy with a backoff `Schedule`, a reset after a stable uptime, and a start limit after which
 * it gives up with a typed `ProcessError` (`GaveUp`). Closing its scope stops supervision and terminates the current
 * process gracefully.
 *
 * Defaults, in the spirit of systemd and PM2: restart `"on-failure"`; backoff 100 ms doubling, capped at 15 s, with
 * jitter; backoff reset after 30 s of uptime; start limit 5 starts within 10 s; health checks every 10 s with a 5 s
 * timeout, unhealthy after 3 consecutive failures.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as LogLevel from "effect/LogLevel"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/supervisor.js"
import type * as ManagedProcess from "./ManagedProcess.js"
import type { ProcessError } from "./ProcessError.js"
import type { ProcessSpawner } from "./ProcessSpawner.js"
import type * as Readiness from "./Readiness.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.TypeId as TypeId

/**
 * When to restart: `"always"`; `"on-failure"` (a non-success exit code, a signal, a failed launch or readiness, an
 * unhealthy process); `"never"`.
 *
 * @since 0.1.0
 * @category models
 */
export type RestartPolicy = "always" | "on-failure" | "never"

/**
 * A periodic health check of the running process: a `Readiness` probe (e.g. `Readiness.http(...)`) or any Effect
 * (success = healthy).
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthCheck<R> {
  readonly probe: Effect.Effect<unknown, unknown, R> | Readiness.Readiness<unknown, unknown, R>
  /** Default 10 seconds. */
  readonly interval?: Duration.DurationInput | undefined
  /** Per check. Default 5 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Consecutive failures that make the process unhealthy: a positive integer. Default 3. */
  readonly failureThreshold?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<A = void, E = never, R = never, RH = never> extends ManagedProcess.Options<A, E, R> {
  /** `"always"`, `"on-failure"` or `"never"`. Default `"on-failure"`. */
  readonly restart?: RestartPolicy | undefined
  /** Exit codes that are not failures: an array of integers from 0 to 255. Default `[0]`. */
  readonly successExitCodes?: ReadonlyArray<number> | undefined
  /**
   * Delays between restarts; when it ends, the supervisor gives up (a schedule that fails gives up too, with its
   * failure as the `cause`). Default: 100 ms doubling to 15 s, jittered.
   */
  readonly backoff?: Schedule.Schedule<unknown, unknown> | undefined
  /** After this much uptime the backoff starts over. Default 30 seconds. */
  readonly resetAfter?: Duration.DurationInput | undefined
  /**
   * At most `burst` starts within `interval`, else give up. `burst` is a positive integer, or `Infinity` for no start
   * limit. Default 5 within 10 seconds.
   */
  readonly startLimit?: { readonly burst: number; readonly interval: Duration.DurationInput } | undefined
  readonly healthCheck?: HealthCheck<RH> | undefined
  /**
   * What the supervisor logs of its own, one line per event, and at which level (a log level name; `"None"` turns
   * one off): `restart`, each restart with its delay and why the process ended, and an end by policy (default
   * `"Info"`); `unhealthy`, a process that failed its health checks (default `"Warning"`); `gaveUp`, giving up
   * (default `"Error"`). `false` turns them all off. The process's relayed stderr is `relayStderr`'s.
   */
  readonly log?: false | LogLevels | undefined
}

/**
 * The levels of a supervisor's own logs (see `Options.log`).
 *
 * @example
 * import { Supervisor } from "@effect-process/core"
 *
 * // restarts at Debug, giving up at Warning, unhealthy processes not logged
 * const worker = Supervisor.make(["node", "worker.js"], {
 *   log: { restart: "Debug", gaveUp: "Warning", unhealthy: "None" }
 * })
 *
 * @since 0.2.0
 * @category models
 */
export interface LogLevels {
  readonly restart?: LogLevel.Literal | undefined
  readonly unhealthy?: LogLevel.Literal | undefined
  readonly gaveUp?: LogLevel.Literal | undefined
}

/**
 * What a supervisor reports, in order.
 *
 * @since 0.1.0
 * @category models
 */
export type Event =
  | { readonly _tag: "Starting"; readonly attempt: number }
  | { readonly _tag: "Ready"; readonly pid: number }
  | { readonly _tag: "LaunchFailed"; readonly error: unknown }
  | {
    readonly _tag: "Exited"
    readonly exitCode: number | undefined
    readonly signal: string | undefined
    readonly uptime: Duration.Duration
  }
  | { readonly _tag: "Unhealthy"; readonly pid: number; readonly failures: number }
  | { readonly _tag: "Restarting"; readonly delay: Duration.Duration; readonly restarts: number }
  | { readonly _tag: "GaveUp"; readonly reason: string }
  /**
   * Supervision ended: by policy after a successful (`completed`) or failed (`failed`) exit, or because the
   * supervisor's scope was closed (`closed`).
   */
  | { readonly _tag: "Stopped"; readonly reason: "completed" | "failed" | "closed" }

/**
 * A running supervision.
 *
 * @since 0.1.0
 * @category models
 */
export interface Supervisor<out A = void> extends Pipeable {
  readonly [TypeId]: TypeId
  /** The process running now, if any (none while restarting). */
  readonly current: Effect.Effect<Option.Option<ManagedProcess.ManagedProcess<A>>>
  /**
   * The events, from subscription on (the 64 most recent are replayed to a new subscriber). The stream ends after
   * the last one, `Stopped` or `GaveUp`; when the supervisor's scope closes, the process is stopped, its `Exited`
   * is published, then `Stopped` with reason `closed`.
   */
  readonly events: Stream.Stream<Event>
  /** How many restarts so far. */
  readonly restarts: Effect.Effect<number>
  /**
   * Completes with `Stopped` when supervision ends, by policy or because the supervisor's scope closed (in any
   * phase: launching, waiting for readiness, running, waiting to restart); fails with `ProcessError` `GaveUp` when
   * it gives up. A health check that ignores interruption cannot hold the close up: it is left to finish on its
   * own.
   */
  readonly await: Effect.Effect<Event, ProcessError>
}

/**
 * Starts supervising `command` in the current scope. Every option is checked before the first start: an invalid
 * one (a `failureThreshold` of 0, a `backoff` or `retry` that is not a `Schedule`, ...) fails with `ProcessError`
 * `InvalidCommand`, and nothing is started.
 *
 * @example
 * import { Effect, Schedule } from "effect"
 * import { ManagedProcess, Readiness, Supervisor } from "@effect-process/core"
 *
 * const worker = Supervisor.make(["node", "worker.js"], {
 *   restart: "always",
 *   backoff: Schedule.exponential("200 millis").pipe(Schedule.either(Schedule.spaced("10 seconds"))),
 *   readiness: Readiness.output(["worker started"]),
 *   healthCheck: { probe: Readiness.http("http://127.0.0.1:9000/health"), interval: "5 seconds" }
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A = void, E = never, R = never, RH = never>(
  command: ManagedProcess.CommandInput,
  options?: Options<A, E, R, RH>
) => Effect.Effect<Supervisor<A>, ProcessError, ProcessSpawner | Scope.Scope | R | RH> = internal.make
