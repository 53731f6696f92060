/**
 * `pnpm bench:cluster`: how fast a cluster of 3 runners starts 100 instances, and how long a runner's SIGKILL takes
 * to turn into every one of its instances running (readiness seen) on a survivor, median and worst of 5 runs.
 * `CLUSTER_BENCH_QUICK=1` (the check) runs 30 instances and one failover. Real processes, real PostgreSQL; the
 * figures are written to `.bench/cluster.json` and printed.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"
// @ts-expect-error: a plain ES module script, without declarations
import { startPostgres } from "../../../scripts/postgres.mjs"
import {
  awaitExit,
  awaitReady,
  eventually,
  freePort,
  killBusiestRunner,
  killMarked,
  live,
  markedProcesses,
  placementOf,
  requireBuiltPackages,
  type Runner,
  runningOnce,
  startControl,
  startRunner,
  startSampler
} from "../test/harness.js"

const quick = process.env.CLUSTER_BENCH_QUICK === "1"
const INSTANCES = quick ? 30 : 100
const FAILOVERS = quick ? 1 : 5
const BOUND = 60_000

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

it(`starts ${INSTANCES} instances over 3 runners and fails over ${FAILOVERS} time(s)`, async () => {
  requireBuiltPackages()
  const marker = `cluster-bench-${process.pid}-${Date.now()}`
  const byeDir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-process-cluster-bench-"))
  const postgres = await startPostgres({ port: await freePort(), database: "effect_process_cluster_bench" })
  const runners: Array<Runner> = []
  const addRunner = async () => {
    const runner = await startRunner({ port: await freePort(), url: postgres.url, marker, byeDir })
    runners.push(runner)
    return runner
  }
  try {
    await addRunner()
    await Promise.all([addRunner(), addRunner()])
    const control = await startControl({ url: postgres.url, marker })
    const sampler = startSampler(marker)
    const ids = Array.from({ length: INSTANCES }, (_, i) => `bench-${i + 1}`)

    const startedAt = Date.now()
    const latencies = await Promise.all(ids.map(async (entityId) => {
      const sent = Date.now()
      const answer = await control.request({ op: "start", entityId }, BOUND)
      if (!answer.ok) throw new Error(`start ${entityId}: ${JSON.stringify(answer.error)}`)
      return Date.now() - sent
    }))
    const startAll = Date.now() - startedAt
    expect(runningOnce(marker, runners, ids)).toBe(true)

    const failovers: Array<{ instances: number; reapedMs: number; readyMs: number }> = []
    for (let run = 0; run < FAILOVERS; run++) {
      const { killedAt, owned, reapedMs } = await killBusiestRunner(marker, runners, 10_000)
      await eventually(() => runningOnce(marker, runners, ids), BOUND, () => "not every instance runs once")
      await awaitReady(control, runners, owned.map(({ id }) => id), killedAt + BOUND)
      failovers.push({ instances: owned.length, reapedMs, readyMs: Date.now() - killedAt })
      if (run < FAILOVERS - 1) {
        // Back to three runners, and wait until the instances that move to the new one run there.
        await addRunner()
        await eventually(
          () =>
            runningOnce(marker, runners, ids) &&
            live(runners).every((runner) =>
              [...placementOf(marker, runners).values()].some((p) => p.runner === runner)
            ),
          BOUND,
          () => "the cluster did not settle after a runner joined"
        )
        await awaitReady(control, runners, ids, Date.now() + BOUND)
      }
    }
    sampler.stop()
    expect(sampler.doubles).toEqual([])

    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      quick,
      instances: INSTANCES,
      runners: 3,
      startAllMs: startAll,
      startLatencyMedianMs: median(latencies),
      startLatencyWorstMs: Math.max(...latencies),
      failovers,
      failoverMedianMs: median(failovers.map((f) => f.readyMs)),
      failoverWorstMs: Math.max(...failovers.map((f) => f.readyMs)),
      reapedWorstMs: Math.max(...failovers.map((f) => f.reapedMs)),
      samples: sampler.samples,
      doubles: sampler.doubles.length
    }
    const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../.bench/cluster.json")
    fs.mkdirSync(path.dirname(out), { recursive: true })
    fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n")
    console.log(
      [
        `cluster benchmark (${quick ? "quick" : "full"}; ${os.cpus().length} cores, Node ${process.version})`,
        `  start ${INSTANCES} instances over 3 runners: ${startAll} ms (one start: median ${results.startLatencyMedianMs} ms, worst ${results.startLatencyWorstMs} ms)`,
        `  SIGKILL failover to every instance ready elsewhere, ${FAILOVERS} run(s): median ${results.failoverMedianMs} ms, worst ${results.failoverWorstMs} ms`,
        ...failovers.map((f, i) =>
          `    run ${i + 1}: ${f.instances} instances, reaped in ${f.reapedMs} ms, ready elsewhere in ${f.readyMs} ms`
        ),
        `  no instance ever ran twice: ${sampler.samples} samples of /proc, ${sampler.doubles.length} doubles`,
        `  written to .bench/cluster.json`
      ].join("\n")
    )

    control.child.stdin!.end()
    for (const runner of live(runners)) runner.child.kill("SIGTERM")
    await Promise.all(live(runners).map((runner) => awaitExit(runner, 30_000)))
    await awaitExit(control, 10_000)
    await eventually(() => markedProcesses(marker).length === 0, 10_000, () => JSON.stringify(markedProcesses(marker)))
  } catch (error) {
    // Keep what the programs said, for the failure's diagnosis.
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../.bench")
    fs.mkdirSync(dir, { recursive: true })
    for (const [i, runner] of runners.entries()) {
      fs.writeFileSync(path.join(dir, `cluster-runner-${i + 1}.log`), runner.output())
    }
    throw error
  } finally {
    killMarked(marker)
    await postgres.stop()
    fs.rmSync(byeDir, { recursive: true, force: true })
  }
}, 900_000)
