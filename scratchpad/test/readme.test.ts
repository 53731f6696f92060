/**
 * The README's examples, run: `scripts/readme-examples.mjs` extracts them into `src/readme-examples.ts` (and the
 * Install section's program into `src/readme-install.ts`) at build time; this test runs each one against the
 * programs it names, found in `fixtures/readme/` (the test's working directory), and checks what the README says
 * it does. Every process started here inherits a marker in its environment; after each example, none may survive.
 * Importing the examples also registers the README's own `describe` blocks (the TestSpawner examples).
 */
import { ManagedProcess, ProcessManager } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import { FetchHttpClient } from "@effect/platform"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Layer } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { captureLogs, expectMarkerGone, MARKER_VARIABLE, newMarker } from "../../packages/node/test/utils.js"
import * as readme from "../src/readme-examples.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const fixtures = path.join(here, "..", "fixtures", "readme")
const marker = newMarker()

beforeAll(async () => {
  // The examples name their programs relative to the working directory, as a user's program would.
  process.chdir(fixtures)
  // The process-wide watchdog starts at the first launch and lives as long as this test process: started before
  // the marker is set, it does not carry it.
  await Effect.runPromise(ManagedProcess.run(["true"]).pipe(Effect.provide(NodeProcess.layer)))
  process.env[MARKER_VARIABLE] = marker
})

/** Runs an example with the Node layer, then checks that nothing it started survives. */
const example = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.scoped(self as Effect.Effect<A, E, never>).pipe(
    Effect.provide(NodeProcess.layer),
    Effect.ensuring(Effect.orDie(expectMarkerGone(marker, "5 seconds")))
  )

const launch = (argv: ReadonlyArray<string>) => ManagedProcess.make(argv)

const freePort = () =>
  Effect.async<number>((resume) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resume(Effect.succeed(port)))
    })
  })

const withEnv = <A, E, R>(vars: Record<string, string>, self: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const before = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]))
      Object.assign(process.env, vars)
      return before
    }),
    () => self,
    (before) =>
      Effect.sync(() => {
        for (const [key, value] of Object.entries(before)) {
          if (value === undefined) delete process.env[key]
          else process.env[key] = value
        }
      })
  )

const portIsFree = (port: number) =>
  Effect.async<boolean>((resume) => {
    const server = net.createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen(port, "127.0.0.1", () => server.close(() => resume(Effect.succeed(true))))
  })

