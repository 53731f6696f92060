/**
 * The messages of the errors about a process, the same in every line of the library: one line, bounded whatever
 * the argv, the detail or the output (the argv is cut at 300 characters, a detail at 500, the last line of output
 * at 200, escaped), with what a person needs to act: the command, the pid, the exit code or signal, the errno, the
 * last line of output. The error classes are each line's own (tagged errors of its Effect); their `message` is
 * built here. Also the markers by which `instanceof` recognises the errors of any copy of the packages.
 *
 * @since 0.2.0
 */
import { escapeUnsafe, quoteTail, truncate } from "./Quote.js"

/**
 * A readable one-line rendering of an argv array: arguments with spaces or quotes are JSON-quoted. With
 * `maxLength`, a longer rendering is cut (with "…" and the number of characters left out), as error messages and
 * log annotations do; the errors' `command` field always keeps the whole argv.
 *
 * @example
 * import { Messages } from "@effect-process/engine"
 *
 * Messages.describeCommand(["sh", "-c", "echo hi"]) // 'sh -c "echo hi"'
 * Messages.describeCommand(["echo", "x".repeat(1000)], 20) // 'echo xxxxxxxxxxxxxxx… (985 more characters)'
 *
 * @since 0.2.0
 */
export const describeCommand = (command: ReadonlyArray<string>, maxLength = Infinity): string => {
  if (command.length === 0) return "<empty command>"
  let out = ""
  for (const element of command) {
    // An error's command may come from a JavaScript caller: a hole or a non-string is shown, never a throw.
    const arg = typeof element === "string" ? element : `<${typeof element}>`
    // Quoting a 3 MB argument only to cut it would cost its size again: look at a bounded prefix of each.
    const shown = arg.length > maxLength ? arg.slice(0, maxLength) : arg
    const quoted = /^[\w@%+=:,./-]+$/.test(shown) ? shown : escapeUnsafe(JSON.stringify(shown))
    out = out.length === 0 ? quoted : `${out} ${quoted}`
    if (out.length > maxLength) break
  }
  if (out.length <= maxLength) return out
  let total = -1
  for (const element of command) total += (typeof element === "string" ? element.length : 8) + 1
  return `${out.slice(0, maxLength)}… (${Math.max(0, total - maxLength)} more characters)`
}

/**
 * The name a process goes by in logs, metrics and log messages: the basename of argv[0], one line, at most 64
 * characters (bounded cardinality, unlike the whole command line). Control, line separator and bidirectional
 * characters are escaped; an empty name (argv[0] "/") is shown as "/".
 *
 * @example
 * import { programName } from "@effect-process/engine/Messages"
 *
 * programName(["/usr/bin/node", "server.js"]) // "node"
 *
 * @since 0.2.0
 */
export const programName = (command: ReadonlyArray<string>): string => {
  const first = (command[0] ?? "").replace(/\/+$/, "")
  const base = first.slice(first.lastIndexOf("/") + 1)
  const name = escapeUnsafe(truncate(base, 64))
  return name.length === 0 ? "/" : name
}

/**
 * One line about a failure, for a log: its message (this library's errors have short ones; anything else is cut to
 * 500 characters), never the pretty-printed object with its cause. Never throws.
 *
 * @example
 * import { describeFailure } from "@effect-process/engine/Messages"
 *
 * describeFailure(new Error("first\nsecond")) // "first second"
 *
 * @since 0.2.0
 */
export const describeFailure = (error: unknown): string => {
  let text: string
  try {
    text = typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string"
      ? (error as { message: string }).message
      : String(error)
  } catch {
    text = "an error that cannot be shown"
  }
  // One line: line breaks become spaces; other control and bidirectional characters are escaped.
  return truncate(escapeUnsafe(text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, " ")), 500)
}

/** Error messages stay short: the argv and the detail are cut; the fields keep everything. */
const MESSAGE_COMMAND_LENGTH = 300
const MESSAGE_DETAIL_LENGTH = 500

const cut = (text: string, maxLength: number): string =>
  text.length <= maxLength ? text : `${text.slice(0, maxLength)}… (${text.length - maxLength} more characters)`

/** The longest quoted last line in a message, escapes included. */
const LAST_LINE_LENGTH = 200

