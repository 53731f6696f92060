/**
 * A launch's options, decoded once, before anything is started, into one value: the command and how it is started
 * (`Normalized`: argv, environment, stdio, sizes, `waitDelay`, the stderr relay), how it is stopped (the signal,
 * the grace and the wait after SIGKILL), and how long readiness may take. Every later stage reads this value, never
 * the options again. A call's own `terminate(options)` is decoded over the launch's terminate settings.
 */
import * as LaunchOptions from "@effect-process/engine/LaunchOptions"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import type * as ManagedProcess from "../ManagedProcess.js"
import type { ProcessError } from "../ProcessError.js"
import type { Signal } from "../ProcessSpawner.js"
import { argvOf, decodeDuration, type LaunchDefaults, normalize, type Normalized, pipelineStages } from "./command.js"
import { invalid, refused } from "./errors.js"

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

/**
 * A signal name the `Signal` type allows, checked at run time (a JavaScript caller may pass anything).
 *
 * @internal
 */
export const decodeSignal = (
  command: ReadonlyArray<string>,
  name: string,
  signal: unknown
): Either.Either<Signal, ProcessError> => {
  const refusal = LaunchOptions.checkSignal(command, name, signal)
  return refusal === undefined ? Either.right(signal as Signal) : Either.left(refused(refusal))
}

/** @internal */
export const decodeTerminate = (
  command: ReadonlyArray<string>,
  options: ManagedProcess.TerminateOptions | undefined,
  defaults: TerminateSettings = DEFAULT_SETTINGS
): Either.Either<TerminateSettings, ProcessError> => {
  try {
    return decodeTerminateOptions(command, options, defaults)
  } catch {
    // Options built with throwing getters or proxies: typed, not a defect.
    return Either.left(invalid(command, "the terminate options could not be read"))
  }
}

const decodeTerminateOptions = (
  command: ReadonlyArray<string>,
  options: ManagedProcess.TerminateOptions | undefined,
  defaults: TerminateSettings
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
  const timeout = finite(command, "terminate.timeout", options.timeout, defaults.timeout)
  if (Either.isLeft(timeout)) return Either.left(timeout.left)
  const killTimeout = finite(command, "terminate.killTimeout", options.killTimeout, defaults.killTimeout)
  if (Either.isLeft(killTimeout)) return Either.left(killTimeout.left)
  return Either.right({
    signal: options.signal ?? defaults.signal,
    timeout: timeout.right,
    killTimeout: killTimeout.right
  })
}

/**
 * A duration of the termination: finite, because the release waits at most this long (an infinite grace would be a
 * release that never ends; "no SIGKILL" is not an option of a bounded release).
 */
const finite = (
  command: ReadonlyArray<string>,
  name: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput
): Either.Either<Duration.Duration, ProcessError> => {
  const decoded = decodeDuration(command, name, input, fallback)
  return Either.isLeft(decoded) || Duration.isFinite(decoded.right)
    ? decoded
    : Either.left(invalid(command, `${name} must be finite: the release waits at most this long`))
}

/** @internal */
export const DEFAULT_READINESS_TIMEOUT: Duration.Duration = Duration.seconds(60)

/**
 * What a launch needs, decoded once.
 *
 * @internal
 */
export interface Settings {
  readonly spec: Normalized
  readonly terminate: TerminateSettings
  readonly readinessTimeout: Duration.Duration
}

/**
 * What a piped `Command` launches: one `Settings` per stage, in order.
 *
 * @internal
 */
export interface Pipeline {
  readonly _tag: "Pipeline"
  /** The whole pipeline's argv, the stages separated by "|" (for results, errors and logs). */
  readonly argv: ReadonlyArray<string>
  readonly stages: ReadonlyArray<Settings>
}

/**
 * The settings of a command, or of every stage of a piped one: each stage is decoded with `options` (its stdin is
 * the previous stage's stdout, but for the first's), before anything is started.
 *
 * @internal
 */
export const decodePlan = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<any, any, any>,
  defaults: LaunchDefaults
): Either.Either<Settings | Pipeline, ProcessError> => {
  const pipeline = pipelineStages(input)
  if (pipeline === undefined) return decodeSettings(input, options, defaults)
  if ("_tag" in pipeline) return Either.left(pipeline)
  const stages = pipeline.map((stage, i) =>
    decodeSettings(stage, options, i === 0 ? defaults : { ...defaults, stdin: "pipe" })
  )
  return Either.map(Either.all(stages), (stages): Pipeline => ({ _tag: "Pipeline", argv: argvOf(input), stages }))
}

/** @internal */
export const isPipeline = (plan: Settings | Pipeline): plan is Pipeline => "_tag" in plan

/**
 * Decodes a launch's options, over `defaults`.
 *
 * @internal
 */
export const decodeSettings = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<any, any, any>,
  defaults: LaunchDefaults
): Either.Either<Settings, ProcessError> => {
  const spec = normalize(input, options, defaults)
  if (Either.isLeft(spec)) return Either.left(spec.left)
  const terminate = decodeTerminate(spec.right.argv, options.terminate)
  if (Either.isLeft(terminate)) return Either.left(terminate.left)
  if (options.readiness === undefined && options.readinessTimeout === undefined) {
    return Either.right({ spec: spec.right, terminate: terminate.right, readinessTimeout: DEFAULT_READINESS_TIMEOUT })
  }
  const readinessTimeout = decodeDuration(
    spec.right.argv,
    "readinessTimeout",
    options.readinessTimeout,
    DEFAULT_READINESS_TIMEOUT
  )
  if (Either.isLeft(readinessTimeout)) return Either.left(readinessTimeout.left)
  return Either.right({ spec: spec.right, terminate: terminate.right, readinessTimeout: readinessTimeout.right })
}
