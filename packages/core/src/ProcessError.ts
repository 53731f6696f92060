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
import * as Messages from "@effect-process/engine/Messages"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

const ProcessErrorTypeId: typeof Messages.ProcessErrorMarker = Messages.ProcessErrorMarker
const StateErrorTypeId: typeof Messages.StateErrorMarker = Messages.StateErrorMarker
const TimeoutErrorTypeId: typeof Messages.TimeoutErrorMarker = Messages.TimeoutErrorMarker
const isMarked = Messages.isMarked

/**
 * @since 0.1.0
 * @category models
 */
export type ProcessErrorReason = Messages.ProcessErrorReason

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
export class ProcessError extends Data.TaggedError("ProcessError")<Messages.ProcessErrorFields> {
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
    return Messages.processErrorMessage(this)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export type StateErrorReason = Messages.StateErrorReason

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
export class StateError extends Data.TaggedError("StateError")<Messages.StateErrorFields> {
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
    return Messages.stateErrorMessage(this)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export type TimeoutErrorReason = Messages.TimeoutErrorReason

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
export class TimeoutError
  extends Data.TaggedError("TimeoutError")<Messages.TimeoutErrorFields & { readonly timeout: Duration.Duration }>
{
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
    return Messages.timeoutErrorMessage(this, Duration.format(this.timeout))
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
export const describeCommand: (command: ReadonlyArray<string>, maxLength?: number) => string = Messages.describeCommand
