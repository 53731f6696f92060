import { typeName } from "@effect-process/engine/LaunchOptions"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Schedule from "effect/Schedule"
import type * as OutputPattern from "../OutputPattern.js"
import type { ProcessError, StateError } from "../ProcessError.js"
import type * as Readiness from "../Readiness.js"
import { decodeDuration } from "./command.js"
import * as compat from "./compat.js"
import { invalid } from "./errors.js"
import type { PatternReader } from "./matching.js"
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
export class Connector extends compat.Service<Connector, {
  readonly canConnect: (host: string, port: number, timeout: Duration.Duration) => Effect.Effect<boolean>
}>()("@effect-process/core/Readiness/Connector") {}

/** @internal */
export const TypeId: Readiness.TypeId = Symbol.for("@effect-process/core/Readiness") as Readiness.TypeId

/** @internal */
export const isReadiness = (u: unknown): u is Readiness.Readiness<unknown, unknown, unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/**
 * The nodes of a readiness check. The public type is opaque but for `_tag`; this is what `check` interprets.
 *
 * @internal
 */
export type Node = OutputNode | ProbeNode | AllNode | AnyNode

interface NodeBase {
  readonly description: string
  readonly probes: ReadonlyArray<string>
}

/** Ready when the pattern matches the output. */
interface OutputNode extends NodeBase {
  readonly _tag: "Output"
  readonly pattern: OutputPattern.OutputPattern<unknown>
}

/** Ready when `run` succeeds; `command` is the process's, for the errors of invalid options. */
interface ProbeNode extends NodeBase {
  readonly _tag: "Probe"
  readonly run: (command: ReadonlyArray<string>) => Effect.Effect<unknown, unknown, unknown>
}

interface AllNode extends NodeBase {
  readonly _tag: "All"
  readonly children: ReadonlyArray<Node>
}

interface AnyNode extends NodeBase {
  readonly _tag: "Any"
  readonly children: ReadonlyArray<Node>
}

const variance = { _A: (_: never) => _, _E: (_: never) => _, _R: (_: never) => _ }

const Proto = {
  [TypeId]: variance,
  pipe() {
    return pipeArguments(this, arguments)
  },
  toString(this: Node) {
    return `Readiness(${this.description})`
  }
}

const node = <N extends Node>(fields: N): any => Object.assign(Object.create(Proto), fields)

const nodeOf = (readiness: Readiness.Readiness<unknown, unknown, unknown>): Node => readiness as unknown as Node

/** A probe other than output: `run` polls or waits until it succeeds. */
const probe = <A, E, R>(
  description: string,
  run: (command: ReadonlyArray<string>) => Effect.Effect<A, E | ProcessError, R>
): Readiness.Readiness<A, E, R> => node<ProbeNode>({ _tag: "Probe", description, probes: [description], run })

const DEFAULT_POLL = Schedule.spaced("100 millis")

/**
 * A check that fails, when it runs, with the `InvalidCommand` of the process it checks: what a constructor given
 * invalid arguments builds, since building a check never fails or throws.
 */
const invalidProbe = (detail: string): any =>
  probe<never, never, never>(detail, (command) => Effect.fail(invalid(command, detail)))

/**
 * Retries `attempt` per the schedule, forever: the readiness timeout and the exit race bound it. A schedule that is
 * not a `Schedule` fails it with `InvalidCommand`.
 */
const poll = <A, E, R>(
  command: ReadonlyArray<string>,
  attempt: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, unknown> | undefined
): Effect.Effect<A, ProcessError, R> =>
  schedule !== undefined && !Schedule.isSchedule(schedule)
    ? Effect.fail(invalid(command, `schedule must be a Schedule (got ${typeName(schedule)})`))
    : Effect.retry(attempt, schedule ?? DEFAULT_POLL) as Effect.Effect<
      A,
      never,
      R
    >

/** @internal */
export const output = (pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<any>): any => {
  // A malformed pattern is an invalid one: the check fails with InvalidCommand before reading anything.
  const resolved = pattern_.resolve("Readiness.output", pattern)
  const description = `output ${resolved.description}`
  return node<OutputNode>({ _tag: "Output", description, probes: [description], pattern: resolved })
}

