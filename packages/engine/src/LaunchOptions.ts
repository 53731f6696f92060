/**
 * The validation of a launch's options that does not depend on an effect system, shared by both lines: the argv,
 * the working directory, the environment, the stdio modes and the sizes, checked before anything is started, each
 * refusal a sentence a person can act on. Whatever a JavaScript caller passes (a Proxy whose traps throw, an object
 * without a prototype, a secret in a wrong place), nothing here throws, and no message shows a value that may be a
 * secret (an environment value, an argument): only its type.
 *
 * Each line turns a refusal into its own `ProcessError` (`InvalidCommand`), and decodes what is Effect's own (the
 * durations, a platform command, log levels) itself.
 *
 * @since 0.2.0
 */
import type { Signal, StdioMode } from "./Spawn.js"

/**
 * A refusal: the command as far as it could be read, and why.
 *
 * @since 0.2.0
 */
export interface Refusal {
  readonly _tag: "Refusal"
  readonly command: ReadonlyArray<string>
  readonly detail: string
}

/**
 * @example
 * import { refuse } from "@effect-process/engine/LaunchOptions"
 *
 * refuse(["git"], "cwd is empty").detail // "cwd is empty"
 *
 * @since 0.2.0
 */
export const refuse = (command: ReadonlyArray<string>, detail: string): Refusal => ({
  _tag: "Refusal",
  command,
  detail
})

/**
 * @example
 * import { isRefusal, refuse } from "@effect-process/engine/LaunchOptions"
 *
 * isRefusal(refuse([], "the command is empty")) // true
 *
 * @since 0.2.0
 */
export const isRefusal = (u: unknown): u is Refusal =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "Refusal"

const hasNul = (text: string): boolean => text.includes("\0")

/**
 * A plain object (or one without a prototype): not an array, a `Map`, a string or a class instance.
 *
 * @example
 * import { isPlainRecord } from "@effect-process/engine/LaunchOptions"
 *
 * isPlainRecord({ A: "1" }) // true
 * isPlainRecord(new Map()) // false
 *
 * @since 0.2.0
 */
