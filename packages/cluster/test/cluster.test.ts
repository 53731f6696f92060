/**
 * The cluster's guarantees, checked on a real cluster: three runner processes and a client-only control process on
 * loopback, storage in a real PostgreSQL started for the test, 30 instances of a Worker entity. Every check of what
 * runs reads the operating system (/proc), not the library.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error: a plain ES module script, without declarations
import { startPostgres } from "../../../scripts/postgres.mjs"
import {
  awaitExit,
  awaitReady,
  type Control,
  eventually,
  freePort,
  instanceProcesses,
  killBusiestRunner,
  killMarked,
  live,
  markedProcesses,
  placementOf,
  requireBuiltPackages,
  type Runner,
  runningOnce,
  sleep,
  startControl,
  startRunner,
  startSampler
} from "./harness.js"

const INSTANCES = Array.from({ length: 30 }, (_, i) => `w-${i + 1}`)
/** Instances whose process ignores SIGTERM, beside the 30 while a runner is SIGKILLed. */
const DEAF = Array.from({ length: 6 }, (_, i) => `deafk-${i + 1}`)
/** The bound for every instance of a dead runner to run again elsewhere (measured: about 2 to 3 s). */
const FAILOVER_BOUND = 30_000

const marker = `cluster-${process.pid}-${Date.now()}`
const byeDir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-process-cluster-"))
let postgres: { url: string; stop: () => Promise<void> }
let runners: Array<Runner> = []
let control: Control
let sampler: ReturnType<typeof startSampler>

const byes = (): Array<{ instanceId: string; pid: number }> => {
  const file = path.join(byeDir, "bye")
  if (!fs.existsSync(file)) return []
  return fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((line) => {
    const [instanceId, pid] = line.split(" ")
    return { instanceId: instanceId!, pid: Number(pid) }
  })
}

const liveRunners = () => live(runners)
const placement = () => placementOf(marker, runners)
const allRunningOnce = (ids: ReadonlyArray<string>) => runningOnce(marker, runners, ids)

const request = async (body: Record<string, unknown>) => {
  const answer = await control.request(body)
  if (!answer.ok) throw new Error(`${JSON.stringify(body)} failed: ${JSON.stringify(answer.error)}`)
  return answer.value
}

const allReady = (ids: ReadonlyArray<string>, deadline: number) => awaitReady(control, runners, ids, deadline)

beforeAll(async () => {
  requireBuiltPackages()
  postgres = await startPostgres({ port: await freePort(), database: "effect_process_cluster_test" })
  const ports = [await freePort(), await freePort(), await freePort()]
  // The first runner creates the cluster's tables; the other two join once they exist.
  runners = [await startRunner({ port: ports[0]!, url: postgres.url, marker, byeDir })]
  runners.push(
    ...await Promise.all(ports.slice(1).map((port) => startRunner({ port, url: postgres.url, marker, byeDir })))
  )
  control = await startControl({ url: postgres.url, marker })
  sampler = startSampler(marker)
}, 180_000)

afterAll(async () => {
  sampler?.stop()
  control?.child.stdin?.end()
  for (const runner of liveRunners()) runner.child.kill("SIGTERM")
  await Promise.all(liveRunners().map((runner) => awaitExit(runner, 30_000).catch(() => undefined)))
  if (control) await awaitExit(control, 10_000).catch(() => control.child.kill("SIGKILL"))
  // What the test started must all be gone: runners, control, every instance and anything they started.
  const survivors = await eventually(
    () => markedProcesses(marker).length === 0 ? [] : undefined,
    10_000,
    () => JSON.stringify(markedProcesses(marker))
  ).catch((error) => {
    killMarked(marker)
    throw error
  })
  expect(survivors).toEqual([])
  await postgres?.stop()
  fs.rmSync(byeDir, { recursive: true, force: true })
}, 120_000)

