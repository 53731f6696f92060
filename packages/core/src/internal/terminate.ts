/**
 * Stopping a process, and the release of its scope:
 *
 *   stop        once per process, in a fiber of its own; later callers get the same outcome   (`stop`)
 *               (a leader that exited with an empty group and ended pipes settles at once)     (`settleExited`)
 *   policy      signal the group, grace, SIGKILL the group, bounded waits                      (`stopGroup`)
 *   pipes       wait (bounded by `waitDelay`) for the pipes to end, close them, flush the relay (`endPipes`)
 *   release     the scope's finalizer: `stop` with the launch's settings, then `Released`     (`release`)
 *
 * Nothing here waits without a bound, so the release never hangs; nothing here fails, so the release never fails.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as ManagedProcess from "../ManagedProcess.js"
import type { ProcessError } from "../ProcessError.js"
import type { Signal } from "../ProcessSpawner.js"
import { awaitAnyChange } from "./awaitChange.js"
import * as compat from "./compat.js"
import { Once } from "./once.js"
import type { Process, Termination } from "./process.js"
import { decodeTerminate, type TerminateSettings } from "./settings.js"
import { logDebug, quietly, traced } from "./telemetry.js"

/**
 * Runs the termination policy once per process. It runs in its own fiber: interrupting a caller does not leave the
 * group half-stopped, and the release waits for the same outcome.
 *
 * @internal
 */
export const stop = (proc: Process, settings: TerminateSettings): Effect.Effect<ManagedProcess.TerminateOutcome> =>
  Effect.suspend(() => {
    if (proc.termination !== undefined) return Effect.flatten(proc.termination.await())
    const done = proc.beginTermination()
    // The release runs uninterruptibly and a forked fiber inherits that; the policy's own timeouts need to
    // interrupt what they bound, so it runs interruptibly (and nobody else holds its fiber to interrupt it).
    const policy = Effect.forkDaemon(Effect.interruptible(
      Effect.onExit(stopGroup(proc, settings), (exit) => Effect.sync(() => done.set(exit)))
    )).pipe(Effect.zipRight(Effect.flatten(done.await())))
    if (proc.exit === undefined || proc.stdout?.ended === false || proc.stderr?.ended === false) return policy
    // The leader exited and its pipes ended (every `run`, most releases): if its group is empty too, there is
    // nothing to wait for, and the outcome is settled here, in one step.
    return Effect.flatMap(proc.spawned.groupAlive, (alive) => alive ? policy : settleExited(proc, done))
  })

/**
 * `AlreadyExited` without the policy's machinery: close the pipes, count the exit, flush the relay, in one step of
 * this fiber. A fiber, a span and a dozen steps per release are not free (measured: about 50 KB of allocation per
 * release); this path is what the policy does when nothing is alive. With a tracer installed it takes the policy,
 * which runs in a span.
 */
const settleExited = (
  proc: Process,
  done: Termination
): Effect.Effect<ManagedProcess.TerminateOutcome> =>
  Effect.uninterruptible(compat.withFiber((fiber) => {
    const outcome: ManagedProcess.TerminateOutcome = { _tag: "AlreadyExited", exit: proc.exit!, elapsed: Duration.zero }
    const finish = Effect.sync(() => {
      done.set(Exit.succeed(outcome))
      return outcome
    })
    if (compat.isTracing(fiber)) {
      return Effect.zipRight(
        Effect.withSpan(endPipes(proc), "ManagedProcess.terminate", {
          attributes: { pid: proc.pid, signal: "none" },
          captureStackTrace: false
        }),
        Effect.zipRight(recordExit(proc, outcome), finish)
      )
    }
    proc.endOutput()
    compat.incrementUnsafe(proc.metrics.exitsFor(proc.exit), fiber)
    const debug = compat.isDebugEnabled(fiber)
    const closed = closePipes(proc)
    return Effect.zipRight(
      debug ? Effect.zipRight(closed, logDebug("terminated: AlreadyExited", () => proc.annotations)) : closed,
      finish
    )
  }))

/** @internal */
export const terminate = (
  proc: Process,
  options: ManagedProcess.TerminateOptions | undefined
): Effect.Effect<ManagedProcess.TerminateOutcome, ProcessError> =>
  Effect.flatMap(
    compat.fromEither(decodeTerminate(proc.command, options, proc.settings)),
    (settings) => stop(proc, settings)
  )

/**
 * Stop the process group:
 *   - nothing alive (the leader exited and no descendant is left in its group): `AlreadyExited`;
 *   - otherwise send `signal` (and SIGCONT, so a stopped process can act on it) to the whole group and wait up to
 *     `timeout` for the leader's exit and an empty group: `Exited`;
 *   - otherwise SIGKILL the group and wait up to `killTimeout`: `Killed`.
 * A group is "empty" when no member is alive; zombies waiting for their reaper do not count. Then `endPipes`.
 */
const stopGroup = (proc: Process, settings: TerminateSettings): Effect.Effect<ManagedProcess.TerminateOutcome> =>
  traced(
    "ManagedProcess.terminate",
    () => ({ pid: proc.pid, signal: settings.signal }),
    () => stopSteps(proc, settings)
  )

