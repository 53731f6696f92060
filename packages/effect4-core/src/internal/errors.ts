// Generated from packages/core/src/internal/errors.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Every error about a process is built here, from what the process knows of itself: its command and pid, its exit
 * status once seen, and the tails of its output. A call site says only what is particular to it (the reason, a
 * detail, an errno, a cause), so that no error forgets the context a person needs to act on it.
 */
import type { Refusal } from "@effect-process/engine/LaunchOptions"
import type * as Duration from "effect/Duration"
import {
  ProcessError,
  type ProcessErrorReason,
  StateError,
  type StateErrorReason,
  TimeoutError
} from "../ProcessError.js"
import type { ExitStatus } from "../ProcessSpawner.js"

/**
 * What an error says about the process it is about.
 *
 * @internal
 */
export interface Subject {
  readonly command: ReadonlyArray<string>
  readonly pid: number
  /** The exit status, once the leader's exit was noticed. */
  readonly exit: ExitStatus | undefined
  tails(): { stdoutTail: string | undefined; stderrTail: string | undefined }
}

/**
 * What a call site adds. `signal` here is the signal an operation sent (for `SignalFailed`), and takes the place of
 * the exit's.
 *
 * @internal
 */
export interface Particulars {
  readonly detail?: string | undefined
  readonly errno?: string | undefined
  readonly signal?: string | undefined
  readonly cause?: unknown
}

/** @internal */
export const processError = (
  subject: Subject,
  reason: ProcessErrorReason,
  particulars: Particulars = {}
): ProcessError =>
  new ProcessError({
    reason,
    command: subject.command,
    pid: subject.pid,
    exitCode: subject.exit?.exitCode,
    signal: subject.exit?.signal,
    ...subject.tails(),
    ...particulars
  })

/**
 * An invalid command or option, found before anything was started (no pid, no output).
 *
 * @internal
 */
export const invalid = (command: ReadonlyArray<string>, detail: string): ProcessError =>
  new ProcessError({ reason: "InvalidCommand", command, detail })

/**
 * A refusal of the engine's option checks, as the `InvalidCommand` it is.
 *
 * @internal
 */
export const refused = (refusal: Refusal): ProcessError => invalid(refusal.command, refusal.detail)

/**
 * An invalid argument to an operation of a running process.
 *
 * @internal
 */
export const invalidArgument = (subject: Subject, detail: string): ProcessError =>
  new ProcessError({ reason: "InvalidCommand", command: subject.command, pid: subject.pid, detail })

/**
 * A `Supervisor` stopped restarting `command`.
 *
 * @internal
 */
export const gaveUp = (command: ReadonlyArray<string>, detail: string, cause: unknown): ProcessError =>
  new ProcessError({ reason: "GaveUp", command, detail, cause })

/** @internal */
export const stateError = (subject: Subject, reason: StateErrorReason, operation: string): StateError =>
  new StateError({ reason, command: subject.command, pid: subject.pid, operation })

/** @internal */
export const timeoutError = (
  subject: Subject,
  reason: TimeoutError["reason"],
  timeout: Duration.Duration,
  extra: { readonly seen?: string; readonly expected?: string } = {}
): TimeoutError =>
  new TimeoutError({ reason, command: subject.command, pid: subject.pid, timeout, ...extra, ...subject.tails() })

/**
 * The error of the last launch attempt, saying how many attempts were made: a new error with the same fields.
 *
 * @internal
 */
export const withAttempts = <E>(error: E, attempts: number): E => {
  if (error instanceof ProcessError) return new ProcessError({ ...fieldsOf(error), attempts }) as E
  if (error instanceof TimeoutError) return new TimeoutError({ ...fieldsOf(error), attempts }) as E
  return error
}

/**
 * The fields an error was built with: its own enumerable properties but `_tag`, and its `cause` (which `Error`
 * keeps as a non-enumerable property).
 */
const fieldsOf = <T extends object>(error: T): any => {
  const { _tag, ...fields } = error as T & { readonly _tag: string }
  const cause = (error as { readonly cause?: unknown }).cause
  return cause === undefined ? fields : { ...fields, cause }
}
