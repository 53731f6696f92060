/**
 * The three typed failures of a managed process, for Effect 4: the same classes, reasons and fields as
 * `@effect-process/core`'s (Effect 3), with the same messages (built by `@effect-process/engine`'s `Messages`, one
 * line, bounded) and the same markers, so that `instanceof` recognises the errors of either line.
 *
 * - {@link ProcessError}: the process could not do what was asked, or the request was malformed.
 * - {@link StateError}: the handle was used in a state that does not allow the operation.
 * - {@link TimeoutError}: an operation that waits ran out of time; it carries what was seen meanwhile.
 *
 * @since 0.1.0
 */
import * as Messages from "@effect-process/engine/Messages"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

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
 * @since 0.1.0
 * @category models
 */
export type TimeoutErrorReason = "ReadLine" | "ReadChar" | "WaitForOutput" | "Readiness" | "Run"

/**
 * The process itself could not do what was asked, or the request was malformed (`InvalidCommand`: nothing was
 * started).
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessError } from "effect-process"
 *
 * const failed = Effect.fail(new ProcessError({ reason: "NonZeroExit", command: ["make"], exitCode: 2 })).pipe(
 *   Effect.catchTag("ProcessError", (error) => Effect.succeed(error.exitCode))
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
   * `instanceof` by the marker, not by prototype: the errors of another copy (the other build, the Effect 3 line)
   * match.
   *
   * @since 0.1.0
   */
  static override [Symbol.hasInstance](u: unknown): boolean {
    return Messages.isMarked(u, Messages.ProcessErrorMarker)
  }

  /** @internal */
  get [Messages.ProcessErrorMarker](): true {
    return true
  }

  /**
   * @since 0.1.0
   */
  override get message(): string {
    return Messages.processErrorMessage(this)
  }
}

/**
 * The handle was used in a state that does not allow the operation.
 *
 * @example
 * import { StateError } from "effect-process"
 *
 * new StateError({ reason: "StdinClosed", command: ["cat"], operation: "write" }).message
 * // "cat: write refused: StdinClosed"
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
   * See `ProcessError`.
   *
   * @since 0.1.0
   */
  static override [Symbol.hasInstance](u: unknown): boolean {
    return Messages.isMarked(u, Messages.StateErrorMarker)
  }

  /** @internal */
  get [Messages.StateErrorMarker](): true {
    return true
  }

  /**
   * @since 0.1.0
   */
  override get message(): string {
    return Messages.stateErrorMessage(this)
  }
}

/**
 * An operation that waits ran out of time. `seen` is the output the operation saw while it waited (bounded).
 *
 * @example
 * import { Duration } from "effect"
 * import { TimeoutError } from "effect-process"
 *
 * new TimeoutError({ reason: "ReadLine", command: ["server"], timeout: Duration.seconds(2) }).timeoutMillis // 2000
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
   * See `ProcessError`.
   *
   * @since 0.1.0
   */
  static override [Symbol.hasInstance](u: unknown): boolean {
    return Messages.isMarked(u, Messages.TimeoutErrorMarker)
  }

  /** @internal */
  get [Messages.TimeoutErrorMarker](): true {
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
    return Messages.timeoutErrorMessage(this, Duration.format(this.timeout))
  }
}

/**
 * A readable one-line rendering of an argv array (see `@effect-process/engine`'s `Messages.describeCommand`).
 *
 * @example
 * import { describeCommand } from "effect-process/ProcessError"
 *
 * describeCommand(["sh", "-c", "echo hi"]) // 'sh -c "echo hi"'
 *
 * @since 0.1.0
 * @category utils
 */
export const describeCommand: (command: ReadonlyArray<string>, maxLength?: number) => string = Messages.describeCommand
