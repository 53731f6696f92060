// Generated from packages/core/src/internal/telemetry.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Logs and spans on the launch and release paths, at the cost of nothing when nobody looks: a Debug log is built
 * only when Debug is enabled, a span only when a tracer is installed, and no log can turn a launch or a release
 * into a defect.
 */
import * as Messages from "@effect-process/engine/Messages"
import * as Effect from "effect/Effect"
import * as compat from "./compat.js"

/**
 * Logs at Debug only when Debug is enabled: building the annotations of a log nobody sees would cost every launch.
 *
 * @internal
 */
export const logDebug = (message: string, annotations: () => Record<string, unknown>): Effect.Effect<void> =>
  compat.withFiber((fiber) =>
    compat.isDebugEnabled(fiber)
      ? quietly(Effect.annotateLogs(Effect.logDebug(message), annotations()))
      : Effect.void
  )

/**
 * A log on the launch or release path: a logger that throws must not turn a launch, a stop or a release into a
 * defect, so what it throws is dropped (the log is lost, nothing else is).
 *
 * @internal
 */
export const quietly = (log: Effect.Effect<void>): Effect.Effect<void> => Effect.catchCause(log, () => Effect.void)

/**
 * One line about `error` for a log (see `@effect-process/engine`'s `Messages.describeFailure`).
 *
 * @internal
 */
export const describeFailure: (error: unknown) => string = Messages.describeFailure

/**
 * `self` in a span named `name`, unless the tracer is Effect's default one, which reports spans to nobody: a span
 * costs about 19 KB of allocation (measured), and the launch path makes two per process. With a tracer installed
 * (OpenTelemetry, a test tracer), every span is there.
 *
 * @internal
 */
export const traced = <A, E, R>(
  name: string,
  attributes: () => Record<string, unknown>,
  self: (traced: boolean) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  compat.withFiber((fiber) =>
    !compat.isTracing(fiber)
      ? self(false)
      : Effect.withSpan(self(true), name, { attributes: attributes(), captureStackTrace: false })
  )
