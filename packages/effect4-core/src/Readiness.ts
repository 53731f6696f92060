// Generated from packages/core/src/Readiness.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Readiness: with `ManagedProcess.make(command, { readiness })` the acquire completes only when the process is
 * ready, not merely started. A readiness check is made of probes (output, TCP port, HTTP, any Effect, a stable
 * uptime) combined with `all` / `any`.
 *
 * Every probe races the process's exit: a process that exits before it is ready fails at once with `ProcessError`
 * `ExitedBeforeReady` (exit code, signal, output tails), a fail-on pattern with `ReadinessFailed`, and running out
 * of time with `TimeoutError` `Readiness` naming the probes still pending. On any failure the process is terminated
 * with the release semantics before the error is returned.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import type { Pipeable } from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Types from "effect/Types"
import * as internal from "./internal/readiness.js"
import type * as OutputPattern from "./OutputPattern.js"

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
 * A readiness check yielding an `A`: tagged data, interpreted in one place when the check runs. A leaf is an output
 * pattern (`Output`) or any other probe (`Probe`: TCP, HTTP, an Effect, a stable uptime); `All` and `Any` combine
 * checks to any depth. However the output probes are nested, they are read by one reader per pipe: combining them
 * never makes two readers compete for a pipe.
 *
 * @since 0.1.0
 * @category models
 */
export interface Readiness<out A, out E = never, out R = never> extends Pipeable {
  readonly [TypeId]: {
    readonly _A: Types.Covariant<A>
    readonly _E: Types.Covariant<E>
    readonly _R: Types.Covariant<R>
  }
  readonly _tag: "Output" | "Probe" | "All" | "Any"
  /** Describes the check, e.g. `tcp 127.0.0.1|::1:5432`; pending probes are named in timeout errors. */
  readonly description: string
  /** The leaves it is made of, by description. */
  readonly probes: ReadonlyArray<string>
}

export {
  /**
   * The platform capability the TCP probe needs: can a connection to `host:port` be opened within `timeout`?
   * Provided by `NodeProcess.layer`.
   *
   * @since 0.1.0
   * @category tags
   */
  Connector
} from "./internal/readiness.js"

/**
 * How often polling probes (`port`, `http`, `effect`) try. Default: every 100 ms.
 *
 * @since 0.1.0
 * @category models
 */
export interface PollOptions {
  readonly schedule?: Schedule.Schedule<unknown, unknown> | undefined
}

/**
 * Ready when the output matches (an array means every part appears, the reference's semantics). Yields the match.
 * The output up to the match is consumed; what follows stays for the handle's readers.
 *
 * @example
 * import { ManagedProcess, OutputPattern, Readiness } from "effect-process"
 *
 * const server = ManagedProcess.make(["node", "server.js"], {
 *   readiness: Readiness.output(OutputPattern.regex(/listening on (\d+)/))
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const output: {
  (parts: ReadonlyArray<string>): Readiness<string>
  <A>(pattern: OutputPattern.OutputPattern<A>): Readiness<A>
} = internal.output

/**
 * Ready when a TCP connection to `port` succeeds. Without `host`, both 127.0.0.1 and ::1 are tried (a server may
 * listen on one only, and Node resolves `localhost` to ::1 first). A `port` that is not an integer from 1 to 65535,
 * or a `host` that is not a non-empty string, fails the check with `ProcessError` `InvalidCommand` when it runs.
 *
 * @example
 * import { ManagedProcess, Readiness } from "effect-process"
 *
 * const db = ManagedProcess.make(["postgres", "-D", "data"], { readiness: Readiness.port(5432) })
 *
 * @since 0.1.0
 * @category constructors
 */
export const port: (
  port: number,
  options?: PollOptions & {
    readonly host?: string | undefined
    /** Per attempt. Default 1 second. */
    readonly attemptTimeout?: Duration.Input | undefined
  }
) => Readiness<{ readonly host: string; readonly port: number }, never, internal.Connector> = internal.port