export const isPlainRecord = (value: unknown): value is Record<string, string | undefined> => {
  if (typeof value !== "object" || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * What a wrong value is, for a message: its type, never its content (it may be a secret). Never throws.
 *
 * @example
 * import { typeName } from "@effect-process/engine/LaunchOptions"
 *
 * typeName(new Map()) // "a Map"
 *
 * @since 0.2.0
 */
export const typeName = (value: unknown): string => {
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

/**
 * A wrong value of an option that is not a secret (a duration, a log level), shown short; never throws.
 *
 * @example
 * import { shown } from "@effect-process/engine/LaunchOptions"
 *
 * shown("-5 seconds") // '"-5 seconds"'
 *
 * @since 0.2.0
 */
export const shown = (value: unknown): string =>
  typeof value === "string"
    ? JSON.stringify(value.slice(0, 50))
    : typeof value === "number" || typeof value === "bigint" || typeof value === "boolean"
    ? String(value)
    : typeName(value)

/**
 * What a thrown value says, short, for a refusal of options that could not be read.
 *
 * @example
 * import { describeThrown } from "@effect-process/engine/LaunchOptions"
 *
 * describeThrown(new Error("no access")) // "no access"
 *
 * @since 0.2.0
 */
export const describeThrown = (error: unknown): string => {
  try {
    return error instanceof Error ? error.message.slice(0, 200) : typeName(error)
  } catch {
    return "unreadable"
  }
}

/**
 * The refusal of a command given as one string: an argv is asked for.
 *
 * @example
 * import { stringCommand } from "@effect-process/engine/LaunchOptions"
 *
 * stringCommand("git --version").detail.startsWith("the command must be an argv array") // true
 *
 * @since 0.2.0
 */
export const stringCommand = (input: string): Refusal =>
  refuse(
    [input],
    `the command must be an argv array, not a string (got ${JSON.stringify(String(input).slice(0, 100))}): ` +
      "split it into the program and its arguments, e.g. [\"git\", \"--version\"]"
  )

/**
 * The refusal of an `env` option that is not an object of variable names, if it is one.
 *
 * @example
 * import { checkEnvOption } from "@effect-process/engine/LaunchOptions"
 *
 * checkEnvOption(["env"], "A=1")?.detail // "env must be an object of variable names to strings (got a string)"
 *
 * @since 0.2.0
 */
export const checkEnvOption = (command: ReadonlyArray<string>, env: unknown): Refusal | undefined =>
  env !== undefined && !isPlainRecord(env)
    ? refuse(command, `env must be an object of variable names to strings (got ${typeName(env)})`)
    : undefined

const STDIO_MODES: ReadonlyArray<unknown> = ["pipe", "inherit", "ignore"]

/**
 * The sizes a launch may set, with their defaults.
 *
 * @since 0.2.0
 */
export interface Sizes {
  /** Bytes of unread output kept per pipe. */
  readonly bufferSize: number
  /** Bytes of each pipe's tail kept for errors. */
  readonly tailSize: number
  /** The longest line the line readers return, in characters. */
  readonly maxLineLength: number
}

/**
 * The default sizes: 8 MiB buffered per pipe, an 8 KiB tail, lines of at most 1 Mi characters.
 *
 * @since 0.2.0
 */
export const DEFAULT_SIZES: Sizes = {
  bufferSize: 8 * 1024 * 1024,
  tailSize: 8 * 1024,
  maxLineLength: 1024 * 1024
}

/**
 * What a launch's options hold, as read (by each line, from its options and its platform command).
 *
 * @since 0.2.0
 */
export interface LaunchFields {
  readonly argv: unknown
  readonly cwd: unknown
  /** The variables to set, over the inherited ones (`undefined` removes one). */
  readonly set: Record<string, string | undefined> | undefined
  readonly unset: unknown
  readonly stdin: unknown
  readonly stdout: unknown
  readonly stderr: unknown
  readonly bufferSize: unknown
  readonly tailSize: unknown
  readonly maxLineLength: unknown
}

/**
 * The fields, checked.
 *
 * @since 0.2.0
 */
export interface CheckedLaunch {
  readonly argv: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly set: Readonly<Record<string, string | undefined>>
  readonly unset: ReadonlyArray<string>
  readonly stdin: StdioMode
  readonly stdout: StdioMode
  readonly stderr: StdioMode
  readonly sizes: Sizes
}

const EMPTY_ENV: Readonly<Record<string, string | undefined>> = {}

const isEmptyRecord = (record: Readonly<Record<string, unknown>>): boolean => {
  for (const _ in record) return false
  return true
}

/**
 * Checks a launch's fields: a non-empty argv of strings without NUL bytes and with a program name, a cwd that is a
 * non-empty string without NUL, stdio modes, variable names and string values without NUL, non-negative safe
 * integer sizes (a positive `maxLineLength`), and `unsetEnv` names. The first problem found is the refusal.
 *
 * @example
 * import { checkLaunch } from "@effect-process/engine/LaunchOptions"
 *
 * const checked = checkLaunch({
 *   argv: ["git", "status"], cwd: undefined, set: { GIT_PAGER: "cat" }, unset: undefined,
 *   stdin: "pipe", stdout: "pipe", stderr: "pipe", bufferSize: undefined, tailSize: undefined, maxLineLength: undefined
 * })
 *
 * @since 0.2.0
 */
export const checkLaunch = (fields: LaunchFields): CheckedLaunch | Refusal => {
  const argv = fields.argv
  if (!Array.isArray(argv)) return refuse([], `the command must be an argv array of strings (got ${typeName(argv)})`)
  if (argv.length === 0) return refuse([], "the command is empty")
  for (const [i, arg] of argv.entries()) {
    if (typeof arg !== "string") {
      // Array.from, not map: a sparse array's holes are visited too (map would keep them, and a message built
      // of the command would throw).
      const strings = Array.from(argv, (arg) => (typeof arg === "string" ? arg : `<${typeName(arg)}>`))
      return refuse(strings, `argv[${i}] must be a string (got ${typeName(arg)})`)
    }
    if (hasNul(arg)) return refuse(argv, "an argument contains a NUL byte")
  }
  const command = argv as ReadonlyArray<string>
  if (command[0]!.length === 0) return refuse(command, "the program name is empty")
  const cwd = fields.cwd
  if (cwd !== undefined && (typeof cwd !== "string" || cwd.length === 0 || hasNul(cwd))) {
    return refuse(command, "cwd is empty or contains a NUL byte")
  }
  for (const [name, mode] of [["stdin", fields.stdin], ["stdout", fields.stdout], ["stderr", fields.stderr]] as const) {
    if (!STDIO_MODES.includes(mode)) {
      return refuse(command, `${name} must be "pipe", "inherit" or "ignore" (got ${String(mode)})`)
    }
  }
  const set = fields.set ?? EMPTY_ENV
  for (const key in set) {
    if (key.length === 0 || key.includes("=") || hasNul(key)) {
      return refuse(command, `invalid environment variable name ${JSON.stringify(key)}`)
    }
    const value = set[key]
    // The value itself is never shown: environments carry secrets.
    if (value !== undefined && (typeof value !== "string" || hasNul(value))) {
      return refuse(command, `env ${key} must be a string without NUL bytes`)
    }
  }
  const sizes = { ...DEFAULT_SIZES }
  for (const name of ["bufferSize", "tailSize", "maxLineLength"] as const) {
    const value = fields[name]
    if (value === undefined) continue
    if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= (name === "maxLineLength" ? 1 : 0))) {
      return refuse(command, `${name} must be a ${name === "maxLineLength" ? "positive" : "non-negative"} integer`)
    }
    sizes[name] = value
  }
  const unset = fields.unset ?? []
  if (!Array.isArray(unset)) {
    return refuse(command, `unsetEnv must be an array of variable names (got ${typeName(unset)})`)
  }
  for (const name of unset as ReadonlyArray<unknown>) {
    if (typeof name !== "string" || name.length === 0 || hasNul(name)) {
      return refuse(command, `unsetEnv must hold variable names (got ${typeName(name)})`)
    }
  }
  return {
    argv: command,
    cwd: cwd as string | undefined,
    set: isEmptyRecord(set) ? EMPTY_ENV : set,
    unset: unset as ReadonlyArray<string>,
    stdin: fields.stdin as StdioMode,
    stdout: fields.stdout as StdioMode,
    stderr: fields.stderr as StdioMode,
    sizes
  }
}

/**
 * Whether a user-given duration is negative or NaN, in any of the forms both lines' Effect accept (a number of
 * milliseconds, a bigint of nanoseconds, `"-5 seconds"`, `[seconds, nanos]`, an object of units); `false` for
 * anything else (which the line's own decoder then judges).
 *
 * @example
 * import { isNegativeDurationInput } from "@effect-process/engine/LaunchOptions"
 *
 * isNegativeDurationInput("-1 second") // true
 * isNegativeDurationInput(NaN) // true
 *
 * @since 0.2.0
 */
export const isNegativeDurationInput = (value: unknown): boolean =>
  (typeof value === "number" && !(value >= 0)) ||
  (typeof value === "bigint" && value < BigInt(0)) ||
  (typeof value === "string" && value.trimStart().startsWith("-")) ||
  (Array.isArray(value) && value.some((part) => !(part >= 0))) ||
  (isDurationObject(value) && Object.values(value).some((part) => part !== undefined && !(part >= 0)))

const DURATION_FIELDS: ReadonlySet<string> = new Set([
  "weeks",
  "days",
  "hours",
  "minutes",
  "seconds",
  "milliseconds",
  "microseconds",
  "nanoseconds"
])

/**
 * A plain object with at least one own field, all of them units of a duration holding numbers (or undefined).
 *
 * @example
 * import { isDurationObject } from "@effect-process/engine/LaunchOptions"
 *
 * isDurationObject({ seconds: 5 }) // true
 * isDurationObject({ sec: 5 }) // false
 *
 * @since 0.2.0
 */
export const isDurationObject = (value: unknown): value is Record<string, number | undefined> =>
  typeof value === "object" && value !== null && !Array.isArray(value) &&
  Object.getPrototypeOf(value) === Object.prototype &&
  Reflect.ownKeys(value).length > 0 &&
  Reflect.ownKeys(value).every((key) =>
    typeof key === "string" && DURATION_FIELDS.has(key) &&
    ["number", "undefined"].includes(typeof (value as Record<string, unknown>)[key])
  )

/**
 * The signal names the `Signal` type allows (the signals of Linux that Node.js knows), for checks at run time (a
 * JavaScript caller may pass anything).
 *
 * @since 0.2.0
 */
export const SIGNALS: ReadonlyArray<string> = [
  "SIGTERM",
  "SIGKILL",
  "SIGINT",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGSTOP",
  "SIGCONT",
  "SIGABRT",
  "SIGALRM",
  "SIGPIPE",
  "SIGWINCH",
  "SIGBUS",
  "SIGCHLD",
  "SIGFPE",
  "SIGILL",
  "SIGIO",
  "SIGIOT",
  "SIGPOLL",
  "SIGPROF",
  "SIGPWR",
  "SIGSEGV",
  "SIGSTKFLT",
  "SIGSYS",
  "SIGTRAP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGVTALRM",
  "SIGXCPU",
  "SIGXFSZ"
] satisfies ReadonlyArray<Signal>

/**
 * The refusal of a signal that is not one of `SIGNALS`, if it is not; never shows more than 50 characters.
 *
 * @example
 * import { checkSignal } from "@effect-process/engine/LaunchOptions"
 *
 * checkSignal(["server"], "terminate.signal", "SIGTERM") // undefined
 *
 * @since 0.2.0
 */
export const checkSignal = (command: ReadonlyArray<string>, name: string, signal: unknown): Refusal | undefined =>
  typeof signal === "string" && SIGNALS.includes(signal)
    ? undefined
    : refuse(
      command,
      `${name} must be a signal name such as SIGTERM or SIGINT (got ${
        // Never `String(signal)`: an object without a prototype, or one whose toString throws, would throw here.
        typeof signal === "string" ? signal.slice(0, 50) : typeof signal === "number" ? signal : typeof signal})`
    )

/**
 * The refusal of `run`'s own options, if one is malformed: `input` (a string or bytes), `maxBuffer` (a non-negative
 * integer, or `Infinity`), `successExitCodes` (see `checkSuccessExitCodes`).
 *
 * @example
 * import { checkRunOptions } from "@effect-process/engine/LaunchOptions"
 *
 * checkRunOptions(["cat"], { input: 42 })?.detail // "input must be a string or a Uint8Array (got number)"
 *
 * @since 0.2.0
 */
export const checkRunOptions = (
  command: ReadonlyArray<string>,
  options: { readonly input?: unknown; readonly maxBuffer?: unknown; readonly successExitCodes?: unknown }
): Refusal | undefined => {
  const { input, maxBuffer, successExitCodes } = options
  if (input !== undefined && typeof input !== "string" && !(input instanceof Uint8Array)) {
    return refuse(command, `input must be a string or a Uint8Array (got ${typeName(input)})`)
  }
  if (
    maxBuffer !== undefined &&
    !(maxBuffer === Infinity || (typeof maxBuffer === "number" && Number.isSafeInteger(maxBuffer) && maxBuffer >= 0))
  ) {
    return refuse(command, `maxBuffer must be a non-negative integer or Infinity (got ${shown(maxBuffer)})`)
  }
  return checkSuccessExitCodes(command, successExitCodes)
}

const isExitCode = (code: unknown): boolean =>
  typeof code === "number" && Number.isInteger(code) && code >= 0 &&
  code <= 255

/**
 * The refusal of a `successExitCodes` option (of `run` and of a `Supervisor`) that is not an array of exit codes,
 * integers from 0 to 255, if it is not one.
 *
 * @example
 * import { checkSuccessExitCodes } from "@effect-process/engine/LaunchOptions"
 *
 * checkSuccessExitCodes(["make"], [0, 2]) // undefined
 *
 * @since 0.2.0
 */
export const checkSuccessExitCodes = (command: ReadonlyArray<string>, codes: unknown): Refusal | undefined =>
  codes !== undefined && !(Array.isArray(codes) && codes.every(isExitCode))
    ? refuse(command, `successExitCodes must be an array of integers from 0 to 255 (got ${typeName(codes)})`)
    : undefined
