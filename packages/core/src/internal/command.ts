import * as LaunchOptions from "@effect-process/engine/LaunchOptions"
import * as PlatformCommand from "@effect/platform/Command"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import type { ProcessError } from "../ProcessError.js"
import type { SpawnRequest, StdioMode } from "../ProcessSpawner.js"
import { invalid, refused } from "./errors.js"

/**
 * A launch request after validation: what the spawner gets, plus what the process needs to run its pipes.
 *
 * @internal
 */
export interface Normalized {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string | undefined
  /** What the spawner is asked to start, built once. */
  readonly request: SpawnRequest
  readonly stdinStream: Stream.Stream<Uint8Array, unknown> | undefined
  /** The level stderr lines are relayed at; `undefined`: not relayed. */
  readonly relayStderr: LogLevel.LogLevel | undefined
  readonly bufferSize: number
  readonly tailSize: number
  readonly maxLineLength: number
  readonly waitDelay: Duration.Duration
}

/**
 * What a launch assumes where its options say nothing: whether stderr is relayed (`make` relays, `run` does not),
 * and a stdin that takes the place of `options.stdin` (`run` decides stdin itself).
 *
 * @internal
 */
export interface LaunchDefaults {
  readonly relayStderr: boolean
  readonly stdin?: StdioMode | undefined
}

/**
 * How long output may still take to arrive once the leader has exited (the `waitDelay` option).
 *
 * @internal
 */
export const DEFAULT_WAIT_DELAY = Duration.millis(250)

const { describeThrown, shown } = LaunchOptions

const stdioOf = (
  command: ReadonlyArray<string>,
  name: string,
  value: PlatformCommand.Command.Output
): Either.Either<StdioMode, ProcessError> =>
  value === "pipe" || value === "inherit" ? Either.right(value) : Either.left(invalid(
    command,
    `a Command ${name} Sink is not supported: read the handle's ${name} stream instead`
  ))

const LOG_LEVELS: Record<string, LogLevel.LogLevel> = {
  All: LogLevel.All,
  Trace: LogLevel.Trace,
  Debug: LogLevel.Debug,
  Info: LogLevel.Info,
  Warning: LogLevel.Warning,
  Error: LogLevel.Error,
  Fatal: LogLevel.Fatal,
  None: LogLevel.None
}

/**
 * A log level given by its name (`"Info"`, `"Warning"`, ...; `"None"` is off, as `undefined`). An Either: it is
 * decoded on the launch path.
 *
 * @internal
 */
export const decodeLogLevel = (
  command: ReadonlyArray<string>,
  name: string,
  input: unknown
): Either.Either<LogLevel.LogLevel | undefined, ProcessError> => {
  const level = levelNamed(input)
  return level === null
    ? Either.left(invalid(command, `${name} must be a log level name, e.g. "Info" (got ${shown(input)})`))
    : Either.right(level)
}

/** The level `input` names (`undefined` for `"None"`: off), or `null` when it names none. */
const levelNamed = (input: unknown): LogLevel.LogLevel | undefined | null => {
  if (typeof input !== "string" || !Object.hasOwn(LOG_LEVELS, input)) return null
  const level = LOG_LEVELS[input]!
  return level === LogLevel.None ? undefined : level
}

/**
 * Validates `input` and merges a `Command`'s settings with `options` (options win). Nothing is started here. An
 * Either, not an Effect: validation on the launch path costs no fiber step.
 *
 * @internal
 */
export const normalize = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<unknown, unknown, unknown>,
  defaults: LaunchDefaults
): Either.Either<Normalized, ProcessError> => {
  try {
    return normalizeOptions(input, options, defaults.relayStderr, defaults.stdin)
  } catch (error) {
    // Options a JavaScript caller built with throwing getters or proxies: typed, not a defect.
    return Either.left(invalid(argvOf(input), `the options could not be read (${describeThrown(error)})`))
  }
}

