import * as LaunchOptions from "@effect-process/engine/LaunchOptions"
import * as Duration from "effect/Duration"
import type * as LogLevel from "effect/LogLevel"
import * as ChildProcess from "effect/process/ChildProcess"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
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
  readonly relayStderr: LogLevel.Severity | undefined
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

const { describeThrown, shown, typeName } = LaunchOptions

const stdioOf = (
  command: ReadonlyArray<string>,
  name: string,
  value: ChildProcess.CommandOutput | ChildProcess.StdoutConfig | undefined
): Result.Result<StdioMode, ProcessError> => {
  const mode = typeof value === "object" && value !== null && "stream" in value ? value.stream : value
  return mode === undefined
    ? Result.succeed("pipe")
    : mode === "pipe" || mode === "inherit" || mode === "ignore"
    ? Result.succeed(mode)
    : Result.fail(invalid(
      command,
      typeof mode === "string"
        ? `a ChildProcess ${name} of ${JSON.stringify(mode)} is not supported`
        : `a ChildProcess ${name} Sink is not supported: read the handle's ${name} stream instead`
    ))
}

/** A command's argv: its words, a redacted one by its value (the child needs it; see `argvOf` for messages). */
const wordsOf = (
  command: ChildProcess.StandardCommand
): ReadonlyArray<string> => [
  command.command,
  ...command.args.map((word) => Redacted.isRedacted(word) ? Redacted.value(word) : word)
]

/** The stages of a piped command, left to right. */
const stagesOf = (command: ChildProcess.Command): ReadonlyArray<ChildProcess.StandardCommand> =>
  ChildProcess.isStandardCommand(command) ? [command] : [...stagesOf(command.left), ...stagesOf(command.right)]

/** Whether every pipe of a piped command connects a stage's stdout to the next one's stdin (what is supported). */
const isPlainPipeline = (command: ChildProcess.Command): boolean =>
  ChildProcess.isStandardCommand(command) ||
  ((command.options.from ?? "stdout") === "stdout" && (command.options.to ?? "stdin") === "stdin" &&
    isPlainPipeline(command.left) && isPlainPipeline(command.right))

const LOG_LEVELS: ReadonlyArray<unknown> = ["Trace", "Debug", "Info", "Warn", "Error", "Fatal", "None"]

/**
 * A log level given by its Effect 4 name (`"Info"`, `"Warn"`, ...; `"None"` is off, as `undefined`). A Result: it
 * is decoded on the launch path. Effect 3's `"Warning"` is refused with the name to use instead.
 *
 * @internal
 */
export const decodeLogLevel = (
  command: ReadonlyArray<string>,
  name: string,
  input: unknown
): Result.Result<LogLevel.Severity | undefined, ProcessError> => {
  const level = levelNamed(input)
  return level === null
    ? Result.fail(invalid(command, `${name} must be a log level name, e.g. "Info" (got ${shown(input)}${hint(input)})`))
    : Result.succeed(level)
}

/** What to write instead of an Effect 3 level name. */
const hint = (input: unknown): string => input === "Warning" ? ": Effect 4 names it \"Warn\"" : ""

/** The level `input` names (`undefined` for `"None"`: off), or `null` when it names none. */
const levelNamed = (input: unknown): LogLevel.Severity | undefined | null =>
  typeof input !== "string" || !LOG_LEVELS.includes(input)
    ? null
    : input === "None"
    ? undefined
    : input as LogLevel.Severity

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
): Result.Result<Normalized, ProcessError> => {
  try {
    return normalizeOptions(input, options, defaults.relayStderr, defaults.stdin)
  } catch (error) {
    // Options a JavaScript caller built with throwing getters or proxies: typed, not a defect.
    return Result.fail(invalid(argvOf(input), `the options could not be read (${describeThrown(error)})`))
  }
}