/** What is wrong with `port` as a TCP port to connect to, or `undefined`. */
const portProblem = (port: unknown): string | undefined =>
  typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535
    ? undefined
    : `port must be an integer from 1 to 65535 (got ${typeof port === "number" ? String(port) : typeName(port)})`

/** @internal */
export const port = (
  portNumber: number,
  options: Readiness.PollOptions & {
    readonly host?: string | undefined
    readonly attemptTimeout?: Duration.DurationInput | undefined
  } = {}
): Readiness.Readiness<{ readonly host: string; readonly port: number }, never, Connector> => {
  options ??= {}
  const host = options.host
  const hosts = host === undefined ? ["127.0.0.1", "::1"] : [host]
  return probe<{ readonly host: string; readonly port: number }, never, Connector>(
    `tcp ${hosts.map(String).join("|")}:${String(portNumber)}`,
    (command) =>
      Effect.gen(function*() {
        // Validated when the probe runs, with the process's command in the error: building it never throws. The
        // connector would throw on a port out of range (Node's ERR_SOCKET_BAD_PORT), a defect.
        const problem = portProblem(portNumber)
        if (problem !== undefined) return yield* Effect.fail(invalid(command, problem))
        if (host !== undefined && (typeof host !== "string" || host.length === 0)) {
          return yield* Effect.fail(invalid(command, `host must be a non-empty string (got ${typeName(host)})`))
        }
        const attemptTimeout = yield* compat.fromEither(decodeDuration(
          command,
          "attemptTimeout",
          options.attemptTimeout,
          "1 second"
        ))
        const connector = yield* Connector
        return yield* poll(
          command,
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
  options ??= {}
  const accept = options.status ?? ((status: number) => status >= 200 && status < 300)
  return probe<HttpClientResponse.HttpClientResponse, never, HttpClient.HttpClient>(
    `http GET ${url}`,
    (command) =>
      Effect.flatMap(
        compat.fromEither(decodeDuration(command, "attemptTimeout", options.attemptTimeout, "2 seconds")),
        (attemptTimeout) =>
          poll(
            command,
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
): Readiness.Readiness<A, never, R> => {
  const { description, schedule } = options ?? {}
  return probe<A, never, R>(
    typeof description === "string" ? description : "a check",
    (command) =>
      Effect.isEffect(check)
        ? poll(command, check, schedule)
        : Effect.fail(invalid(command, `Readiness.effect: the check must be an Effect (got ${typeName(check)})`))
  )
}

/** @internal */
export const stableFor = (duration: Duration.DurationInput): Readiness.Readiness<void> => {
  // Validated when the probe runs, with the process's command in the error: building it never throws.
  const shown = Option.match(Duration.decodeUnknown(duration), {
    onNone: () => String(duration),
    onSome: Duration.format
  })
  return probe<void, never, never>(
    `up for ${shown}`,
    (command) => Effect.flatMap(compat.fromEither(decodeDuration(command, "stableFor", duration, 0)), Effect.sleep)
  )
}

const combine = (tag: "All" | "Any", checks: ReadonlyArray<Readiness.Readiness<any, any, any>>): any => {
  const wrong = checks.findIndex((check) => !isReadiness(check))
  if (wrong >= 0) {
    return invalidProbe(
      `Readiness.${tag === "All" ? "all" : "any"}: argument ${wrong + 1} is not a Readiness (got ${
        typeName(checks[wrong])
      })`
    )
  }
  const children = checks.map(nodeOf)
  return node<AllNode | AnyNode>({
    _tag: tag,
    description: `${tag === "All" ? "all" : "any"} of (${children.map((child) => child.description).join(", ")})`,
    probes: children.flatMap((child) => child.probes),
    children
  })
}

/** @internal */
export const all = (...checks: ReadonlyArray<Readiness.Readiness<any, any, any>>): any => combine("All", checks)

/** @internal */
export const any = (...checks: ReadonlyArray<Readiness.Readiness<any, any, any>>): any => combine("Any", checks)

// -----------------------------------------------------------------------------------------------------------------
// Interpretation
// -----------------------------------------------------------------------------------------------------------------

/**
 * What a check needs of the process it checks.
 *
 * @internal
 */
export interface CheckContext {
  readonly command: ReadonlyArray<string>
  /** Matches one pattern, as the only reader of the pipes it reads. */
  readonly matchOutput: <A>(pattern: OutputPattern.OutputPattern<A>) => Effect.Effect<A, ProcessError | StateError>
  /** Matches several patterns with one reader per pipe, each settled on its own, until all are or `stop` is done. */
  readonly matchEach: (
    readers: ReadonlyArray<PatternReader<unknown>>,
    stop: Effect.Effect<void>
  ) => Effect.Effect<void, StateError>
  /** A leaf succeeded (for the list of pending probes in a timeout error). */
  readonly settled: (description: string) => void
}

/**
 * Runs a readiness check. A check with one output leaf reads it directly; a check with several, however nested,
 * runs one reader for all of them (`matchEach`) beside the check and gives each output leaf its outcome as the
 * reader decides it. When the check succeeds the reader stops, committing what the matches consumed; when it fails
 * or is interrupted, the reader is interrupted and gives everything back.
 *
 * @internal
 */
export const check = <A, E, R>(
  readiness: Readiness.Readiness<A, E, R>,
  context: CheckContext
): Effect.Effect<A, E | ProcessError | StateError, R> => {
  const root = nodeOf(readiness)
  const outputs = outputLeaves(root)
  if (outputs.length < 2) {
    return evaluate(root, context, (leaf) => context.matchOutput(leaf.pattern)) as Effect.Effect<
      A,
      E | ProcessError | StateError,
      R
    >
  }
  return Effect.suspend(() => {
    const outcomes = outputs.map(() => compat.makeDeferred<unknown, ProcessError | StateError>())
    const stop = compat.makeDeferred<void>()
    const reader = context.matchEach(
      outputs.map((leaf, i) => ({
        pattern: leaf.pattern,
        settle: (outcome) => Deferred.unsafeDone(outcomes[i]!, outcome)
      })),
      Deferred.await(stop)
    ).pipe(
      // A reader that could not start (or ended) leaves no leaf waiting.
      Effect.onExit((exit) =>
        Effect.forEach(
          outcomes,
          (outcome) => Exit.isFailure(exit) ? Deferred.failCause(outcome, exit.cause) : Deferred.interrupt(outcome),
          { discard: true }
        )
      )
    )
    const checked = Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(
        Effect.forkDaemon(Effect.interruptible(reader)),
        (fiber) =>
          restore(evaluate(root, context, (leaf) => Deferred.await(outcomes[outputs.indexOf(leaf)]!))).pipe(
            Effect.onExit((exit) =>
              Exit.isSuccess(exit)
                ? Effect.zipRight(Deferred.succeed(stop, undefined), Fiber.await(fiber))
                : Fiber.interrupt(fiber)
            )
          )
      )
    )
    return checked as Effect.Effect<A, E | ProcessError | StateError, R>
  })
}

const outputLeaves = (root: Node): Array<OutputNode> => {
  switch (root._tag) {
    case "Output":
      return [root]
    case "Probe":
      return []
    case "All":
    case "Any":
      return root.children.flatMap(outputLeaves)
  }
}

/** The check's value: leaves run concurrently; `All` waits for every child, `Any` for the first. */
const evaluate = (
  root: Node,
  context: CheckContext,
  matchLeaf: (leaf: OutputNode) => Effect.Effect<unknown, unknown, unknown>
): Effect.Effect<unknown, unknown, unknown> => {
  switch (root._tag) {
    case "Output":
      return Effect.map(matchLeaf(root), (value) => {
        context.settled(root.description)
        return value
      })
    case "Probe":
      return Effect.map(root.run(context.command), (value) => {
        context.settled(root.description)
        return value
      })
    case "All":
      return Effect.all(root.children.map((child) => evaluate(child, context, matchLeaf)), {
        concurrency: "unbounded"
      })
    case "Any":
      return Effect.raceAll(root.children.map((child) => evaluate(child, context, matchLeaf)))
  }
}
