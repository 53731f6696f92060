import * as PlatformCommand from "@effect/platform/Command"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import { ProcessError } from "../ProcessError.js"
import type { EnvironmentSpec, StdioMode } from "../ProcessSpawner.js"

/**
 * A launch request after validation: what the spawner gets, plus an optional stdin stream from a `Command`.
 *
 * @internal
 */
export interface Normalized {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: EnvironmentSpec
  readonly stdin: StdioMode
  readonly stdout: StdioMode
  readonly stderr: StdioMode
  readonly stdinStream: Stream.Stream<Uint8Array, unknown> | undefined
}

const invalid = (command: ReadonlyArray<string>, detail: string) =>
  new ProcessError({ reason: "InvalidCommand", command, detail })

const hasNul = (text: string): boolean => text.includes("\0")

const stdioOf = (
  command: ReadonlyArray<string>,
  name: string,
  value: PlatformCommand.Command.Output
): Effect.Effect<StdioMode, ProcessError> =>
  value === "pipe" || value === "inherit" ? Effect.succeed(value) : Effect.fail(invalid(
    command,
    `a Command ${name} Sink is not supported: read the handle's ${name} stream instead`
  ))

/**
 * Validates `input` and merges a `Command`'s settings with `options` (options win). Nothing is started here.
 *
 * @internal
 */
export const normalize = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<unknown, unknown, unknown>
): Effect.Effect<Normalized, ProcessError> =>
  Effect.gen(function*() {
    let argv: ReadonlyArray<string>
    let cwd = options.cwd
    let set: Record<string, string | undefined> = {}
    let extend = options.extendEnv ?? true
    let stdin: StdioMode = options.stdin ?? "pipe"
    let stdout: StdioMode = options.stdout ?? "pipe"
    let stderr: StdioMode = options.stderr ?? "pipe"
    let stdinStream: Stream.Stream<Uint8Array, unknown> | undefined
    if (PlatformCommand.isCommand(input)) {
      if (input._tag === "PipedCommand") {
        return yield* invalid(
          PlatformCommand.flatten(input).flatMap((c) => [c.command, ...c.args, "|"]).slice(0, -1),
          "piped Commands are not supported: launch each process and connect their streams"
        )
      }
      const base = [input.command, ...input.args]
      argv = input.shell === false ? base : [input.shell === true ? "/bin/sh" : input.shell, "-c", base.join(" ")]
      if (cwd === undefined) cwd = Option.getOrUndefined(input.cwd)
      set = Object.fromEntries(HashMap.toEntries(input.env))
      extend = options.extendEnv ?? input.extendEnv
      if (options.stdin === undefined) {
        if (typeof input.stdin === "string") stdin = input.stdin
        else {
          stdin = "pipe"
          stdinStream = input.stdin
        }
      }
      if (options.stdout === undefined) stdout = yield* stdioOf(argv, "stdout", input.stdout)
      if (options.stderr === undefined) stderr = yield* stdioOf(argv, "stderr", input.stderr)
    } else {
      argv = input
    }
    if (!Array.isArray(argv) || argv.length === 0) return yield* invalid([], "the command is empty")
    if (typeof argv[0] !== "string" || argv[0].length === 0) return yield* invalid(argv, "the program name is empty")
    for (const arg of argv) {
      if (typeof arg !== "string") return yield* invalid(argv.map(String), "every argument must be a string")
      if (hasNul(arg)) return yield* invalid(argv, "an argument contains a NUL byte")
    }
    if (cwd !== undefined && (cwd.length === 0 || hasNul(cwd))) {
      return yield* invalid(argv, "cwd is empty or contains a NUL byte")
    }
    set = { ...set, ...options.env }
    for (const [key, value] of Object.entries(set)) {
      if (key.length === 0 || key.includes("=") || hasNul(key)) {
        return yield* invalid(argv, `invalid environment variable name ${JSON.stringify(key)}`)
      }
      // The value itself is never printed: environments carry secrets.
      if (value !== undefined && hasNul(value)) return yield* invalid(argv, `env ${key} contains a NUL byte`)
    }
    for (const [name, value] of [["bufferSize", options.bufferSize], ["tailSize", options.tailSize]] as const) {
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
        return yield* invalid(argv, `${name} must be a non-negative integer`)
      }
    }
    return {
      argv,
      cwd,
      env: { extend, unset: options.unsetEnv ?? [], set },
      stdin,
      stdout,
      stderr,
      stdinStream
    }
  })

/**
 * Whether `input` is a `Command` with a stdin of its own (a Stream to feed, or `"inherit"`) rather than a plain pipe.
 *
 * @internal
 */
export const hasOwnStdin = (input: ManagedProcess.CommandInput): boolean =>
  PlatformCommand.isCommand(input) && input._tag === "StandardCommand" && input.stdin !== "pipe"

/**
 * The argv of `input` as given, for error messages before it is validated.
 *
 * @internal
 */
export const argvOf = (input: ManagedProcess.CommandInput): ReadonlyArray<string> =>
  PlatformCommand.isCommand(input)
    ? PlatformCommand.flatten(input).flatMap((command) => [command.command, ...command.args])
    : input

/**
 * Decodes a user-given duration, refusing negative, NaN and malformed values (Effect's own `Duration.decode` turns
 * a negative number into zero, which would silently turn a typo into "no grace at all").
 *
 * @internal
 */
export const decodeDuration = (
  command: ReadonlyArray<string>,
  name: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput
): Either.Either<Duration.Duration, ProcessError> => {
  // An Either is an Effect: validation on the launch path costs no fiber step.
  const value = input ?? fallback
  if (Duration.isDuration(value)) return Either.right(value)
  const negative = (typeof value === "number" && !(value >= 0)) ||
    (typeof value === "bigint" && value < BigInt(0)) ||
    (typeof value === "string" && value.trimStart().startsWith("-")) ||
    (Array.isArray(value) && value.some((part) => !(part >= 0)))
  if (negative) return Either.left(invalid(command, `${name} must not be negative or NaN (got ${String(value)})`))
  return Either.fromOption(
    Duration.decodeUnknown(value),
    () => invalid(command, `${name} is not a duration (got ${String(value)})`)
  )
}