/**
 * Ready when an HTTP(S) GET of `url` answers with an accepted status (default: 2xx), through `@effect/platform`'s
 * `HttpClient` (provide one, e.g. `FetchHttpClient.layer`). Yields the response.
 *
 * @example
 * import { ManagedProcess, Readiness } from "effect-process"
 *
 * const api = ManagedProcess.make(["node", "api.js"], {
 *   readiness: Readiness.http("http://127.0.0.1:8080/health", { status: (status) => status === 204 })
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const http: (
  url: string,
  options?: PollOptions & {
    readonly status?: ((status: number) => boolean) | undefined
    /** Per attempt. Default 2 seconds. */
    readonly attemptTimeout?: Duration.Input | undefined
  }
) => Readiness<HttpClientResponse.HttpClientResponse, never, HttpClient.HttpClient> = internal.http

/**
 * Ready when `check` succeeds; it is retried per the schedule (default every 100 ms) until the readiness timeout.
 *
 * @example
 * import { Effect } from "effect"
 * import { Readiness } from "effect-process"
 *
 * const fileExists = Readiness.effect(Effect.tryPromise(() => import("node:fs/promises").then((fs) => fs.access("x"))))
 *
 * @since 0.1.0
 * @category constructors
 */
export const effect: <A, E, R>(
  check: Effect.Effect<A, E, R>,
  options?: PollOptions & { readonly description?: string | undefined }
) => Readiness<A, never, R> = internal.effect

/**
 * Ready once the process has stayed up for `duration` (supervisord's `startsecs`), counted from the start of the
 * readiness check. Combine with `all` to require it besides other probes.
 *
 * @example
 * import { Readiness } from "effect-process"
 *
 * const settled = Readiness.all(Readiness.port(8080), Readiness.stableFor("1 second"))
 *
 * @since 0.1.0
 * @category constructors
 */
export const stableFor: (duration: Duration.Input) => Readiness<void> = internal.stableFor

/**
 * Ready when every probe is (they run concurrently). Yields their values as a tuple.
 *
 * @example
 * import { OutputPattern, Readiness } from "effect-process"
 *
 * const ready = Readiness.all(Readiness.output(OutputPattern.substring("started")), Readiness.port(9000))
 *
 * @since 0.1.0
 * @category combinators
 */
export const all: <const Probes extends ReadonlyArray<Readiness<any, any, any>>>(
  ...probes: Probes
) => Readiness<
  { -readonly [K in keyof Probes]: Readiness.Value<Probes[K]> },
  Readiness.Error<Probes[number]>,
  Readiness.Context<Probes[number]>
> = internal.all

/**
 * Ready when the first probe is. Yields its value.
 *
 * @example
 * import { Readiness } from "effect-process"
 *
 * const ready = Readiness.any(Readiness.port(8080), Readiness.port(8443))
 *
 * @since 0.1.0
 * @category combinators
 */
export const any: <const Probes extends ReadonlyArray<Readiness<any, any, any>>>(
  ...probes: Probes
) => Readiness<Readiness.Value<Probes[number]>, Readiness.Error<Probes[number]>, Readiness.Context<Probes[number]>> =
  internal.any

/**
 * @since 0.1.0
 */
export declare namespace Readiness {
  /**
   * @since 0.1.0
   * @category models
   */
  export type Value<T> = T extends Readiness<infer A, any, any> ? A : never
  /**
   * @since 0.1.0
   * @category models
   */
  export type Error<T> = T extends Readiness<any, infer E, any> ? E : never
  /**
   * @since 0.1.0
   * @category models
   */
  export type Context<T> = T extends Readiness<any, any, infer R> ? R : never
}

/**
 * Whether `u` is a `Readiness`.
 *
 * @example
 * import { Readiness } from "effect-process"
 *
 * Readiness.isReadiness(Readiness.port(80)) // true
 *
 * @since 0.1.0
 * @category guards
 */
export const isReadiness: (u: unknown) => u is Readiness<unknown, unknown, unknown> = internal.isReadiness
