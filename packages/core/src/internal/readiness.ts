import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import * as Schedule from "effect/Schedule"
import type * as OutputPattern from "../OutputPattern.js"
import type * as Readiness from "../Readiness.js"
import * as pattern_ from "./outputPattern.js"

/**
 * The platform capability the TCP probe needs: can a connection to `host:port` be opened within `timeout`?
 * Provided by `NodeProcess.layer`.
 *
 * @example
 * import { Effect, Layer } from "effect"
 * import { Readiness } from "@effect-process/core"
 *
 * // a test double that says every port is open
 * const open = Layer.succeed(Readiness.Connector, { canConnect: () => Effect.succeed(true) })
 *
 * @since 0.1.0
 * @category tags
 */
export class Connector extends Context.Tag("@effect-process/core/Readiness/Connector")<Connector, {
  readonly canConnect: (host: string, port: number, timeout: Duration.Duration) => Effect.Effect<boolean>
}>() {}

/** @internal */
export const TypeId: Readiness.TypeId = Symbol.for("@effect-process/core/Readiness") as Readiness.TypeId

/** @internal */
export const isReadiness = (u: unknown): u is Readiness.Readiness<unknown, unknown, unknown> =>
  typeof u === "object" && u !== null && TypeId in u

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  toString(this: Readiness.Readiness<unknown, unknown, unknown>) {
    return `Readiness(${this.description})`
  }
}

const make = <A, E, R>(
  description: string,
  probes: ReadonlyArray<string>,
  run: Readiness.Readiness<A, E, R>["run"]
): Readiness.Readiness<A, E, R> => Object.assign(Object.create(Proto), { description, probes, run })

/** A single probe: marks itself settled when it succeeds. */
const probe = <A, E, R>(
  description: string,
  run: Readiness.Readiness<A, E, R>["run"]
): Readiness.Readiness<A, E, R> =>
  make(description, [description], (context) => Effect.tap(run(context), () => context.settled(description)))

const DEFAULT_POLL = Schedule.spaced("100 millis")

/** Retries `attempt` per the schedule, forever: the readiness timeout and the exit race bound it. */
const poll = <A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, unknown> | undefined
): Effect.Effect<A, never, R> =>
  Effect.retry(attempt, Schedule.forever.pipe(Schedule.intersect(schedule ?? DEFAULT_POLL))) as Effect.Effect<
    A,
    never,
    R
  >

/** @internal */
export const output = (pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<any>): any => {
  const resolved: OutputPattern.OutputPattern<any> = pattern_.isOutputPattern(pattern)
    ? pattern
    : pattern_.allParts(pattern as ReadonlyArray<string>)
  return probe(`output ${resolved.description}`, (context) => context.matchOutput(resolved))
}

/** @internal */
export const port = (
  portNumber: number,
  options: Readiness.PollOptions & {
    readonly host?: string | undefined
    readonly attemptTimeout?: Duration.DurationInput | undefined
  } = {}
): Readiness.Readiness<{ readonly host: string; readonly port: number }, never, Connector> => {
  const hosts = options.host === undefined ? ["127.0.0.1", "::1"] : [options.host]
  const attemptTimeout = Duration.decode(options.attemptTimeout ?? "1 second")
  return probe(`tcp ${hosts.join("|")}:${portNumber}`, () =>
    Effect.flatMap(Connector, (connector) =>
      poll(
        Effect.raceAll(hosts.map((host) =>
          Effect.flatMap(
            connector.canConnect(host, portNumber, attemptTimeout),
            (open) => open ? Effect.succeed({ host, port: portNumber }) : Effect.fail("closed" as const)
          )
        )),
        options.schedule
      )))
}

/** @internal */
export const http = (
  url: string,
  options: Readiness.PollOptions & {
    readonly status?: ((status: number) => boolean) | undefined
    readonly attemptTimeout?: Duration.DurationInput | undefined
  } = {}
): Readiness.Readiness<HttpClientResponse.HttpClientResponse, never, HttpClient.HttpClient> => {
  const accept = options.status ?? ((status: number) => status >= 200 && status < 300)
  const attemptTimeout = Duration.decode(options.attemptTimeout ?? "2 seconds")
  return probe(`http GET ${url}`, () =>
    poll(
      HttpClient.get(url).pipe(
        Effect.scoped,
        Effect.timeout(attemptTimeout),
        Effect.filterOrFail((response) => accept(response.status), () => "unexpected status" as const)
      ),
      options.schedule
    ))
}

/** @internal */
export const effect = <A, E, R>(
  check: Effect.Effect<A, E, R>,
  options: Readiness.PollOptions & { readonly description?: string | undefined } = {}
): Readiness.Readiness<A, never, R> => probe(options.description ?? "a check", () => poll(check, options.schedule))

/** @internal */
export const stableFor = (duration: Duration.DurationInput): Readiness.Readiness<void> => {
  const decoded = Duration.decode(duration)
  return probe(`up for ${Duration.format(decoded)}`, () => Effect.sleep(decoded))
}

/** @internal */
export const all = (...probes: ReadonlyArray<Readiness.Readiness<any, any, any>>): any =>
  make(
    `all of (${probes.map((p) => p.description).join(", ")})`,
    probes.flatMap((p) => p.probes),
    (context) => Effect.all(probes.map((p) => p.run(context)), { concurrency: "unbounded" })
  )

/** @internal */
export const any = (...probes: ReadonlyArray<Readiness.Readiness<any, any, any>>): any =>
  make(
    `any of (${probes.map((p) => p.description).join(", ")})`,
    probes.flatMap((p) => p.probes),
    (context) => Effect.raceAll(probes.map((p) => p.run(context)))
  )
