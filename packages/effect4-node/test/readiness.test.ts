import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { ManagedProcess, OutputPattern, Readiness } from "effect-process"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as net from "node:net"
import { expectGone, fixture, markerEnv, newMarker, nodeEval, timed } from "./utils.js"

/** A port that was free a moment ago, on `host`. */
const freePort = (host: string) =>
  Effect.callback<number>((resume) => {
    const server = net.createServer().listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resume(Effect.succeed(port)))
    })
  })

const server = (mode: "tcp" | "http", host: string, port: number, delay: number, failFirst = 0) => [
  "node",
  fixture("ready-server.js"),
  mode,
  host,
  String(port),
  String(delay),
  String(failFirst)
]

/** Runs `body` in a scope and checks that no process with the marker survives it. */
const scenario = <A, E, R>(body: (env: Record<string, string>, pids: Array<number>) => Effect.Effect<A, E, R>) => {
  const marker = newMarker()
  const pids: Array<number> = []
  return Effect.scoped(body(markerEnv(marker), pids)).pipe(
    Effect.ensuring(Effect.orDie(Effect.suspend(() => expectGone(pids, pids, "3 seconds", [marker])))),
    Effect.provide(Layer.merge(NodeProcess.layer, FetchHttpClient.layer))
  )
}

describe("readiness", () => {
  it.live("output readiness yields the typed value and leaves the rest of the output", () =>
    scenario((env, pids) =>
      Effect.gen(function*() {
        const proc = yield* ManagedProcess.make(
          nodeEval("console.log('noise'); console.log('port=4711'); console.log('after')"),
          {
            env,
            readiness: Readiness.output(OutputPattern.regex(/^port=(\d+)$/))
          }
        )
        pids.push(proc.pid)
        expect(Number(proc.ready[1])).toBe(4711)
        expect(yield* proc.readLine()).toBe("after")
      })
    ))

  it.live("a process that exits before it is ready fails at once with its exit code and output", () =>
    scenario((env, pids) =>
      Effect.gen(function*() {
        const [error, elapsed] = yield* timed(Effect.flip(ManagedProcess.make(
          ["sh", "-c", "echo 'config missing' >&2; exit 3"],
          { env, readiness: Readiness.port(1), readinessTimeout: "30 seconds" }
        )))
        expect(error._tag).toBe("ProcessError")
        if (error._tag !== "ProcessError") return
        pids.push(error.pid!)
        expect(error.reason).toBe("ExitedBeforeReady")
        expect(error.exitCode).toBe(3)
        expect(error.stderrTail).toContain("config missing")
        expect(elapsed).toBeLessThan(5_000)
      })
    ))

  it.live("a fail-on line fails readiness at once with ReadinessFailed naming the line", () =>
    scenario((env, pids) =>
      Effect.gen(function*() {
        const [error, elapsed] = yield* timed(Effect.flip(ManagedProcess.make(
          ["sh", "-c", "echo starting; echo 'Unable to start: port in use'; sleep 1000"],
          {
            env,
            readiness: Readiness.output(
              OutputPattern.substring("listening").pipe(OutputPattern.failOn(["Unable to start"]))
            ),
            readinessTimeout: "30 seconds"
          }
        )))
        expect(error._tag).toBe("ProcessError")
        if (error._tag !== "ProcessError") return
        pids.push(error.pid!)
        expect(error.reason).toBe("ReadinessFailed")
        expect(error.message).toContain("Unable to start: port in use")
        expect(elapsed).toBeLessThan(5_000)
      })
    ))

  for (const host of ["127.0.0.1", "::1"]) {
    it.live(`TCP readiness finds a server listening on ${host} only`, () =>
      scenario((env, pids) =>
        Effect.gen(function*() {
          const port = yield* freePort(host)
          const proc = yield* ManagedProcess.make(server("tcp", host, port, 300), {
            env,
            readiness: Readiness.port(port),
            readinessTimeout: "20 seconds"
          })
          pids.push(proc.pid)
          expect(proc.ready).toEqual({ host, port })
          // it really is listening now
          expect(yield* proc.waitForOutput([`listening on ${host}`], { timeout: "5 seconds" })).toContain(String(port))
        })
      ))
  }

  it.live("HTTP readiness waits through 503s for a 200", () =>
    scenario((env, pids) =>
      Effect.gen(function*() {
        const port = yield* freePort("127.0.0.1")
        const proc = yield* ManagedProcess.make(server("http", "127.0.0.1", port, 200, 3), {
          env,
          readiness: Readiness.http(`http://127.0.0.1:${port}/`),
          readinessTimeout: "20 seconds"
        })
        pids.push(proc.pid)
        expect(proc.ready.status).toBe(200)
      })
    ))

  it.live("stableFor fails with ExitedBeforeReady when the process dies at 300 ms", () =>
    scenario((env, pids) =>
      Effect.gen(function*() {
        const [error, elapsed] = yield* timed(Effect.flip(ManagedProcess.make(
          ["sh", "-c", "sleep 0.3; exit 1"],
          { env, readiness: Readiness.stableFor("2 seconds") }
        )))
        expect(error._tag).toBe("ProcessError")
        if (error._tag !== "ProcessError") return
        pids.push(error.pid!)
        expect(error.reason).toBe("ExitedBeforeReady")
        expect(elapsed).toBeLessThan(2_000)
        const ok = yield* ManagedProcess.make(["sleep", "1000"], { env, readiness: Readiness.stableFor("300 millis") })
        pids.push(ok.pid)
        expect(yield* ok.isRunning).toBe(true)
      })
    ))

  it.live("a readiness timeout names the pending probes, carries the output tail and stops the process", () =>
    scenario((env, pids) =>
      Effect.gen(function*() {
        const port = yield* freePort("127.0.0.1")
        const error = yield* Effect.flip(ManagedProcess.make(
          ["sh", "-c", "echo 'still warming up'; sleep 1000"],
          {
            env,
            readiness: Readiness.all(Readiness.output(["ready"]), Readiness.port(port)),
            readinessTimeout: "1 second",
            terminate: { timeout: "500 millis" }
          }
        ))
        expect(error._tag).toBe("TimeoutError")
        if (error._tag !== "TimeoutError") return
        pids.push(error.pid!)
        expect(error.reason).toBe("Readiness")
        expect(error.expected).toContain(`tcp 127.0.0.1|::1:${port}`)
        expect(error.expected).toContain("ready")
        expect(error.stdoutTail).toContain("still warming up")
        // Terminated before the error was returned, although the scope is still open.
        yield* expectGone([error.pid!], [error.pid!], "1 second", [])
      })
    ))

  it.live("interrupting during readiness leaves no process", () =>
    scenario((env, pids) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Effect.scoped(ManagedProcess.make(["sleep", "1000"], {
          env,
          readiness: Readiness.output(["never printed"]),
          readinessTimeout: "1 minute"
        })))
        yield* Effect.sleep("300 millis")
        yield* Fiber.interrupt(fiber)
        expect(pids).toEqual([])
      })
    ))
})
