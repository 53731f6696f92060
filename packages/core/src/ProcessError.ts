/**
 * The three typed failures of a managed process.
 *
 * - {@link ProcessError}: the process itself could not do what was asked (it failed to start, exited before it was
 *   ready, exited non-zero, its stdin broke) or the request was malformed.
 * - {@link StateError}: the handle was used in a state that does not allow the operation (after release, after
 *   `closeStdin`, by a second concurrent reader).
 * - {@link TimeoutError}: an operation that waits ran out of time; it carries what was seen meanwhile.
 *
 * Each carries a `reason` to match on and the context a person needs to act: the command, the pid, the exit code or
 * signal, and the tail of the output.
 *
 * @since 0.1.0
 */
import { escapeUnsafe, quoteTail } from "@effect-process/engine/Quote"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

const ProcessErrorTypeId: unique symbol = Symbol.for("@effect-process/core/ProcessError")
const StateErrorTypeId: unique symbol = Symbol.for("@effect-process/core/StateError")
const TimeoutErrorTypeId: unique symbol = Symbol.for("@effect-process/core/TimeoutError")

/** Whether `u` carries `marker` (an error of this package, from any copy of it); never throws. */
const isMarked = (u: unknown, marker: symbol): boolean => {
  try {
    return typeof u === "object" && u !== null && (u as Record<symbol, unknown>)[marker] === true
  } catch {
    return false // a Proxy whose trap throws is not one of these errors
  }
}

/**
 * @since 0.1.0
 * @category models
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
 * The process could not do what was asked, or the request was malformed.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess, ProcessError } from "@effect-process/core"
 *
 * const program = ManagedProcess.run(["false"]).pipe(
 *   Effect.catchTag("ProcessError", (error) => Effect.logWarning(error.message))
 * )
 *
 * @since 0.1.0
 * @category errors
 */
export class ProcessError extends Data.TaggedError("ProcessError")<{
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
}> {
  /**
   * `instanceof` by a marker, not by prototype: a program that loads this package twice (its ES module and its
   * CommonJS build, or two versions) still recognizes the errors of either copy.
   *
   * @since 0.2.0
   */
  static override [Symbol.hasInstance](u: unknown): boolean {
    return isMarked(u, ProcessErrorTypeId)
  }

  /** @internal */
  get [ProcessErrorTypeId](): true {
    return true
  }

  /**
   * @since 0.1.0
   */
  override get message(): string {
    const parts = [`${describeCommand(this.command, MESSAGE_COMMAND_LENGTH)}: ${this.reason}`]
    if (this.pid !== undefined) parts.push(`pid ${this.pid}`)
    if (this.exitCode !== undefined) parts.push(`exit code ${this.exitCode}`)
    if (this.signal !== undefined) parts.push(`signal ${this.signal}`)
    if (this.errno !== undefined) parts.push(this.errno)
    if (this.detail !== undefined) parts.push(cut(this.detail, MESSAGE_DETAIL_LENGTH))
    if (this.attempts !== undefined) parts.push(`after ${this.attempts} attempts`)
    const last = lastLine(this.stderrTail) ?? lastLine(this.stdoutTail)
    if (last !== undefined) parts.push(`last output: ${last}`)
    return parts.join(", ")
  }
}

/**
 * @since 0.1.0
 * @category models
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
 * The handle was used in a state that does not allow the operation.
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "@effect-process/core"
 *
 * const program = Effect.gen(function*() {
 *   const proc = yield* ManagedProcess.make(["cat"])
 *   yield* proc.closeStdin
 *   // fails with StateError { reason: "StdinClosed" }
 *   yield* proc.write("too late")
 * })
 *
 * @since 0.1.0
 * @category errors
 */
