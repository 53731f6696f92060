/**
 * The parent-death reaper with its own watchdog (`@effect-process/engine`'s `node/Watchdog.ts`), for the lifetime of a scope: configurable grace
 * and `PR_SET_PDEATHSIG` for the direct child. `NodeProcess.layer` uses the process-wide watchdog instead.
 */
import { ProcessError, ProcessSpawner } from "@effect-process/core"
import { isNegativeDurationInput, shown } from "@effect-process/engine/LaunchOptions"
import { withPdeathsig } from "@effect-process/engine/node/Pdeathsig"
import { DEFAULT_GRACE_MILLIS, startWatchdog } from "@effect-process/engine/node/Watchdog"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as NodeProcess from "../NodeProcess.js"
import type * as NodeReaper from "../NodeReaper.js"
import * as commandExecutor from "./commandExecutor.js"
import * as nodeSpawner from "./nodeSpawner.js"

type ReaperOptions = NodeReaper.Options

// -----------------------------------------------------------------------------------------------------------------
// The reaper
// -----------------------------------------------------------------------------------------------------------------

/**
 * A typed error for a grace that is not a duration, or is negative: a typo must not mean "no grace at all". It is
 * an argument of the reaper, not of a command: Effect's `IllegalArgumentException`.
 */
const decodeGrace = (
  input: Duration.DurationInput
): Effect.Effect<Duration.Duration, Cause.IllegalArgumentException> => {
  const negative = isNegativeDurationInput(input)
  // Finite: an infinite grace would mean no SIGKILL after the parent's death, a reaper that never ends its work.
  const decoded = negative ? Option.none() : Option.filter(Duration.decodeUnknown(input), Duration.isFinite)
  return Option.match(decoded, {
    onNone: () =>
      Effect.fail(
        new Cause.IllegalArgumentException(
          `NodeReaper grace must be a non-negative, finite duration (got ${shown(input)})`
        )
      ),
    onSome: Effect.succeed
  })
}

/** @internal */
export const make = (
  options: ReaperOptions = {}
): Effect.Effect<NodeReaper.Reaper, Cause.IllegalArgumentException, Scope.Scope> =>
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
    const base = watchdog._tag === "Some"
      ? nodeSpawner.makeSpawner({
        token: () => watchdog.value.token,
        onLaunch: (pgid) => watchdog.value.launched(pgid),
        onRelease: (pgid) => watchdog.value.released(pgid)
      })
      : nodeSpawner.makeSpawner()
    const spawner: ProcessSpawner.ProcessSpawnerService = options.pdeathsig === true
      ? {
        spawn: (request, listeners) =>
          base.spawn(withPdeathsig(request), listeners).pipe(
            Effect.mapError((error) =>
              new ProcessError({
                reason: error.reason,
                command: request.command,
                errno: error.errno,
                detail: error.detail,
                cause: error.cause
              })
            )
          )
      }
      : base
    return { watchdogPid: watchdog._tag === "Some" ? watchdog.value.pid : undefined, spawner }
  })

/** @internal */
export const layerWithReaper = (
  options: ReaperOptions
): Layer.Layer<NodeProcess.Services, Cause.IllegalArgumentException> =>
  Layer.mergeAll(
    NodeContext.layer,
    // One reaper for the spawner and for the CommandExecutor built on it.
    Layer.scopedContext(Effect.map(make(options), (reaper) =>
      Context.make(ProcessSpawner.ProcessSpawner, reaper.spawner).pipe(
        Context.add(CommandExecutor.CommandExecutor, commandExecutor.make(reaper.spawner))
      ))),
    nodeSpawner.layerConnector
  )
