/**
 * The frame of every real-process test: run the body in a scope with `NodeProcess.layer`, then check that nothing
 * it started survives the scope (by pid, by process group, and by an environment marker every child inherits).
 */
import type { ManagedProcess, ProcessSpawner } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import type { Duration, Scope } from "effect"
import { Effect } from "effect"
import { expectGone, markerEnv, newMarker } from "./utils.js"

export interface Tracker {
  /** A unique marker; every process a test starts should carry `env` so that `noSurvivors` can find it. */
  readonly marker: string
  /** The `env` option tagging a child (and its descendants) with the marker. */
  readonly env: Record<string, string>
  /** Records a process (its pid and its process group) to check after the scope closed. */
  readonly track: (proc: ManagedProcess.ManagedProcess) => ManagedProcess.ManagedProcess
  /** Records more pids (e.g. grandchildren) to check after the scope closed. */
  readonly trackPids: (pids: ReadonlyArray<number>) => void
  /** The pids recorded so far. */
  readonly pids: ReadonlyArray<number>
}

export const makeTracker = (): Tracker => {
  const marker = newMarker()
  const pids: Array<number> = []
  return {
    marker,
    env: markerEnv(marker),
    track: (proc) => {
      pids.push(proc.pid)
      return proc
    },
    trackPids: (more) => {
      pids.push(...more)
    },
    pids
  }
}

/**
 * Runs `body` in a scope with the Node layer, then checks (within `within`) that every tracked pid is dead, every
 * tracked process group is empty, and no process carries the tracker's marker.
 */
export const noSurvivors = <A, E>(
  body: (t: Tracker) => Effect.Effect<A, E, Scope.Scope | ProcessSpawner.ProcessSpawner>,
  within: Duration.DurationInput = "3 seconds"
): Effect.Effect<A, E | Error> => {
  const t = makeTracker()
  return Effect.scoped(body(t)).pipe(
    Effect.ensuring(Effect.orDie(Effect.suspend(() => expectGone(t.pids, t.pids, within, [t.marker])))),
    Effect.provide(NodeProcess.layer)
  )
}

/** Like `noSurvivors`, for a body that does not need its own scope. */
export const checkAfter = <A, E>(
  t: Tracker,
  within: Duration.DurationInput = "3 seconds"
) =>
(self: Effect.Effect<A, E>): Effect.Effect<A, E | Error> =>
  Effect.zipLeft(self, Effect.suspend(() => expectGone(t.pids, t.pids, within, [t.marker])))
