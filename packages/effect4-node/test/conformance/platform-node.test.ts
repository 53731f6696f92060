// The conformance suite against @effect/platform-node 4.1.0's NodeChildProcessSpawner.layer, the reference for
// Effect 4's contract (so its guarantees are off), and what that layer does where the drop-in's guarantees go
// further: the "gap" tests assert platform-node's behaviour as it is (and that it is deterministic), then clean up
// the survivors themselves (SIGKILL to the group), so that nothing is left.
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { describe, expect } from "@effect/vitest"
import { Effect, Exit, Layer, Option } from "effect"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import {
  closeScopeAndWatch,
  groupMembers,
  isAlive,
  killAll,
  marked,
  markerEnv,
  since,
  sleep,
  startParent,
  stateOf,
  waitUntil
} from "./harness.js"
import { command, conformance, makeTest, sh, TERM_IGNORING } from "./suite.js"

const PARENT_MODULE = "@effect/platform-node/NodeChildProcessSpawner"

export const platformNodeLayer = NodeChildProcessSpawner.layer.pipe(
  Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer))
)

conformance("@effect/platform-node NodeChildProcessSpawner.layer", platformNodeLayer, {
  guarantees: false,
  additionalFds: true,
  parentModule: PARENT_MODULE
})

const test = makeTest(platformNodeLayer)
const figure = (what: string, value: unknown) => console.log(`[platform-node gap] ${what}: ${JSON.stringify(value)}`)

describe("@effect/platform-node NodeChildProcessSpawner.layer: the gaps the drop-in's guarantees close", () => {
  test(
    "the helpers keep stdin an open pipe: spawner.string of cat has not ended after 2 s",
    (marker) =>
      Effect.gen(function*() {
        const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
        const cat = ChildProcess.make("cat", { env: { ...process.env, ...markerEnv(marker) } })
        const outcome = yield* spawner.string(cat).pipe(Effect.timeout("2 seconds"), Effect.result)
        figure("spawner.string of cat after 2 s", outcome._tag)
        expect(outcome._tag).toBe("Failure")
        // the timeout interrupted the helper, whose scope stopped cat
        expect(yield* waitUntil(() => marked(marker).length === 0, 5_000)).toBe(true)
      }),
    30_000
  )

  test(
    "a group that ignores SIGTERM, no forceKillAfter: the scope's close blocks and the group survives it",
    (marker) =>
      Effect.gen(function*() {
        const report = yield* closeScopeAndWatch(
          marker,
          Effect.gen(function*() {
            const handle = yield* sh(marker, TERM_IGNORING)
            yield* waitUntil(() => marked(marker).length === 2, 3_000)
            return handle.pid
          }),
          5_000
        )
        figure("SIGTERM-ignoring group, watched for 5 s after the close began", report)
        expect(report.before.length).toBe(2)
        // both the leader and its sleep are still there at the bound, and the close has not returned
        expect([...report.survivors].sort()).toEqual([...report.before].sort())
        expect(report.goneAfter).toBeUndefined()
        expect(report.closedAfter).toBeUndefined()
        // once the test SIGKILLs the group, the close returns
        expect(report.closedAfterCleanup).toBeDefined()
        expect(report.exit).toStrictEqual(Exit.void)
      }),
    30_000
  )

  test(
    "a leader that exits 0 leaving a background grandchild: the close SIGTERMs the group (it is gone)",
    (marker) =>
      Effect.gen(function*() {
        // This is the guarantee the drop-in promises; platform-node 4.1.0 already meets it (a detached, referenced
        // child's group is signalled at release even after the leader's exit 0).
        const report = yield* closeScopeAndWatch(
          marker,
          Effect.gen(function*() {
            const handle = yield* sh(marker, "sleep 1000 & exit 0")
            expect(yield* handle.exitCode).toBe(0)
            yield* waitUntil(() => marked(marker).length === 1, 3_000)
            // the grandchild outlives the leader until the scope closes
            yield* sleep(500)
            expect(marked(marker).length).toBe(1)
            return handle.pid
          }),
          5_000
        )
        figure("exit 0 + background sleep", report)
        expect(report.survivors).toEqual([])
        expect(report.goneAfter).toBeDefined()
        expect(report.closedAfter).toBeDefined()
      }),
    30_000
  )

  test(
    "a leader that exits 0 leaving a grandchild that ignores SIGTERM: it survives the close (1 s grace, no SIGKILL)",
    (marker) =>
      Effect.gen(function*() {
        const report = yield* closeScopeAndWatch(
          marker,
          Effect.gen(function*() {
            const handle = yield* sh(marker, "trap '' TERM; sleep 1000 & exit 0")
            expect(yield* handle.exitCode).toBe(0)
            yield* waitUntil(() => marked(marker).length === 1, 3_000)
            return handle.pid
          }),
          5_000
        )
        figure("exit 0 + SIGTERM-ignoring sleep, watched for 5 s", report)
        expect(report.before.length).toBe(1)
        // the close returns (after the one-second grace) and leaves the grandchild running
        expect(report.closedAfter).toBeDefined()
        expect(report.closedAfter!).toBeGreaterThanOrEqual(900)
        expect(report.goneAfter).toBeUndefined()
        expect(report.survivors).toEqual(report.before)
      }),
    30_000
  )

  test("a leader that exits non-zero: its group is SIGTERMed at the exit, before the scope closes", (marker) =>
    Effect.gen(function*() {
      const handle = yield* sh(marker, "sleep 1000 & echo started; exit 3")
      expect(yield* handle.exitCode).toBe(3)
      const start = Date.now()
      const gone = yield* waitUntil(() => marked(marker).length === 0, 3_000)
      figure("exit 3 + background sleep: ms from the exit until the sleep was gone (scope still open)", since(start))
      expect(gone).toBe(true)
    }))

  test(
    "16 MiB on stdout that nobody reads: the child blocks on the full pipe and exitCode does not complete",
    (marker) =>
      Effect.gen(function*() {
        const handle = yield* command(marker, "head", ["-c", String(16 * 1024 * 1024), "/dev/zero"])
        const result = yield* Effect.timeoutOption(handle.exitCode, 3_000)
        figure("16 MiB unread: exitCode after 3 s", Option.isSome(result) ? result.value : "none")
        expect(Option.isNone(result)).toBe(true)
        expect(yield* handle.isRunning).toBe(true)
        // blocked in write(2) on the pipe, not running
        expect(stateOf(handle.pid)).toBe("S")
        // (the scope's close SIGTERMs it, which head does not ignore: the end-of-test scan finds nothing)
      }),
    30_000
  )

  test("parent death: the child of a SIGKILLed parent keeps running (no reaper)", (marker) =>
    Effect.gen(function*() {
      const { child, exited, parent } = yield* startParent(PARENT_MODULE, marker)
      expect(groupMembers(child)).toEqual([child])
      process.kill(parent, "SIGKILL")
      yield* Effect.promise(() => exited)
      const start = Date.now()
      yield* sleep(3_000)
      const alive = isAlive(child)
      figure("parent SIGKILLed: the child still alive after (ms)", alive ? since(start) : "gone")
      expect(alive).toBe(true)
      expect(marked(marker)).toEqual([child])
      killAll(marker, [child])
    }), 30_000)
})
