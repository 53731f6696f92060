/**
 * The parent-death reaper with its own watchdog (`@effect-process/engine`'s `node/Watchdog.ts`), for the lifetime
 * of a scope: a configurable grace, and `PR_SET_PDEATHSIG` for the direct child. `NodeProcess.layer` uses the
 * process-wide watchdog instead.
 */
import { isNegativeDurationInput, shown } from "@effect-process/engine/LaunchOptions"
import { withPdeathsig } from "@effect-process/engine/node/Pdeathsig"
import { DEFAULT_GRACE_MILLIS, startWatchdog } from "@effect-process/engine/node/Watchdog"
import { ProcessError } from "effect-process/ProcessError"
import type * as ProcessSpawner from "effect-process/ProcessSpawner"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as NodeProcess from "../NodeProcess.js"
import type * as NodeReaper from "../NodeReaper.js"
import * as nodeSpawner from "./nodeSpawner.js"

/**
 * A grace that is not a duration, or is negative, is a typed error: a typo must not mean "no grace at all". It is
 * an argument of the reaper, not of a command: Effect's `IllegalArgumentError`.
 */
const decodeGrace = (input: Duration.Input): Effect.Effect<Duration.Duration, Cause.IllegalArgumentError> => {
  const negative = isNegativeDurationInput(input)
  // Finite: an infinite grace would mean no SIGKILL after the parent's death, a reaper that never ends its work.
  const decoded = negative ? Option.none() : Option.filter(Duration.fromInput(input), Duration.isFinite)
  return Option.match(decoded, {
    onNone: () =>
      Effect.fail(
        new Cause.IllegalArgumentError(
          `NodeReaper grace must be a non-negative, finite duration (got ${shown(input)})`
        )
      ),
    onSome: Effect.succeed
  })
}

/** @internal */
export const make = (
  options: NodeReaper.Options = {}
): Effect.Effect<NodeReaper.Reaper, Cause.IllegalArgumentError, Scope.Scope> =>
  Effect.gen(function*() {
    const grace = yield* decodeGrace(options.grace ?? DEFAULT_GRACE_MILLIS)
    const watchdog = yield* Effect.acquireRelease(
      Effect.try({
        try: () => startWatchdog(options.shell ?? "/bin/sh", Duration.toMillis(grace)),
        catch: (error) => error instanceof Error ? error : new Error(String(error))
      }).pipe(
        Effect.tapError((error) =>
          Effect.logWarning(`parent-death reaper disabled: ${error.message}`).pipe(
            Effect.annotateLogs({ module: "NodeReaper" })
          )
        ),
        Effect.option
      ),
      (watchdog) => watchdog._tag === "Some" ? Effect.promise(watchdog.value.stop) : Effect.void
    )
    const spawn = nodeSpawner.makeSpawn(
      watchdog._tag === "Some"
        ? {
          token: () => watchdog.value.token,
          onLaunch: (pgid) => watchdog.value.launched(pgid),
          onRelease: (pgid) => watchdog.value.released(pgid)
        }
        : {}
    )
    const spawner: ProcessSpawner.ProcessSpawner["Service"] = options.pdeathsig === true
      ? {
        spawn: (request, listeners) =>
          // An error names the command as given, not the setpriv prefix.
          Effect.mapError(spawn(withPdeathsig(request), listeners), (error) =>
            new ProcessError({
              reason: error.reason,
              command: request.command,
              errno: error.errno,
              detail: error.detail,
              cause: error.cause
            }))
      }
      : { spawn }
    return { watchdogPid: watchdog._tag === "Some" ? watchdog.value.pid : undefined, spawner }
  })

/** @internal */
export const layerWithReaper = (
  options: NodeReaper.Options
): Layer.Layer<NodeProcess.Services, Cause.IllegalArgumentError> =>
  Layer.unwrap(Effect.map(make(options), (reaper) => nodeSpawner.layerWith(reaper.spawner)))
