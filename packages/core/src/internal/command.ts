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
import { invalid } from "./errors.js"

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

/** @internal */
export const DEFAULT_BUFFER_SIZE = 8 * 1024 * 1024
/** @internal */
export const DEFAULT_TAIL_SIZE = 8 * 1024
/**
 * The longest line the line readers return, in characters; a longer one fails the read with `LineTooLong`.
 *
 * @internal
 */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024

/**
 * How long output may still take to arrive once the leader has exited (the `waitDelay` option).
 *
 * @internal
 */
export const DEFAULT_WAIT_DELAY = Duration.millis(250)

const hasNul = (text: string): boolean => text.includes("\0")

/** A plain object (or one without a prototype): not an array, a `Map`, a string or a class instance. */
const isPlainRecord = (value: unknown): value is Record<string, string | undefined> => {
  if (typeof value !== "object" || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * What a wrong value is, for a message: its type, never its content (it may be a secret). Never throws, whatever a
 * JavaScript caller passed (a Proxy whose traps throw, an object without a prototype).
 */
const typeName = (value: unknown): string => {
  try {
    return value === null
      ? "null"
      : Array.isArray(value)
      ? "an array"
      : typeof value === "string"
      ? "a string"
      : typeof value === "object" && !isPlainRecord(value)
      ? `a ${String(Object.getPrototypeOf(value)?.constructor?.name ?? "object").slice(0, 50)}`
      : typeof value
  } catch {
    return "an unreadable value"
  }
}

/** A wrong value of an option that is not a secret (a duration, a log level), shown short; never throws. */
const shown = (value: unknown): string =>
  typeof value === "string"
    ? JSON.stringify(value.slice(0, 50))
    : typeof value === "number" || typeof value === "bigint" || typeof value === "boolean"
    ? String(value)
    : typeName(value)

const stdioOf = (
  command: ReadonlyArray<string>,
  name: string,
  value: PlatformCommand.Command.Output
): Either.Either<StdioMode, ProcessError> =>
  value === "pipe" || value === "inherit" ? Either.right(value) : Either.left(invalid(
    command,
    `a Command ${name} Sink is not supported: read the handle's ${name} stream instead`
  ))

const STDIO_MODES: ReadonlyArray<unknown> = ["pipe", "inherit", "ignore"]

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

const isEmptyRecord = (record: Readonly<Record<string, unknown>>): boolean => {
  for (const _ in record) return false
  return true
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

const describeThrown = (error: unknown): string => {
  try {
    return error instanceof Error ? error.message.slice(0, 200) : typeName(error)
  } catch {
    return "unreadable"
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
  if (set !== undefined && !isPlainRecord(set)) {
    return Either.left(
      invalid(argvOf(input), `env must be an object of variable names to strings (got ${typeName(set)})`)
    )
  }
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
    return Either.left(invalid(
      [input],
      `the command must be an argv array, not a string (got ${JSON.stringify(String(input).slice(0, 100))}): ` +
        "split it into the program and its arguments, e.g. [\"git\", \"--version\"]"
    ))
  } else {
    argv = input
  }
  if (!Array.isArray(argv)) {
    return Either.left(invalid([], `the command must be an argv array of strings (got ${typeName(argv)})`))
  }
  if (argv.length === 0) return Either.left(invalid([], "the command is empty"))
  for (const [i, arg] of argv.entries()) {
    if (typeof arg !== "string") {
      const strings = argv.map((arg) => (typeof arg === "string" ? arg : `<${typeName(arg)}>`))
      return Either.left(invalid(strings, `argv[${i}] must be a string (got ${typeName(arg)})`))
    }
    if (hasNul(arg)) return Either.left(invalid(argv, "an argument contains a NUL byte"))
  }
  if (argv[0].length === 0) return Either.left(invalid(argv, "the program name is empty"))
  if (cwd !== undefined && (typeof cwd !== "string" || cwd.length === 0 || hasNul(cwd))) {
    return Either.left(invalid(argv, "cwd is empty or contains a NUL byte"))
  }
  for (const [name, mode] of [["stdin", stdin], ["stdout", stdout], ["stderr", stderr]] as const) {
    if (!STDIO_MODES.includes(mode)) {
      return Either.left(invalid(argv, `${name} must be "pipe", "inherit" or "ignore" (got ${String(mode)})`))
    }
  }
  set ??= {}
  for (const key in set) {
    if (key.length === 0 || key.includes("=") || hasNul(key)) {
      return Either.left(invalid(argv, `invalid environment variable name ${JSON.stringify(key)}`))
    }
    const value = set[key]
    // The value itself is never printed: environments carry secrets.
    if (value !== undefined && (typeof value !== "string" || hasNul(value))) {
      return Either.left(invalid(argv, `env ${key} must be a string without NUL bytes`))
    }
  }
  const sizes = { bufferSize: DEFAULT_BUFFER_SIZE, tailSize: DEFAULT_TAIL_SIZE, maxLineLength: DEFAULT_MAX_LINE_LENGTH }
  for (const name of ["bufferSize", "tailSize", "maxLineLength"] as const) {
    const value = options[name]
    if (value === undefined) continue
    if (!(Number.isSafeInteger(value) && value >= (name === "maxLineLength" ? 1 : 0))) {
      return Either.left(
        invalid(argv, `${name} must be a ${name === "maxLineLength" ? "positive" : "non-negative"} integer`)
      )
    }
    sizes[name] = value
  }
  let waitDelay = DEFAULT_WAIT_DELAY
  if (options.waitDelay !== undefined) {
    const decoded = decodeDuration(argv, "waitDelay", options.waitDelay, DEFAULT_WAIT_DELAY)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    // Bounded: the release waits this long for the pipes, and the release never hangs.
    if (!Duration.isFinite(decoded.right)) return Either.left(invalid(argv, "waitDelay must be finite"))
    waitDelay = decoded.right
  }
  const relay = options.relayStderr ?? relayDefault
  let relayStderr: LogLevel.LogLevel | undefined
  if (relay === true) relayStderr = LogLevel.Info
  else if (relay !== false) {
    const level = levelNamed(relay)
    if (level === null) {
      return Either.left(invalid(argv, `relayStderr must be a boolean or a log level name (got ${String(relay)})`))
    }
    relayStderr = level
  }
  const unset = options.unsetEnv ?? []
  if (!Array.isArray(unset)) {
    return Either.left(invalid(argv, `unsetEnv must be an array of variable names (got ${typeName(unset)})`))
  }
  for (const name of unset as ReadonlyArray<unknown>) {
    if (typeof name !== "string" || name.length === 0 || hasNul(name)) {
      return Either.left(invalid(argv, `unsetEnv must hold variable names (got ${typeName(name)})`))
    }
  }
  return Either.right({
    argv,
    cwd,
    request: {
      command: argv,
      cwd,
      env: { extend, unset, set: isEmptyRecord(set) ? EMPTY_ENV : set },
      stdin,
      stdout,
      stderr
    },
    stdinStream,
    relayStderr,
    waitDelay,
    ...sizes
  })
}

const EMPTY_ENV: Readonly<Record<string, string | undefined>> = {}

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
    const negative = (typeof value === "number" && !(value >= 0)) ||
      (typeof value === "bigint" && value < BigInt(0)) ||
      (typeof value === "string" && value.trimStart().startsWith("-")) ||
      (Array.isArray(value) && value.some((part) => !(part >= 0)))
    if (negative) return Either.left(invalid(command, `${name} must not be negative or NaN (got ${shown(value)})`))
    return Either.fromOption(Duration.decodeUnknown(value), notADuration)
  } catch {
    // A value a JavaScript caller built to throw (a Proxy, an object without a prototype): typed, not a defect.
    return Either.left(notADuration())
  }
}
