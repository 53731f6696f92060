import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Schedule from "effect/Schedule"
import type * as OutputPattern from "../OutputPattern.js"
import type * as Readiness from "../Readiness.js"
import { decodeDuration } from "./command.js"
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
  const self = probe(`output ${resolved.description}`, (context) => context.matchOutput(resolved))
  outputPatterns.set(self, resolved)
  return self
}

/**
 * The pattern of each output probe. A pipe has one reader at a time, so `all` and `any` merge their output probes
 * into one pattern (`OutputPattern.all` / `OutputPattern.any`) instead of running them side by side.
 */
const outputPatterns = new WeakMap<Readiness.Readiness<any, any, any>, OutputPattern.OutputPattern<any>>()

/** Splits probes into the output ones (merged into one pattern) and the others, keeping their positions. */
const partition = (probes: ReadonlyArray<Readiness.Readiness<any, any, any>>) => {
  const outputs: Array<number> = []
  probes.forEach((p, i) => {
    if (outputPatterns.has(p)) outputs.push(i)
  })
  return { outputs, patterns: outputs.map((i) => outputPatterns.get(probes[i]!)!) }
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
  return probe<{ readonly host: string; readonly port: number }, never, Connector>(
    `tcp ${hosts.join("|")}:${portNumber}`,
    (context) =>
      Effect.gen(function*() {
        const attemptTimeout = yield* decodeDuration(
          context.command,
          "attemptTimeout",
          options.attemptTimeout,
          "1 second"
        )
        const connector = yield* Connector
        return yield* poll(
          Effect.raceAll(hosts.map((host) =>
            Effect.flatMap(
              connector.canConnect(host, portNumber, attemptTimeout),
              (open) => open ? Effect.succeed({ host, port: portNumber }) : Effect.fail("closed" as const)
            )
          )),
          options.schedule
        )
      })
  )
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
  return probe<HttpClientResponse.HttpClientResponse, never, HttpClient.HttpClient>(
    `http GET ${url}`,
    (context) =>
      Effect.flatMap(
        decodeDuration(context.command, "attemptTimeout", options.attemptTimeout, "2 seconds"),
        (attemptTimeout) =>
          poll(
            HttpClient.get(url).pipe(
              Effect.scoped,
              Effect.timeout(attemptTimeout),
              Effect.filterOrFail((response) => accept(response.status), () => "unexpected status" as const)
            ),
            options.schedule
          )
      )
  )
}

/** @internal */
export const effect = <A, E, R>(
  check: Effect.Effect<A, E, R>,
  options: Readiness.PollOptions & { readonly description?: string | undefined } = {}
): Readiness.Readiness<A, never, R> => probe(options.description ?? "a check", () => poll(check, options.schedule))

/** @internal */
export const stableFor = (duration: Duration.DurationInput): Readiness.Readiness<void> => {
  // Validated when the probe runs, with the process's command in the error: building it never throws.
  const shown = Option.match(Duration.decodeUnknown(duration), {
    onNone: () => String(duration),
    onSome: Duration.format
  })
  return probe(
    `up for ${shown}`,
    (context) => Effect.flatMap(decodeDuration(context.command, "stableFor", duration, 0), Effect.sleep)
  )
}

/**
 * A combination of output probes only is an output probe too, so that it merges again when nested in another `all`
 * or `any`.
 */
const registerOutputs = <R extends Readiness.Readiness<any, any, any>>(
  self: R,
  probes: ReadonlyArray<Readiness.Readiness<any, any, any>>,
  combine: (patterns: ReadonlyArray<OutputPattern.OutputPattern<any>>) => OutputPattern.OutputPattern<any>
): R => {
  if (probes.length > 0 && probes.every((p) => outputPatterns.has(p))) {
    outputPatterns.set(self, combine(probes.map((p) => outputPatterns.get(p)!)))
  }
  return self
}

/** @internal */
export const all = (...probes: ReadonlyArray<Readiness.Readiness<any, any, any>>): any =>
  registerOutputs(allProbes(probes), probes, (patterns) => pattern_.all(...patterns))

/** @internal */
export const any = (...probes: ReadonlyArray<Readiness.Readiness<any, any, any>>): any =>
  registerOutputs(anyProbe(probes), probes, (patterns) => pattern_.any(...patterns))

const allProbes = (probes: ReadonlyArray<Readiness.Readiness<any, any, any>>) =>
  make(
    `all of (${probes.map((p) => p.description).join(", ")})`,
    probes.flatMap((p) => p.probes),
    (context) => {
      const { outputs, patterns } = partition(probes)
      if (outputs.length < 2) return Effect.all(probes.map((p) => p.run(context)), { concurrency: "unbounded" })
      const merged = Effect.tap(
        context.matchOutput(pattern_.all(...patterns)),
        () => Effect.forEach(outputs.flatMap((i) => probes[i]!.probes), context.settled, { discard: true })
      )
      const others = probes.map((p, i) => outputs.includes(i) ? undefined : p.run(context))
      return Effect.map(
        Effect.all([merged, Effect.all(others.map((run) => run ?? Effect.void), { concurrency: "unbounded" })], {
          concurrency: "unbounded"
        }),
        ([matched, rest]) => probes.map((_, i) => outputs.includes(i) ? matched[outputs.indexOf(i)] : rest[i])
      )
    }
  )

const anyProbe = (probes: ReadonlyArray<Readiness.Readiness<any, any, any>>) =>
  make(
    `any of (${probes.map((p) => p.description).join(", ")})`,
    probes.flatMap((p) => p.probes),
    (context) => {
      const { outputs, patterns } = partition(probes)
      if (outputs.length < 2) return Effect.raceAll(probes.map((p) => p.run(context)))
      const merged = Effect.tap(
        context.matchOutput(pattern_.any(...patterns)),
        () => Effect.forEach(outputs.flatMap((i) => probes[i]!.probes), context.settled, { discard: true })
      )
      return Effect.raceAll([merged, ...probes.filter((_, i) => !outputs.includes(i)).map((p) => p.run(context))])
    }
  )
