/**
 * How a process is stopped, decoded once: the signal, the grace and the wait after SIGKILL, from the launch's
 * `terminate` options (the release's settings) or from a call's own (`terminate(options)`), over the defaults.
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import type * as ManagedProcess from "../ManagedProcess.js"
import type { ProcessError } from "../ProcessError.js"
import type { Signal } from "../ProcessSpawner.js"
import { decodeDuration } from "./command.js"
import { invalid } from "./errors.js"

/** @internal */
export const DEFAULT_TERMINATE_TIMEOUT: Duration.DurationInput = "7 seconds"
/** @internal */
export const DEFAULT_KILL_TIMEOUT: Duration.DurationInput = "2 seconds"

/** @internal */
export interface TerminateSettings {
  readonly signal: Signal
  readonly timeout: Duration.Duration
  readonly killTimeout: Duration.Duration
}

/** @internal */
export const DEFAULT_SETTINGS: TerminateSettings = {
  signal: "SIGTERM",
  timeout: Duration.decode(DEFAULT_TERMINATE_TIMEOUT),
  killTimeout: Duration.decode(DEFAULT_KILL_TIMEOUT)
}

/** @internal */
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
  "SIGWINCH"
] satisfies ReadonlyArray<Signal>

/**
 * A signal name the `Signal` type allows, checked at run time (a JavaScript caller may pass anything).
 *
 * @internal
 */
export const decodeSignal = (
  command: ReadonlyArray<string>,
  name: string,
  signal: unknown
): Either.Either<Signal, ProcessError> =>
  typeof signal === "string" && SIGNALS.includes(signal)
    ? Either.right(signal as Signal)
    : Either.left(invalid(command, `${name} must be one of ${SIGNALS.join(", ")} (got ${String(signal).slice(0, 50)})`))

/** @internal */
export const decodeTerminate = (
  command: ReadonlyArray<string>,
  options: ManagedProcess.TerminateOptions | undefined,
  defaults: TerminateSettings = DEFAULT_SETTINGS
): Either.Either<TerminateSettings, ProcessError> => {
  if (options === undefined) return Either.right(defaults)
  if (options.signal !== undefined && options.signal !== defaults.signal) {
    const signal = decodeSignal(command, "terminate.signal", options.signal)
    if (Either.isLeft(signal)) return Either.left(signal.left)
  }
  if (options.timeout === undefined && options.killTimeout === undefined) {
    // The common case, no durations to decode: no new object on the launch path.
    return Either.right(
      options.signal === undefined || options.signal === defaults.signal
        ? defaults
        : { ...defaults, signal: options.signal }
    )
  }
  return Either.all({
    signal: Either.right(options.signal ?? defaults.signal),
    timeout: decodeDuration(command, "terminate.timeout", options.timeout, defaults.timeout),
    killTimeout: decodeDuration(command, "terminate.killTimeout", options.killTimeout, defaults.killTimeout)
  })
}
