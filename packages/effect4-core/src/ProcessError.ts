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
export type ProcessErrorReason = Messages.ProcessErrorReason

/**
 * @since 0.1.0
 * @category models
 */
export type StateErrorReason = Messages.StateErrorReason

/**
 * @since 0.1.0
 * @category models
 */
export type TimeoutErrorReason = Messages.TimeoutErrorReason

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
export class ProcessError extends Data.TaggedError("ProcessError")<Messages.ProcessErrorFields> {
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
export class StateError extends Data.TaggedError("StateError")<Messages.StateErrorFields> {
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
export class TimeoutError
  extends Data.TaggedError("TimeoutError")<Messages.TimeoutErrorFields & { readonly timeout: Duration.Duration }>
{
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