/** The last non-blank line of `text`, quoted and cut (see `quoteTail`). */
const lastLine = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined
  let end = text.length
  let last = ""
  while (end > 0 && last.length === 0) {
    const start = text.lastIndexOf("\n", end - 1)
    last = text.slice(start + 1, end).trimEnd()
    end = Math.max(start, 0)
  }
  return last.length === 0 ? undefined : quoteTail(last, LAST_LINE_LENGTH)
}

/**
 * @since 0.2.0
 */
export type ProcessErrorReason =
  /** The command or an option is malformed: empty argv, a NUL byte, a negative duration. Nothing was started. */
  | "InvalidCommand"
  /** The operating system refused to start the process (ENOENT, EACCES, missing cwd, EAGAIN, ...). See `errno`. */
  | "SpawnFailed"
  /** The process exited (or its output ended) before a `waitForOutput` pattern matched. */
  | "ExitedBeforeMatch"
  /** The process exited before readiness was established. */
  | "ExitedBeforeReady"
  /** A readiness probe or a fail-on pattern declared the process failed. */
  | "ReadinessFailed"
  /** `run` saw a non-zero exit code. */
  | "NonZeroExit"
  /** `run` saw the process die of a signal. */
  | "KilledBySignal"
  /** The output a read waited for will never come: the pipe reached end-of-file. */
  | "OutputEnded"
  /**
   * A line reader (`lines`, `readLine`, `takeLines`) met a line longer than `maxLineLength`; the line was skipped
   * (the next line read starts after it; the byte streams and the tails still have it).
   */
  | "LineTooLong"
  /** `run` collected more output than `maxBuffer` allows; the process was terminated. */
  | "MaxBufferExceeded"
  /** Writing to stdin failed, typically EPIPE because the child exited or closed its stdin. */
  | "WriteFailed"
  /** Sending a signal failed for a reason other than the process being gone (EPERM). */
  | "SignalFailed"
  /** A `Supervisor` gave up restarting: start limit hit or backoff schedule exhausted. */
  | "GaveUp"

/**
 * @since 0.2.0
 */
export type StateErrorReason =
  /** The handle's scope was closed: the process was released. */
  | "Released"
  /** Another reader is consuming the same pipe; pipes have one reader at a time. */
  | "ConcurrentRead"
  /** The pipe was not captured (`"inherit"` or `"ignore"`), so it cannot be read or written. */
  | "NotPiped"
  /** `write` after `closeStdin`. */
  | "StdinClosed"

/**
 * @since 0.2.0
 */
export type TimeoutErrorReason = "ReadLine" | "ReadChar" | "WaitForOutput" | "Readiness" | "Run"

/**
 * The fields of a `ProcessError`, in every line (each line's class adds nothing but its Effect's error base).
 *
 * @since 0.2.0
 */
export type ProcessErrorFields = {
  readonly reason: ProcessErrorReason
  readonly command: ReadonlyArray<string>
  readonly pid?: number | undefined
  readonly exitCode?: number | undefined
  readonly signal?: string | undefined
  /** The `code` of the underlying system error, e.g. `"ENOENT"`. */
  readonly errno?: string | undefined
  readonly stdoutTail?: string | undefined
  readonly stderrTail?: string | undefined
  /** A short human explanation, added to the message. */
  readonly detail?: string | undefined
  /** How many launch attempts were made, when `retry` was used. */
  readonly attempts?: number | undefined
  readonly cause?: unknown
}

/**
 * The fields of a `StateError`.
 *
 * @since 0.2.0
 */
export type StateErrorFields = {
  readonly reason: StateErrorReason
  readonly command: ReadonlyArray<string>
  readonly pid?: number | undefined
  /** The operation that was refused, e.g. `"write"`. */
  readonly operation: string
}

/**
 * The fields of a `TimeoutError`, but its `timeout`, which is each line's `Duration`.
 *
 * @since 0.2.0
 */
export type TimeoutErrorFields = {
  readonly reason: TimeoutErrorReason
  readonly command: ReadonlyArray<string>
  readonly pid?: number | undefined
  /** Output the operation saw while waiting (its most recent part when long). */
  readonly seen?: string | undefined
  /** What the operation was waiting for, e.g. the expected parts. */
  readonly expected?: string | undefined
  readonly stdoutTail?: string | undefined
  readonly stderrTail?: string | undefined
  /** How many launch attempts were made, when `retry` was used. */
  readonly attempts?: number | undefined
}