export class StateError extends Data.TaggedError("StateError")<{
  readonly reason: StateErrorReason
  readonly command: ReadonlyArray<string>
  readonly pid?: number | undefined
  /** The operation that was refused, e.g. `"write"`. */
  readonly operation: string
}> {
  /**
   * `instanceof` by a marker, not by prototype: a program that loads this package twice (its ES module and its
   * CommonJS build, or two versions) still recognizes the errors of either copy.
   *
   * @since 0.2.0
   */
  static override [Symbol.hasInstance](u: unknown): boolean {
    return isMarked(u, StateErrorTypeId)
  }

  /** @internal */
  get [StateErrorTypeId](): true {
    return true
  }

  /**
   * @since 0.1.0
   */
  override get message(): string {
    const pid = this.pid === undefined ? "" : ` (pid ${this.pid})`
    return `${describeCommand(this.command, MESSAGE_COMMAND_LENGTH)}${pid}: ${this.operation} refused: ${this.reason}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export type TimeoutErrorReason = "ReadLine" | "ReadChar" | "WaitForOutput" | "Readiness" | "Run"

/**
 * An operation that waits ran out of time. `seen` is the output the operation saw while it waited (bounded).
 *
 * @example
 * import { Effect } from "effect"
 * import { ManagedProcess } from "@effect-process/core"
 *
 * const program = Effect.gen(function*() {
 *   const proc = yield* ManagedProcess.make(["sleep", "10"])
 *   return yield* proc.readLine({ timeout: "100 millis" }).pipe(
 *     Effect.catchTag("TimeoutError", (error) => Effect.succeed(`nothing after ${error.timeoutMillis} ms`))
 *   )
 * })
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Data.TaggedError("TimeoutError")<{
  readonly reason: TimeoutErrorReason
  readonly command: ReadonlyArray<string>
  readonly pid?: number | undefined
  readonly timeout: Duration.Duration
  /** Output the operation saw while waiting (its most recent part when long). */
  readonly seen?: string | undefined
  /** What the operation was waiting for, e.g. the expected parts. */
  readonly expected?: string | undefined
  readonly stdoutTail?: string | undefined
  readonly stderrTail?: string | undefined
  /** How many launch attempts were made, when `retry` was used. */
  readonly attempts?: number | undefined
}> {
  /**
   * `instanceof` by a marker, not by prototype: a program that loads this package twice (its ES module and its
   * CommonJS build, or two versions) still recognizes the errors of either copy.
   *
   * @since 0.2.0
   */
  static override [Symbol.hasInstance](u: unknown): boolean {
    return isMarked(u, TimeoutErrorTypeId)
  }

  /** @internal */
  get [TimeoutErrorTypeId](): true {
    return true
  }

  /**
   * The timeout in milliseconds.
   *
   * @since 0.1.0
   */
  get timeoutMillis(): number {
    return Duration.toMillis(this.timeout)
  }

  /**
   * @since 0.1.0
   */
  override get message(): string {
    const pid = this.pid === undefined ? "" : ` (pid ${this.pid})`
    const expected = this.expected === undefined ? "" : ` waiting for ${cut(this.expected, MESSAGE_DETAIL_LENGTH)}`
    const seen = lastLine(this.seen)
    return `${describeCommand(this.command, MESSAGE_COMMAND_LENGTH)}${pid}: ${this.reason} timed out after ${
      Duration.format(this.timeout)
    }${expected}${seen === undefined ? "" : `, last seen: ${seen}`}${
      this.attempts === undefined ? "" : `, after ${this.attempts} attempts`
    }`
  }
}

/**
 * A readable one-line rendering of an argv array: arguments with spaces or quotes are JSON-quoted. With
 * `maxLength`, a longer rendering is cut (with "…" and the number of characters left out), as error messages and
 * log annotations do; the errors' `command` field always keeps the whole argv.
 *
 * @example
 * import { describeCommand } from "@effect-process/core/ProcessError"
 *
 * describeCommand(["sh", "-c", "echo hi"]) // 'sh -c "echo hi"'
 * describeCommand(["echo", "x".repeat(1000)], 20) // 'echo xxxxxxxxxxxxxxx… (985 more characters)'
 *
 * @since 0.1.0
 * @category utils
 */
export const describeCommand = (command: ReadonlyArray<string>, maxLength = Infinity): string => {
  if (command.length === 0) return "<empty command>"
  let out = ""
  for (const arg of command) {
    // Quoting a 3 MB argument only to cut it would cost its size again: look at a bounded prefix of each.
    const shown = arg.length > maxLength ? arg.slice(0, maxLength) : arg
    const quoted = /^[\w@%+=:,./-]+$/.test(shown) ? shown : escapeUnsafe(JSON.stringify(shown))
    out = out.length === 0 ? quoted : `${out} ${quoted}`
    if (out.length > maxLength) break
  }
  if (out.length <= maxLength) return out
  const total = command.reduce((sum, arg) => sum + arg.length + 1, -1)
  return `${out.slice(0, maxLength)}… (${Math.max(0, total - maxLength)} more characters)`
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