const stopSteps = (proc: Process, settings: TerminateSettings): Effect.Effect<ManagedProcess.TerminateOutcome> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(now - started))
    const signalGroup = (signal: Signal) =>
      proc.spawned.signal(signal, "group").pipe(
        Effect.catchAll((error) =>
          quietly(
            Effect.annotateLogs(Effect.logWarning(`could not send ${signal}: ${error.message}`), proc.annotations)
          )
        )
      )
    let outcome: ManagedProcess.TerminateOutcome
    if (proc.exit !== undefined && !(yield* proc.spawned.groupAlive)) {
      outcome = { _tag: "AlreadyExited", exit: proc.exit, elapsed: yield* elapsed }
    } else {
      yield* signalGroup(settings.signal)
      if (settings.signal !== "SIGKILL") yield* signalGroup("SIGCONT")
      if (yield* waitUntilGone(proc, settings.timeout, yield* Clock.currentTimeMillis)) {
        outcome = { _tag: "Exited", exit: proc.exit!, elapsed: yield* elapsed }
      } else {
        yield* signalGroup("SIGKILL")
        const killed = yield* Clock.currentTimeMillis
        yield* quietly(Effect.annotateLogs(
          Effect.logWarning(`still running ${Duration.format(settings.timeout)} after ${settings.signal}: SIGKILL`),
          proc.annotations
        ))
        const gone = yield* waitUntilGone(proc, settings.killTimeout, killed)
        outcome = { _tag: "Killed", exit: proc.exit, elapsed: yield* elapsed, survivors: !gone }
        if (!gone) {
          yield* quietly(Effect.annotateLogs(
            Effect.logError("process group still alive after SIGKILL; giving up on it"),
            proc.annotations
          ))
        }
      }
    }
    yield* endPipes(proc)
    yield* recordExit(proc, outcome)
    yield* logDebug(`terminated: ${outcome._tag} in ${Duration.format(outcome.elapsed)}`, () => proc.annotations)
    return outcome
  })

const recordExit = (proc: Process, outcome: ManagedProcess.TerminateOutcome): Effect.Effect<void> => {
  const increment = compat.increment(proc.metrics.exitsFor(proc.exit))
  return outcome._tag === "Killed" ? Effect.zipRight(increment, compat.increment(proc.metrics.forcedKills)) : increment
}

/**
 * Whether, within `limit` from `since`, the leader exited and its group became empty. Polls the group at most every 20 ms once
 * the leader is gone.
 *
 * The limit is one timer fiber that sets a flag, not a `timeout` around the wait: a timeout races two fibers and
 * interrupts the loser, which is measurable when a scope stops many processes whose graces end at once (20
 * TERM-ignoring processes took about 15 ms longer than their grace that way).
 */
const waitUntilGone = (proc: Process, limit: Duration.Duration, since: number): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    const expired = new Once<void>()
    // Counted from `since` (the signal), not from when the timer's fiber gets to run.
    const timer = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => Effect.sleep(Duration.millis(Math.max(0, since + Duration.toMillis(limit) - now)))
    )
    return Effect.flatMap(
      Effect.forkDaemon(Effect.zipRight(timer, Effect.sync(() => expired.set(undefined)))),
      (timer) => {
        const poll = (delay: number): Effect.Effect<boolean> =>
          Effect.flatMap(proc.spawned.groupAlive, (alive) =>
            !alive
              ? Effect.succeed(true)
              : expired.isDone
              ? Effect.succeed(false)
              : Effect.zipRight(Effect.sleep(Duration.millis(delay)), poll(Math.min(delay * 2, 20))))
        const waitForExit: Effect.Effect<boolean> = Effect.async<boolean>((resume) => {
          if (proc.exit !== undefined) return resume(Effect.succeed(true))
          if (expired.isDone) return resume(Effect.succeed(false))
          const onExit = () => {
            expired.removeWaiter(onDeadline)
            resume(Effect.succeed(true))
          }
          const onDeadline = () => {
            proc.exited.removeWaiter(onExit)
            resume(Effect.succeed(false))
          }
          proc.exited.addWaiter(onExit)
          expired.addWaiter(onDeadline)
          return Effect.sync(() => {
            proc.exited.removeWaiter(onExit)
            expired.removeWaiter(onDeadline)
          })
        })
        return Effect.flatMap(waitForExit, (exited) => exited ? poll(1) : Effect.succeed(false)).pipe(
          Effect.ensuring(Effect.sync(() => compat.interruptUnsafe(timer)))
        )
      }
    )
  })

/**
 * Let the pipes reach end-of-file (bounded: a descendant outside the group may hold them, so they get at most
 * `waitDelay` from the exit, or from now if the exit was never seen), close them, flush the relay.
 */
const endPipes = (proc: Process): Effect.Effect<void> =>
  Effect.suspend(() => {
    const pipes = [proc.stdout, proc.stderr].filter((channel) => channel !== undefined)
    const close = Effect.suspend(() => {
      proc.endOutput()
      return closePipes(proc)
    })
    if (pipes.every((channel) => channel.ended)) return close
    proc.startPipeDeadline()
    const waitForEnds: Effect.Effect<void> = Effect.suspend(() => {
      if (proc.pipesOverdue || pipes.every((channel) => channel.ended)) return Effect.void
      return Effect.zipRight(awaitAnyChange(pipes, pipes.map((channel) => channel.currentVersion)), waitForEnds)
    })
    return Effect.zipRight(waitForEnds, close)
  })

/** Closes the pipes and flushes what the stderr relay still has queued (nothing to do when it is idle). */
const closePipes = (proc: Process): Effect.Effect<void> =>
  proc.relay === undefined || proc.relay.idle
    ? proc.spawned.closePipes
    : Effect.zipRight(proc.spawned.closePipes, proc.relay.flush)

/**
 * The release of the scope: terminate with the launch options, then refuse further use.
 *
 * @internal
 */
export const release = (proc: Process): Effect.Effect<void> =>
  Effect.ensuring(stop(proc, proc.settings), Effect.sync(() => proc.markReleased()))