const normalizeOptions = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<unknown, unknown, unknown>,
  relayDefault: boolean,
  /** Takes the place of `options.stdin` (`run` decides stdin itself). */
  stdinOverride?: StdioMode | undefined
): Either.Either<Normalized, ProcessError> => {
  const requestedStdin = stdinOverride ?? options.stdin
  let argv: ReadonlyArray<string>
  let cwd = options.cwd
  let set: Record<string, string | undefined> | undefined = options.env
  // Checked before a Command's environment is merged in (spreading a string would make its characters variables).
  const envRefused = LaunchOptions.checkEnvOption(argvOf(input), set)
  if (envRefused !== undefined) return Either.left(refused(envRefused))
  let extend = options.extendEnv ?? true
  let stdin: StdioMode = requestedStdin ?? "pipe"
  let stdout: StdioMode = options.stdout ?? "pipe"
  let stderr: StdioMode = options.stderr ?? "pipe"
  let stdinStream: Stream.Stream<Uint8Array, unknown> | undefined
  if (PlatformCommand.isCommand(input)) {
    if (input._tag === "PipedCommand") {
      return Either.left(invalid(
        argvOf(input),
        "a piped Command is launched by ManagedProcess.make and run, not here (a Supervisor keeps one process)"
      ))
    }
    const base = [input.command, ...input.args]
    argv = input.shell === false ? base : [input.shell === true ? "/bin/sh" : input.shell, "-c", base.join(" ")]
    if (cwd === undefined) cwd = Option.getOrUndefined(input.cwd)
    set = { ...Object.fromEntries(HashMap.toEntries(input.env)), ...options.env }
    extend = options.extendEnv ?? input.extendEnv
    if (requestedStdin === undefined) {
      if (typeof input.stdin === "string") stdin = input.stdin
      else {
        stdin = "pipe"
        stdinStream = input.stdin
      }
    }
    if (options.stdout === undefined) {
      const mode = stdioOf(argv, "stdout", input.stdout)
      if (Either.isLeft(mode)) return Either.left(mode.left)
      stdout = mode.right
    }
    if (options.stderr === undefined) {
      const mode = stdioOf(argv, "stderr", input.stderr)
      if (Either.isLeft(mode)) return Either.left(mode.left)
      stderr = mode.right
    }
  } else if (typeof input === "string") {
    return Either.left(refused(LaunchOptions.stringCommand(input)))
  } else {
    argv = input
  }
  const checked = LaunchOptions.checkLaunch({
    argv,
    cwd,
    set,
    unset: options.unsetEnv,
    stdin,
    stdout,
    stderr,
    bufferSize: options.bufferSize,
    tailSize: options.tailSize,
    maxLineLength: options.maxLineLength
  })
  if (LaunchOptions.isRefusal(checked)) return Either.left(refused(checked))
  let waitDelay = DEFAULT_WAIT_DELAY
  if (options.waitDelay !== undefined) {
    const decoded = decodeDuration(checked.argv, "waitDelay", options.waitDelay, DEFAULT_WAIT_DELAY)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    // Bounded: the release waits this long for the pipes, and the release never hangs.
    if (!Duration.isFinite(decoded.right)) return Either.left(invalid(checked.argv, "waitDelay must be finite"))
    waitDelay = decoded.right
  }
  const relay = options.relayStderr ?? relayDefault
  let relayStderr: LogLevel.LogLevel | undefined
  if (relay === true) relayStderr = LogLevel.Info
  else if (relay !== false) {
    const level = levelNamed(relay)
    if (level === null) {
      return Either.left(
        invalid(checked.argv, `relayStderr must be a boolean or a log level name (got ${String(relay)})`)
      )
    }
    relayStderr = level
  }
  return Either.right({
    argv: checked.argv,
    cwd: checked.cwd,
    request: {
      command: checked.argv,
      cwd: checked.cwd,
      env: { extend, unset: checked.unset, set: checked.set },
      stdin: checked.stdin,
      stdout: checked.stdout,
      stderr: checked.stderr
    },
    stdinStream,
    relayStderr,
    waitDelay,
    ...checked.sizes
  })
}

/**
 * The stages of a piped `Command`, in order, or `undefined` for anything else (a command launched alone). Every
 * pipe of an Effect 3 `Command` is supported (the Effect 4 line refuses some, as an `InvalidCommand`).
 *
 * @internal
 */
export const pipelineStages = (
  input: ManagedProcess.CommandInput
): ReadonlyArray<ManagedProcess.CommandInput> | ProcessError | undefined =>
  PlatformCommand.isCommand(input) && input._tag === "PipedCommand" ? PlatformCommand.flatten(input) : undefined

/**
 * Whether `input` is a `Command` with a stdin of its own (a Stream to feed, or `"inherit"`) rather than a plain pipe.
 *
 * @internal
 */
export const hasOwnStdin = (input: ManagedProcess.CommandInput): boolean =>
  PlatformCommand.isCommand(input) && PlatformCommand.flatten(input)[0].stdin !== "pipe"

/**
 * The argv of `input` as given, for error messages before it is validated.
 *
 * @internal
 */
export const argvOf = (input: ManagedProcess.CommandInput): ReadonlyArray<string> =>
  PlatformCommand.isCommand(input)
    ? PlatformCommand.flatten(input).flatMap((command) => [command.command, ...command.args, "|"]).slice(0, -1)
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
  const notADuration = () => invalid(command, `${name} is not a duration (got ${shown(value)})`)
  try {
    if (LaunchOptions.isNegativeDurationInput(value)) {
      return Either.left(invalid(command, `${name} must not be negative or NaN (got ${shown(value)})`))
    }
    return Either.fromOption(Duration.decodeUnknown(value), notADuration)
  } catch {
    // A value a JavaScript caller built to throw (a Proxy, an object without a prototype): typed, not a defect.
    return Either.left(notADuration())
  }
}