const normalizeOptions = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<unknown, unknown, unknown>,
  relayDefault: boolean,
  /** Takes the place of `options.stdin` (`run` decides stdin itself). */
  stdinOverride?: StdioMode | undefined
): Result.Result<Normalized, ProcessError> => {
  const requestedStdin = stdinOverride ?? options.stdin
  let argv: ReadonlyArray<string>
  /** The argv errors and logs show: a redacted word as `<redacted>` (the child gets its value). */
  let shownArgv: ReadonlyArray<string> | undefined
  let cwd = options.cwd
  let set: Record<string, string | undefined> | undefined = options.env
  // Checked before a Command's environment is merged in (spreading a string would make its characters variables).
  const envRefused = LaunchOptions.checkEnvOption(argvOf(input), set)
  if (envRefused !== undefined) return Result.fail(refused(envRefused))
  let extend = options.extendEnv ?? true
  let stdin: StdioMode = requestedStdin ?? "pipe"
  let stdout: StdioMode = options.stdout ?? "pipe"
  let stderr: StdioMode = options.stderr ?? "pipe"
  let stdinStream: Stream.Stream<Uint8Array, unknown> | undefined
  if (ChildProcess.isCommand(input)) {
    if (ChildProcess.isPipedCommand(input)) {
      return Result.fail(invalid(
        argvOf(input),
        "a piped command is launched by ManagedProcess.make and run, not here (a Supervisor keeps one process)"
      ))
    }
    const shell = input.options.shell ?? false
    if (shell !== false && input.args.length > 0) {
      // Effect 4's contract: a shell runs one script, the command.
      return Result.fail(invalid(
        argvOf(input),
        "the shell option cannot be combined with arguments: pass the whole script as the command"
      ))
    }
    argv = shell === false ? wordsOf(input) : [shell === true ? "/bin/sh" : shell, "-c", input.command]
    if (input.args.some(Redacted.isRedacted)) shownArgv = argvOf(input)
    if (cwd === undefined) cwd = input.options.cwd
    const own = input.options.env
    if (own !== undefined) {
      const plain: Record<string, string | undefined> = {}
      for (const key in own) {
        const value = own[key]
        plain[key] = Redacted.isRedacted(value) ? Redacted.value(value) : value
      }
      set = { ...plain, ...options.env }
    }
    // Effect 4's contract: a command's own `env` replaces the inherited environment unless `extendEnv` is set.
    extend = options.extendEnv ?? input.options.extendEnv ?? own === undefined
    if (requestedStdin === undefined) {
      const own = input.options.stdin
      const mode = typeof own === "object" && own !== null && "stream" in own ? own.stream : own
      if (mode === undefined || mode === "pipe" || mode === "inherit" || mode === "ignore") stdin = mode ?? "pipe"
      else if (typeof mode === "string") {
        return Result.fail(
          invalid(shownArgv ?? argv, `a ChildProcess stdin of ${JSON.stringify(mode)} is not supported`)
        )
      } else if (Stream.isStream(mode)) {
        stdin = "pipe"
        stdinStream = mode
      } else {
        return Result.fail(
          invalid(shownArgv ?? argv, `a ChildProcess stdin must be a mode or a Stream (got ${typeName(mode)})`)
        )
      }
    }
    const fds = input.options.additionalFds
    if (fds !== undefined && Object.keys(fds).length > 0) {
      return Result.fail(invalid(shownArgv ?? argv, "additional file descriptors (additionalFds) are not supported"))
    }
    if (options.stdout === undefined) {
      const mode = stdioOf(shownArgv ?? argv, "stdout", input.options.stdout)
      if (Result.isFailure(mode)) return Result.fail(mode.failure)
      stdout = mode.success
    }
    if (options.stderr === undefined) {
      const mode = stdioOf(shownArgv ?? argv, "stderr", input.options.stderr)
      if (Result.isFailure(mode)) return Result.fail(mode.failure)
      stderr = mode.success
    }
  } else if (typeof input === "string") {
    return Result.fail(refused(LaunchOptions.stringCommand(input)))
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
  if (LaunchOptions.isRefusal(checked)) {
    return Result.fail(shownArgv === undefined ? refused(checked) : invalid(shownArgv, checked.detail))
  }
  const display = shownArgv ?? checked.argv
  let waitDelay = DEFAULT_WAIT_DELAY
  if (options.waitDelay !== undefined) {
    const decoded = decodeDuration(display, "waitDelay", options.waitDelay, DEFAULT_WAIT_DELAY)
    if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
    // Bounded: the release waits this long for the pipes, and the release never hangs.
    if (!Duration.isFinite(decoded.success)) return Result.fail(invalid(display, "waitDelay must be finite"))
    waitDelay = decoded.success
  }
  const relay = options.relayStderr ?? relayDefault
  let relayStderr: LogLevel.Severity | undefined
  if (relay === true) relayStderr = "Info"
  else if (relay !== false) {
    const level = levelNamed(relay)
    if (level === null) {
      return Result.fail(
        invalid(display, `relayStderr must be a boolean or a log level name (got ${shown(relay)}${hint(relay)})`)
      )
    }
    relayStderr = level
  }
  return Result.succeed({
    argv: display,
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
 * The stages of a piped `ChildProcess` command, in order, or `undefined` for anything else (a command launched
 * alone), or the `InvalidCommand` of a pipe that is not a stage's stdout into the next one's stdin.
 *
 * @internal
 */
export const pipelineStages = (
  input: ManagedProcess.CommandInput
): ReadonlyArray<ManagedProcess.CommandInput> | ProcessError | undefined => {
  if (!ChildProcess.isCommand(input) || !ChildProcess.isPipedCommand(input)) return undefined
  return isPlainPipeline(input) ? stagesOf(input) : invalid(
    argvOf(input),
    "a pipe from stderr, all or another fd, or into another fd, is not supported: each stage's stdout is piped " +
      "into the next stage's stdin"
  )
}

/**
 * Whether `input` is a `Command` with a stdin of its own (a Stream to feed, or `"inherit"`) rather than a plain pipe.
 *
 * @internal
 */
export const hasOwnStdin = (input: ManagedProcess.CommandInput): boolean => {
  if (!ChildProcess.isCommand(input)) return false
  const own = stagesOf(input)[0]!.options.stdin
  const mode = typeof own === "object" && own !== null && "stream" in own ? own.stream : own
  return mode !== undefined && mode !== "pipe"
}

/**
 * The argv of `input` as given, for error messages before it is validated; a redacted word shows as `<redacted>`.
 *
 * @internal
 */
export const argvOf = (input: ManagedProcess.CommandInput): ReadonlyArray<string> =>
  ChildProcess.isCommand(input)
    ? stagesOf(input).flatMap((stage) => [
      stage.command,
      ...stage.args.map((word) => Redacted.isRedacted(word) ? "<redacted>" : word),
      "|"
    ]).slice(0, -1)
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
  input: Duration.Input | undefined,
  fallback: Duration.Input
): Result.Result<Duration.Duration, ProcessError> => {
  // A Result is plain data: validation on the launch path costs no fiber step.
  const value = input ?? fallback
  const negative = () => invalid(command, `${name} must not be negative or NaN (got ${shown(value)})`)
  // Effect 4's Durations can be negative: one built by `Duration.millis(-5)` is refused like the number -5.
  if (Duration.isDuration(value)) return Duration.isNegative(value) ? Result.fail(negative()) : Result.succeed(value)
  const notADuration = () => invalid(command, `${name} is not a duration (got ${shown(value)})`)
  try {
    if (LaunchOptions.isNegativeDurationInput(value)) return Result.fail(negative())
    // Effect 4's `Duration.fromInput` reads any other object as a `DurationObject` of zero: refused here.
    if (typeof value === "object" && !Array.isArray(value) && !LaunchOptions.isDurationObject(value)) {
      return Result.fail(notADuration())
    }
    return Result.fromOption(Duration.fromInput(value), notADuration)
  } catch {
    // A value a JavaScript caller built to throw (a Proxy, an object without a prototype): typed, not a defect.
    return Result.fail(notADuration())
  }
}
