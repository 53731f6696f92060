/**
 * The frame of every real-process test: run the body in a scope with `NodeProcess.layer`, then check that nothing
 * it started survives the scope (by pid, by process group, and by an environment marker every child inherits).
 */
import { NodeProcess } from "@effect-process/platform-node"
import { afterAll } from "@effect/vitest"
import type { Duration, Scope } from "effect"
import { Effect, Fiber } from "effect"
import type { ManagedProcess, ProcessSpawner } from "effect-process"
import { expectGone, markedProcesses, markerEnv, newMarker } from "./utils.js"

/** Every marker handed out in this test file. */
const allMarkers: Array<string> = []

// A safety net for tests that did not get to their own check (a vitest timeout abandons the Effect): whatever still
// carries a marker of this file is killed, so it cannot disturb the other files or outlive the run.
afterAll(() => {
  for (const marker of allMarkers) {
    for (const pid of markedProcesses(marker)) {
      console.warn(`killing leftover test process ${pid}`)
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // gone meanwhile
      }
    }
  }
})

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
  allMarkers.push(marker)
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
 *
 * The body, release included, gets `deadline`: a release that hangs fails the test with a clear message instead of
 * running into the vitest timeout (the hung fiber is left behind, disconnected).
 */
export const noSurvivors = <A, E>(
  body: (t: Tracker) => Effect.Effect<A, E, Scope.Scope | ProcessSpawner.ProcessSpawner>,
  within: Duration.Input = "3 seconds",
  deadline: Duration.Input = "40 seconds"
): Effect.Effect<A, E | Error> => {
  const t = makeTracker()
  // Effect 4 has no `Effect.disconnect`: the body runs in a fiber of its own, which a timeout (or an interruption)
  // of the test interrupts in the background instead of waiting for it.
  const disconnected = Effect.flatMap(
    Effect.forkDetach(Effect.scoped(body(t)).pipe(Effect.provide(NodeProcess.layer))),
    (fiber) => Effect.onInterrupt(Fiber.join(fiber), () => Effect.forkDetach(Fiber.interrupt(fiber)))
  )
  return disconnected.pipe(
    Effect.timeoutOrElse({
      duration: deadline,
      orElse: () => Effect.fail(new Error("the test body, release included, did not finish in time: something hangs"))
    }),
    Effect.ensuring(Effect.orDie(Effect.suspend(() => expectGone(t.pids, t.pids, within, [t.marker]))))
  )
}
