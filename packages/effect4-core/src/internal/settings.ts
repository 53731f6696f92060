// Generated from packages/core/src/internal/settings.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * A launch's options, decoded once, before anything is started, into one value: the command and how it is started
 * (`Normalized`: argv, environment, stdio, sizes, `waitDelay`, the stderr relay), how it is stopped (the signal,
 * the grace and the wait after SIGKILL), and how long readiness may take. Every later stage reads this value, never
 * the options again. A call's own `terminate(options)` is decoded over the launch's terminate settings.
 */
import * as LaunchOptions from "@effect-process/engine/LaunchOptions"
import * as Duration from "effect/Duration"
import * as Result from "effect/Result"
import type * as ManagedProcess from "../ManagedProcess.js"
import type { ProcessError } from "../ProcessError.js"
import type { Signal } from "../ProcessSpawner.js"
import { argvOf, decodeDuration, type LaunchDefaults, normalize, type Normalized, pipelineStages } from "./command.js"
import { invalid, refused } from "./errors.js"

/** @internal */
export const DEFAULT_TERMINATE_TIMEOUT: Duration.Input = "7 seconds"
/** @internal */
export const DEFAULT_KILL_TIMEOUT: Duration.Input = "2 seconds"

/** @internal */
export interface TerminateSettings {
  readonly signal: Signal
  readonly timeout: Duration.Duration
  readonly killTimeout: Duration.Duration
}

/** @internal */
export const DEFAULT_SETTINGS: TerminateSettings = {
  signal: "SIGTERM",
  timeout: Duration.fromInputUnsafe(DEFAULT_TERMINATE_TIMEOUT),
  killTimeout: Duration.fromInputUnsafe(DEFAULT_KILL_TIMEOUT)
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
): Result.Result<Signal, ProcessError> => {
  const refusal = LaunchOptions.checkSignal(command, name, signal)
  return refusal === undefined ? Result.succeed(signal as Signal) : Result.fail(refused(refusal))
}

/** @internal */
export const decodeTerminate = (
  command: ReadonlyArray<string>,
  options: ManagedProcess.TerminateOptions | undefined,
  defaults: TerminateSettings = DEFAULT_SETTINGS
): Result.Result<TerminateSettings, ProcessError> => {
  try {
    return decodeTerminateOptions(command, options, defaults)
  } catch {
    // Options built with throwing getters or proxies: typed, not a defect.
    return Result.fail(invalid(command, "the terminate options could not be read"))
  }
}

const decodeTerminateOptions = (
  command: ReadonlyArray<string>,
  options: ManagedProcess.TerminateOptions | undefined,
  defaults: TerminateSettings
): Result.Result<TerminateSettings, ProcessError> => {
  if (options === undefined) return Result.succeed(defaults)
  if (options.signal !== undefined && options.signal !== defaults.signal) {
    const signal = decodeSignal(command, "terminate.signal", options.signal)
    if (Result.isFailure(signal)) return Result.fail(signal.failure)
  }
  if (options.timeout === undefined && options.killTimeout === undefined) {
    // The common case, no durations to decode: no new object on the launch path.
    return Result.succeed(
      options.signal === undefined || options.signal === defaults.signal
        ? defaults
        : { ...defaults, signal: options.signal }
    )
  }
  const timeout = finite(command, "terminate.timeout", options.timeout, defaults.timeout)
  if (Result.isFailure(timeout)) return Result.fail(timeout.failure)
  const killTimeout = finite(command, "terminate.killTimeout", options.killTimeout, defaults.killTimeout)
  if (Result.isFailure(killTimeout)) return Result.fail(killTimeout.failure)
  return Result.succeed({
    signal: options.signal ?? defaults.signal,
    timeout: timeout.success,
    killTimeout: killTimeout.success
  })
}

/**
 * A duration of the termination: finite, because the release waits at most this long (an infinite grace would be a
 * release that never ends; "no SIGKILL" is not an option of a bounded release).
 */
const finite = (
  command: ReadonlyArray<string>,
  name: string,
  input: Duration.Input | undefined,
  fallback: Duration.Input
): Result.Result<Duration.Duration, ProcessError> => {
  const decoded = decodeDuration(command, name, input, fallback)
  return Result.isFailure(decoded) || Duration.isFinite(decoded.success)
    ? decoded
    : Result.fail(invalid(command, `${name} must be finite: the release waits at most this long`))
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
): Result.Result<Settings | Pipeline, ProcessError> => {
  const pipeline = pipelineStages(input)
  if (pipeline === undefined) return decodeSettings(input, options, defaults)
  if ("_tag" in pipeline) return Result.fail(pipeline)
  const stages = pipeline.map((stage, i) =>
    decodeSettings(stage, options, i === 0 ? defaults : { ...defaults, stdin: "pipe" })
  )
  return Result.map(Result.all(stages), (stages): Pipeline => ({ _tag: "Pipeline", argv: argvOf(input), stages }))
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
): Result.Result<Settings, ProcessError> => {
  const spec = normalize(input, options, defaults)
  if (Result.isFailure(spec)) return Result.fail(spec.failure)
  const terminate = decodeTerminate(spec.success.argv, options.terminate)
  if (Result.isFailure(terminate)) return Result.fail(terminate.failure)
  if (options.readiness === undefined && options.readinessTimeout === undefined) {
    return Result.succeed({
      spec: spec.success,
      terminate: terminate.success,
      readinessTimeout: DEFAULT_READINESS_TIMEOUT
    })
  }
  const readinessTimeout = decodeDuration(
    spec.success.argv,
    "readinessTimeout",
    options.readinessTimeout,
    DEFAULT_READINESS_TIMEOUT
  )
  if (Result.isFailure(readinessTimeout)) return Result.fail(readinessTimeout.failure)
  return Result.succeed({
    spec: spec.success,
    terminate: terminate.success,
    readinessTimeout: readinessTimeout.success
  })
}