/**
 * The message of a `ProcessError`.
 *
 * @example
 * import { Messages } from "@effect-process/engine"
 *
 * Messages.processErrorMessage({ reason: "NonZeroExit", command: ["make"], pid: 42, exitCode: 2, stderrTail: "oops\n" })
 * // 'make: NonZeroExit, pid 42, exit code 2, last output: "oops"'
 *
 * @since 0.2.0
 */
export const processErrorMessage = (error: ProcessErrorFields): string => {
  const parts = [`${describeCommand(error.command, MESSAGE_COMMAND_LENGTH)}: ${error.reason}`]
  if (error.pid !== undefined) parts.push(`pid ${error.pid}`)
  if (error.exitCode !== undefined) parts.push(`exit code ${error.exitCode}`)
  if (error.signal !== undefined) parts.push(`signal ${error.signal}`)
  if (error.errno !== undefined) parts.push(error.errno)
  if (error.detail !== undefined) parts.push(cut(error.detail, MESSAGE_DETAIL_LENGTH))
  if (error.attempts !== undefined) parts.push(`after ${error.attempts} attempts`)
  const last = lastLine(error.stderrTail) ?? lastLine(error.stdoutTail)
  if (last !== undefined) parts.push(`last output: ${last}`)
  return parts.join(", ")
}

/**
 * The message of a `StateError`.
 *
 * @example
 * import { Messages } from "@effect-process/engine"
 *
 * Messages.stateErrorMessage({ reason: "StdinClosed", command: ["cat"], pid: 7, operation: "write" })
 * // "cat (pid 7): write refused: StdinClosed"
 *
 * @since 0.2.0
 */
export const stateErrorMessage = (error: StateErrorFields): string => {
  const pid = error.pid === undefined ? "" : ` (pid ${error.pid})`
  return `${describeCommand(error.command, MESSAGE_COMMAND_LENGTH)}${pid}: ${error.operation} refused: ${error.reason}`
}

/**
 * The message of a `TimeoutError`; `timeout` is the duration as the line formats it.
 *
 * @example
 * import { Messages } from "@effect-process/engine"
 *
 * Messages.timeoutErrorMessage({ reason: "ReadLine", command: ["server"], expected: "a line" }, "2s")
 * // "server: ReadLine timed out after 2s waiting for a line"
 *
 * @since 0.2.0
 */
export const timeoutErrorMessage = (error: TimeoutErrorFields, timeout: string): string => {
  const pid = error.pid === undefined ? "" : ` (pid ${error.pid})`
  const expected = error.expected === undefined ? "" : ` waiting for ${cut(error.expected, MESSAGE_DETAIL_LENGTH)}`
  const seen = lastLine(error.seen)
  return `${
    describeCommand(error.command, MESSAGE_COMMAND_LENGTH)
  }${pid}: ${error.reason} timed out after ${timeout}${expected}${seen === undefined ? "" : `, last seen: ${seen}`}${
    error.attempts === undefined ? "" : `, after ${error.attempts} attempts`
  }`
}

/**
 * The markers of the three errors: `instanceof` is by marker, not by prototype, so that a program that loads the
 * packages twice (an ES module and a CommonJS build, two versions, or both lines) recognises the errors of either.
 *
 * @example
 * import { Messages } from "@effect-process/engine"
 *
 * const isProcessError = (u: unknown) => Messages.isMarked(u, Messages.ProcessErrorMarker)
 *
 * @since 0.2.0
 */
export const ProcessErrorMarker: unique symbol = Symbol.for("@effect-process/core/ProcessError")

/**
 * See `ProcessErrorMarker`.
 *
 * @since 0.2.0
 */
export const StateErrorMarker: unique symbol = Symbol.for("@effect-process/core/StateError")

/**
 * See `ProcessErrorMarker`.
 *
 * @since 0.2.0
 */
export const TimeoutErrorMarker: unique symbol = Symbol.for("@effect-process/core/TimeoutError")

/**
 * Whether `u` carries `marker`; never throws (a Proxy whose trap throws carries none).
 *
 * @example
 * import { Messages } from "@effect-process/engine"
 *
 * Messages.isMarked({}, Messages.StateErrorMarker) // false
 *
 * @since 0.2.0
 */
export const isMarked = (u: unknown, marker: symbol): boolean => {
  try {
    return typeof u === "object" && u !== null && (u as Record<symbol, unknown>)[marker] === true
  } catch {
    return false
  }
}