describe("the README's examples, run", () => {
  it.live("Install: the smallest program prints node's version", () =>
    example(Effect.gen(function*() {
      const program = path.join(here, "..", "dist", "readme-install.js")
      if (!fs.existsSync(program)) throw new Error(`${program} is missing: run \`pnpm build\` first`)
      const result = yield* ManagedProcess.run(["node", program], { timeout: "30 seconds" })
      expect(result.stdout + result.stderr).toContain(`node ${process.version}`)
    })))

  it.live("launch, wait until ready, read: serve", () =>
    example(Effect.gen(function*() {
      const { next, port } = yield* readme.serve
      expect(port).toBeGreaterThan(0)
      expect(next).toBe("database connected")
    })))

  it.live("patterns", () =>
    example(Effect.gen(function*() {
      const proc = yield* launch(["node", "server.js"])
      expect(yield* readme.patterns(proc)).toEqual({ workers: 4, char: "o" })
    })))

  it.live("run, a Command, a pipeline", () =>
    example(Effect.gen(function*() {
      expect(yield* readme.head).toMatch(/^[0-9a-f]{40}$/)
      expect(yield* readme.sorted).toBe("a\nb\n")
      expect((yield* readme.fromCommand).stdout).toContain("README.txt")
      expect((yield* readme.authors).stdout.trim().length).toBeGreaterThan(0)
    })))

  it.live("one call: string, lines, streamLines", () =>
    example(Effect.gen(function*() {
      expect(yield* readme.version).toMatch(/^git version \S+\n$/)
      expect(yield* readme.tracked).toEqual(["src/README.txt"])
      const recent = Chunk.toReadonlyArray(yield* readme.recent)
      expect(recent.length).toBeGreaterThan(0)
      expect(recent.length).toBeLessThanOrEqual(5)
      for (const line of recent) expect(line).toMatch(/^[0-9a-f]{7,} /)
    })))

  it.live("errors: handled, and the exit code of make", () =>
    example(Effect.gen(function*() {
      expect(yield* readme.handled).toMatchObject({ next: "database connected" })
      expect(yield* readme.exitCode).toBe(2) // make's own code for a failed recipe
    })))

  it.live("environment and working directory", () =>
    example(Effect.gen(function*() {
      const proc = yield* readme.worker
      const line = yield* proc.readLine()
      expect(line).toBe(`NODE_ENV=production DEBUG=unset cwd=${path.join(fixtures, "services", "worker")}`)
      const clean = (yield* readme.clean).stdout.split("\n").filter(Boolean).sort()
      expect(clean.length).toBe(2)
      expect(clean[0]).toMatch(/^EFFECT_PROCESS_REAPER=ep[0-9a-f]+$/)
      expect(clean[1]).toBe("PATH=/usr/bin:/bin")
    })))

  it.live("terminate explicitly", () =>
    example(Effect.gen(function*() {
      const proc = yield* launch(["node", "server.js"])
      yield* proc.waitForOutput(["listening"])
      const outcome = yield* readme.stop(proc)
      expect(outcome._tag).toBe("Exited")
      expect(yield* proc.stderrTail).toContain("SIGINT: shutting down")
    })))

  it.live("stdin", () =>
    example(Effect.gen(function*() {
      const { exit, line } = yield* readme.echo
      expect(line).toBe("hello")
      expect(exit).toEqual({ exitCode: 0, signal: undefined })
    })))

  it.live("streams", () =>
    example(Effect.gen(function*() {
      const proc = yield* launch(["node", "log.js"])
      const { bytes, errors, header } = yield* readme.follow(proc)
      expect(header).toEqual(["header: service log", "header: format 1"])
      expect(Chunk.toReadonlyArray(errors)).toEqual([
        "ERROR item 4 failed",
        "ERROR item 8 failed",
        "ERROR item 12 failed"
      ])
      expect(bytes).toBeGreaterThan(0)
    })))

  it.live("the stderr relay: off, and at Debug", () => {
    const logs = captureLogs()
    return example(Effect.gen(function*() {
      const quiet = yield* readme.quiet
      yield* quiet.waitForOutput(["ready"])
      yield* readme.relayedAtDebug
      expect(logs.entries.some((entry) => entry.level === "DEBUG" && entry.message === "warming up")).toBe(true)
      expect(logs.entries.filter((entry) => entry.message === "warming up").length).toBe(1)
    })).pipe(Effect.provide(logs.layer))
  })

  it.live("readiness: api ready on its port; failOn reads stderr, where Node prints EADDRINUSE", () =>
    example(Effect.gen(function*() {
      const port = yield* freePort()
      expect(yield* Effect.scoped(withEnv({ API_PORT: String(port) }, readme.api))).toBe(port)
      // the port taken: the failure line comes on stderr and the process stays up; failOn ends readiness at once
      const taken = net.createServer()
      yield* Effect.async<void, Error>((resume) => {
        taken.once("error", (error) => resume(Effect.fail(error)))
        taken.listen(port, "127.0.0.1", () => resume(Effect.void))
      })
      const started = Date.now()
      const error = yield* Effect.flip(Effect.scoped(withEnv({ API_PORT: String(port) }, readme.api))).pipe(
        Effect.ensuring(Effect.sync(() => taken.close()))
      )
      expect(error).toMatchObject({ _tag: "ProcessError", reason: "ReadinessFailed" })
      expect(error.message).toContain("EADDRINUSE")
      expect(Date.now() - started).toBeLessThan(10_000) // not the 30 s readinessTimeout
    })))

  it.live("readiness over HTTP: healthy", () =>
    example(Effect.gen(function*() {
      if (!(yield* portIsFree(8080))) throw new Error("the healthy example needs 127.0.0.1:8080 free")
      const proc = yield* withEnv({ API_PORT: "8080" }, readme.healthy)
      expect(proc.pid).toBeGreaterThan(0)
    })))

  it.live("a pattern: postgresReady against output like PostgreSQL's", () =>
    example(Effect.gen(function*() {
      const line = "LOG:  database system is ready to accept connections"
      const proc = yield* launch(["sh", "-c", `echo "${line}" >&2; sleep 0.1; echo "${line}" >&2; sleep 30`])
      yield* proc.waitForOutput(readme.postgresReady, { timeout: "5 seconds" })
      const failing = yield* launch(["sh", "-c", `echo "FATAL:  data directory has wrong ownership" >&2; sleep 30`])
      const error = yield* Effect.flip(failing.waitForOutput(readme.postgresReady, { timeout: "5 seconds" }))
      expect(error).toMatchObject({ reason: "ReadinessFailed" })
    })))

  it.live("the go-plugin handshake", () =>
    example(Effect.gen(function*() {
      expect(yield* readme.plugin).toMatch(/^127\.0\.0\.1:\d+$/)
    })))

  it.live("resilient launch: flaky", () =>
    example(Effect.gen(function*() {
      const proc = yield* readme.flaky
      expect(proc.pid).toBeGreaterThan(0)
    })))

  it.live("supervision: a crash loop gives up, one log line per restart and one for giving up", () => {
    const logs = captureLogs()
    return example(Effect.gen(function*() {
      const exit = yield* withEnv({ WORKER_EXIT_AFTER: "300" }, Effect.exit(readme.supervised))
      expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toMatchObject({ reason: "GaveUp" })
      const restarts = logs.entries.filter((entry) =>
        /^node \(pid \d+\) exited with code 1 after \d+ms; restart \d in/.test(entry.message)
      )
      expect(restarts.map((entry) => entry.level)).toEqual(["INFO", "INFO", "INFO", "INFO"])
      const gaveUp = logs.entries.filter((entry) => entry.message.startsWith("giving up on node: start limit hit"))
      expect(gaveUp.map((entry) => entry.level)).toEqual(["ERROR"])
      const relayed = logs.entries.filter((entry) => entry.annotations.program === "node" && entry.level !== "DEBUG")
      for (const entry of relayed) expect(Object.keys(entry.annotations).sort()).toEqual(["pid", "program"])
    })).pipe(Effect.provide(Layer.merge(logs.layer, FetchHttpClient.layer)))
  })

  it.live("supervision: the quiet supervisor runs until its scope closes", () =>
    example(Effect.gen(function*() {
      const supervisor = yield* readme.quietSupervisor
      const current = yield* Effect.repeat(supervisor.current, { until: (option) => option._tag === "Some" })
      expect(current._tag).toBe("Some")
    })))

  it.live("processes as services: fleet", () =>
    example(Effect.gen(function*() {
      const list = yield* readme.fleet
      expect(list.map((entry) => entry.command)).toEqual([1, 2, 3].map((n) => ["node", "shard.js", String(n)]))
      for (const entry of list) expect(entry.status._tag).toBe("Running")
    })))

  it.live("processes as services: a layer (ManagedProcess.layer) through ProcessManager", () =>
    example(Effect.gen(function*() {
      const pids = yield* Effect.scoped(Effect.gen(function*() {
        yield* ProcessManager.launch(["node", "shard.js", "9"])
        return (yield* ProcessManager.list).map((entry) => entry.pid)
      })).pipe(Effect.provide(ProcessManager.layer))
      expect(pids.length).toBe(1)
    })))

  it.live("migrating from Command: the same Command code on this library's executor", () =>
    example(Effect.gen(function*() {
      expect(yield* readme.gitVersion).toMatch(/^git version /)
    })))

  it("compiled only: the PostgreSQL examples (this repository does not install PostgreSQL)", () => {
    expect(Effect.isEffect(readme.database)).toBe(true)
    expect(Layer.isLayer(readme.DatabaseLive)).toBe(true)
  })

  it("scaling out: the entity's definition; its runner and client (run against a real cluster in packages/cluster)", () => {
    expect(readme.Worker.type).toBe("Worker")
    expect(readme.Worker.define("acme").command).toEqual(["node", "worker.js", "--tenant", "acme"])
    expect(Layer.isLayer(readme.WorkerRunner)).toBe(true)
    expect(Effect.isEffect(readme.onboard("acme"))).toBe(true)
  })
})