describe("a cluster of 3 runners and 30 instances", () => {
  it("starts every instance exactly once, spread over the runners, from a client-only node", async () => {
    const started = await Promise.all(INSTANCES.map((entityId) => request({ op: "start", entityId })))
    for (const [i, status] of started.entries()) {
      expect(status.entityId).toBe(INSTANCES[i])
      expect(status.state).toBe("Running")
      expect(runners.map((runner) => runner.address)).toContain(status.runner)
    }
    expect(allRunningOnce(INSTANCES)).toBe(true)
    // The status names the runner whose child the process is, by the operating system.
    const where = placement()
    for (const status of started) {
      expect(where.get(status.entityId)).toEqual({ pid: status.pid, runner: expect.anything() })
      expect(where.get(status.entityId)!.runner!.address).toBe(status.runner)
    }
    // Spread: with 30 shards over 3 runners, every runner has some.
    for (const runner of runners) expect(started.some((status) => status.runner === runner.address)).toBe(true)
    // The control process runs nothing.
    expect(markedProcesses(marker).filter((p) => p.ppid === control.pid)).toEqual([])
    // Starting a running instance returns its status and starts nothing new.
    const again = await request({ op: "start", entityId: "w-1" })
    expect(again.pid).toBe(started[0].pid)
    expect(instanceProcesses(marker).get("w-1")).toHaveLength(1)
  })

  it("status, tail and signal reach the instance on its owner", async () => {
    const status = await request({ op: "status", entityId: "w-2" })
    expect(status).toMatchObject({ entityId: "w-2", state: "Running", restarts: 0, lastExit: null })
    expect(status.uptimeMillis).toBeGreaterThanOrEqual(0)
    await eventually(
      () => instanceProcesses(marker).get("w-2") !== undefined,
      5_000,
      () => "w-2 is not running"
    )
    const lines: Array<string> = await request({ op: "tail", entityId: "w-2", lines: 3 })
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.length).toBeLessThanOrEqual(3)
    expect(lines.every((line) => /^(beat \d+|ready w-2 pid \d+)$/.test(line))).toBe(true)

    await request({ op: "signal", entityId: "w-2", signal: "SIGHUP" })
    let seen: Array<string> = []
    for (const deadline = Date.now() + 5_000; !seen.includes("hup w-2") && Date.now() < deadline; await sleep(100)) {
      seen = await request({ op: "tail", entityId: "w-2", lines: 50 })
    }
    expect(seen).toContain("hup w-2")

    const badSignal = await control.request({ op: "signal", entityId: "w-2", signal: "SIGNOPE" })
    expect(badSignal).toMatchObject({ ok: false, error: { tag: "InstanceError", reason: "InvalidRequest" } })
    const badLines = await control.request({ op: "tail", entityId: "w-2", lines: -1 })
    expect(badLines).toMatchObject({ ok: false, error: { tag: "InstanceError", reason: "InvalidRequest" } })
    // What a JavaScript caller can pass that the types forbid: a typed refusal, nothing sent.
    for (
      const bad of [
        { op: "tail", entityId: "w-2", lines: "5" },
        { op: "tail", entityId: "w-2", lines: 3, pipe: "stdnope" },
        { op: "signal", entityId: "w-2", signal: 9 },
        { op: "start", entityId: "" },
        { op: "status", entityId: "nul\u0000id" },
        { op: "start", entityId: "w-2", timeout: "-1 seconds" }
      ]
    ) {
      expect(await control.request(bad)).toMatchObject({
        ok: false,
        error: { tag: "InstanceError", reason: "InvalidRequest" }
      })
    }
    // A long entity id (the table's column is TEXT) works like any other.
    const long = `long-${"x".repeat(2000)}`
    expect(await request({ op: "start", entityId: long })).toMatchObject({ state: "Running" })
    expect(await request({ op: "stop", entityId: long })).toMatchObject({ state: "Stopped" })
    const neverStarted = await control.request({ op: "signal", entityId: "never-started", signal: "SIGHUP" })
    expect(neverStarted).toMatchObject({ ok: false, error: { tag: "InstanceError", reason: "NotRunning" } })
    // After all that, still exactly one process per instance.
    expect(allRunningOnce(INSTANCES)).toBe(true)
  })

  it("a runner SIGKILLed: its processes are reaped, every instance it owned runs again elsewhere, never twice", async () => {
    // Some ignore SIGTERM: the reaper's SIGKILL (after its 1 s grace) must come before their successors start.
    for (const entityId of DEAF) expect((await request({ op: "start", entityId })).state).toBe("Running")
    // The reaper: every process of the dead runner is gone (the watchdog sends SIGTERM, then SIGKILL after its grace).
    const { killedAt, owned, reapedMs: reapedAfter, victim } = await killBusiestRunner(marker, runners, 5_000)
    expect(owned.length).toBeGreaterThan(0)

    const all = [...INSTANCES, ...DEAF]
    await eventually(() => allRunningOnce(all), FAILOVER_BOUND, () => {
      const byId = instanceProcesses(marker)
      return `not running once: ${all.filter((id) => byId.get(id)?.length !== 1).join(", ")}`
    })
    await allReady(owned.map(({ id }) => id), killedAt + FAILOVER_BOUND)
    const failoverAfter = Date.now() - killedAt
    const deafOwned = owned.filter(({ id }) => id.startsWith("deafk-")).length
    console.log(
      `SIGKILL failover: ${owned.length} instances (${deafOwned} ignoring SIGTERM) reaped in ${reapedAfter} ms, ` +
        `all running again ${failoverAfter} ms after the kill`
    )
    const after = placement()
    // The TERM-ignoring ones are stopped again (4 s grace each, together), out of the way of the next tests.
    const deafStopped = await Promise.all(DEAF.map((entityId) => request({ op: "stop", entityId })))
    for (const { id } of owned) expect(after.get(id)!.runner).not.toBe(victim)
    // (The survivors' instances may move too: the cluster rebalances its hash ring over the runners left.)
    const status = await request({ op: "status", entityId: owned[0]!.id })
    expect(status.state).toBe("Running")
    expect(status.runner).not.toBe(victim.address)
    expect(sampler.doubles).toEqual([])
    for (const status of deafStopped) expect(status.state).toBe("Stopped")
  })

  it("a runner shut down gracefully stops its instances gracefully; they start elsewhere; a stopped one stays stopped", async () => {
    const before = placement()
    const survivors = liveRunners()
    expect(survivors).toHaveLength(2)
    const leaving = survivors[0]!
    const owned = [...before].filter(([, p]) => p.runner === leaving).map(([id, p]) => ({ id, pid: p.pid }))
    expect(owned.length).toBeGreaterThan(1)
    // One of the leaving runner's instances is stopped first: it must stay stopped after its shard moves.
    const stopped = owned[0]!
    const stopStatus = await request({ op: "stop", entityId: stopped.id })
    expect(stopStatus.state).toBe("Stopped")
    await eventually(
      () => !instanceProcesses(marker).has(stopped.id),
      10_000,
      () => `${stopped.id} still runs after stop`
    )
    expect(byes()).toContainEqual({ instanceId: stopped.id, pid: stopped.pid })
    const moving = owned.slice(1)

    const shutdownAt = Date.now()
    leaving.child.kill("SIGTERM")
    const exit = await awaitExit(leaving, 60_000)
    const exitedAfter = Date.now() - shutdownAt
    expect(exit.code).toBe(0)
    // Every instance it ran was stopped gracefully (SIGTERM, its handler ran) before the runner exited.
    for (const { id, pid } of moving) expect(byes()).toContainEqual({ instanceId: id, pid })
    const running = INSTANCES.filter((id) => id !== stopped.id)
    await eventually(() => allRunningOnce(running), FAILOVER_BOUND, () => {
      const byId = instanceProcesses(marker)
      return `not running once: ${
        running.filter((id) => byId.get(id)?.length !== 1).map((id) => `${id} ${JSON.stringify(byId.get(id))}`).join(
          ", "
        )
      }; runners ${JSON.stringify(liveRunners().map((r) => [r.pid, r.address]))}`
    })
    await allReady(moving.map(({ id }) => id), shutdownAt + FAILOVER_BOUND)
    console.log(
      `graceful shutdown: the runner exited ${exitedAfter} ms after SIGTERM, its ${moving.length} instances ran elsewhere ${
        Date.now() - shutdownAt
      } ms after it`
    )
    const after = placement()
    for (const { id } of moving) expect(after.get(id)!.runner).toBe(liveRunners()[0])
    // The stopped instance stays stopped on its new owner.
    await sleep(2_000)
    expect(instanceProcesses(marker).has(stopped.id)).toBe(false)
    const status = await request({ op: "status", entityId: stopped.id })
    expect(status.state).toBe("Stopped")
    expect(status.runner).toBe(liveRunners()[0]!.address)
    expect(sampler.doubles).toEqual([])

    // And it starts again when asked.
    const restarted = await request({ op: "start", entityId: stopped.id })
    expect(restarted.state).toBe("Running")
    expect(allRunningOnce(INSTANCES)).toBe(true)
  })

  it(
    "a stop of a process that ignores SIGTERM returns once its group is gone, after the grace; then one process",
    async () => {
      const started = await request({ op: "start", entityId: "deaf-1" })
      expect(started.state).toBe("Running")
      const stopAt = Date.now()
      const stopped = await request({ op: "stop", entityId: "deaf-1" })
      const took = Date.now() - stopAt
      expect(stopped.state).toBe("Stopped")
      // The grace (16 s) ran out and the group was killed before the answer.
      expect(took).toBeGreaterThanOrEqual(15_000)
      expect(markedProcesses(marker).some((p) => p.pid === started.pid)).toBe(false)
      const again = await request({ op: "start", entityId: "deaf-1" })
      expect(instanceProcesses(marker).get("deaf-1")?.map((p) => p.pid)).toEqual([again.pid])
      await request({ op: "stop", entityId: "deaf-1" })
      expect(sampler.doubles).toEqual([])
    },
    120_000
  )

  it("stop from the client ends every instance; nothing runs twice over the whole test", async () => {
    const stopped = await Promise.all(INSTANCES.map((entityId) => request({ op: "stop", entityId })))
    expect(stopped.every((status) => status.state === "Stopped")).toBe(true)
    await eventually(() => instanceProcesses(marker).size === 0, 10_000, () => JSON.stringify([...placement().keys()]))
    expect(sampler.samples).toBeGreaterThan(100)
    expect(sampler.doubles).toEqual([])
  })
})
