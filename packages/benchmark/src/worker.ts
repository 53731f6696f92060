/**
 * One measurement: `node dist/worker.js <scenario> <driver> <params JSON>`, forked by the orchestrator in a fresh
 * process so that its peak RSS is its own. Sends a `WorkerResult` over IPC (or prints it without IPC, for profiling
 * by hand with `node --cpu-prof`), after killing whatever the scenario left alive.
 */
import {
  commandLine,
  isLive,
  isWatchdog,
  killQuietly,
  liveChildrenOf,
  readStat,
  sleep,
  TAG_VARIABLE,
  taggedPids,
  waitUntil,
  writtenBytes
} from "./proc.js"
import type { Driver, DriverId, Measurement, Params, ScenarioId, WorkerResult } from "./types.js"

export const argvs = {
  throughput: (bytes: number) => ["head", "-c", String(bytes), "/dev/zero"],
  ready: (lines: number) => [
    "sh",
    "-c",
    `yes "noise: the quick brown fox jumps over the lazy dog" | head -n ${lines}; echo READY; exec sleep 1000`
  ],
  termIgnoring: ["sh", "-c", "trap '' TERM; exec sleep 1000"],
  grandchildren: ["sh", "-c", "sleep 1000 & sleep 1000 & wait"]
}

const MiB = 1024 * 1024

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

type Race<A> = { readonly done: true; readonly value: A } | { readonly done: false }

/** Waits for `promise` at most `ms`; a rejection is rethrown. */
const within = <A>(promise: Promise<A>, ms: number): Promise<Race<A>> => {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.then((value): Race<A> => ({ done: true, value })),
    new Promise<Race<A>>((resolve) => {
      timer = setTimeout(() => resolve({ done: false }), ms)
    })
  ]).finally(() => clearTimeout(timer))
}

const tag = process.env[TAG_VARIABLE] ?? `manual-${process.pid}`

/** Where the measured part starts (after imports, runtime set-up and warm-up): RSS growth and CPU count from here. */
const mark = { rss: process.memoryUsage().rss, cpu: process.cpuUsage() }
const markStart = () => {
  mark.rss = process.memoryUsage().rss
  mark.cpu = process.cpuUsage()
}

const loadDriver = async (id: DriverId): Promise<Driver> => {
  switch (id) {
    case "raw":
      return (await import("./drivers/raw.js")).driver
    case "execa":
      return (await import("./drivers/execa.js")).driver
    case "tinyexec":
      return (await import("./drivers/tinyexec.js")).driver
    case "command":
      return (await import("./drivers/command.js")).driver
    case "library":
      return (await import("./drivers/library.js")).driver
    case "libraryNoReaper":
      return (await import("./drivers/library.js")).driverWithoutReaper
    case "shell":
      throw new Error("the shell baselines have no driver")
  }
}

const runShell = async (scenario: ScenarioId, params: Params): Promise<Measurement> => {
  const { shell } = await import("./drivers/shell.js")
  switch (scenario) {
    case "spawnSequential": {
      const ms = await shell.forkExec(params.spawnCount)
      return { metrics: { median: ms / params.spawnCount } }
    }
    case "throughput": {
      const ms = await shell.pipe(params.throughputBytes)
      return { metrics: { mibPerSecond: params.throughputBytes / MiB / (ms / 1000), ms } }
    }
    default:
      throw new Error(`no shell baseline for ${scenario}`)
  }
}

const scenarios: Record<ScenarioId, (driver: Driver, params: Params) => Promise<Measurement>> = {
  spawnSequential: async (driver, params) => {
    await driver.spawnSequential(params.warmup)
    markStart()
    const latencies = await driver.spawnSequential(params.spawnCount)
    return {
      metrics: {
        median: median(latencies),
        p95: percentile(latencies, 95),
        mean: latencies.reduce((a, b) => a + b, 0) / latencies.length
      }
    }
  },
  spawnConcurrent: async (driver, params) => {
    await driver.spawnConcurrent(params.warmup, params.concurrency)
    markStart()
    const start = performance.now()
    await driver.spawnConcurrent(params.concurrentCount, params.concurrency)
    const ms = performance.now() - start
    return { metrics: { totalMs: ms, perProcess: ms / params.concurrentCount } }
  },
  throughput: async (driver, params) => {
    await driver.throughput(argvs.throughput(params.warmupBytes))
    markStart()
    const start = performance.now()
    const bytes = await driver.throughput(argvs.throughput(params.throughputBytes))
    const ms = performance.now() - start
    if (bytes !== params.throughputBytes) throw new Error(`counted ${bytes} bytes, expected ${params.throughputBytes}`)
    return { metrics: { mibPerSecond: bytes / MiB / (ms / 1000), ms } }
  },
  readyLine: async (driver, params) => {
    const samples: Array<number> = []
    for (let i = 0; i < params.readyIterations; i++) {
      samples.push(await driver.readyLine(argvs.ready(params.noiseLines)))
      // The previous child must be gone before the next one is timed.
      await waitUntil(() => taggedPids(tag).every(isWatchdog), 2000)
    }
    return { metrics: { ms: median(samples) } }
  },
  stopTermIgnoring: async (driver, params) => {
    const started = await driver.startTermIgnoring(argvs.termIgnoring, params.termCount, params.graceMs)
    // Only once every child ignores SIGTERM (it exec'd sleep after the trap) is the stop timed.
    const armed = await waitUntil(() => started.pids.every((pid) => readStat(pid)?.comm === "sleep"), 10_000)
    if (!armed) throw new Error("the TERM-ignoring children did not start")
    const start = performance.now()
    const stopping = started.stop()
    const result = await within(stopping, params.graceMs + params.hangBoundMs)
    const ms = performance.now() - start
    const alive = started.pids.filter(isLive).length
    if (!result.done) {
      // The driver cannot stop them: kill them ourselves so that its stop can finish.
      for (const pid of started.pids) killQuietly(pid)
      await within(stopping.catch(() => undefined), 5000)
      return { metrics: { alive }, outcome: `hangs (> ${params.graceMs + params.hangBoundMs} ms)` }
    }
    return { metrics: { ms, alive, overGrace: ms - params.graceMs }, outcome: alive === 0 ? "stopped" : "left alive" }
  },
  grandchildren: async (driver, params) => {
    const started = await driver.startOne(argvs.grandchildren)
    const leader = started.pids[0]!
    let sleeps: Array<number> = []
    const ready = await waitUntil(() => {
      sleeps = liveChildrenOf(leader).filter((child) => child.comm === "sleep").map((child) => child.pid)
      return sleeps.length === 2
    }, 10_000)
    if (!ready) throw new Error("the grandchildren did not start")
    const stopping = started.stop()
    const result = await within(stopping, params.stopBoundMs)
    await sleep(100) // signals in flight
    const survivors = sleeps.filter(isLive).length
    for (const pid of sleeps) killQuietly(pid)
    if (!result.done) await within(stopping.catch(() => undefined), 5000)
    return {
      metrics: { survivors },
      outcome: result.done ? undefined : `stop waits for the grandchildren (> ${params.stopBoundMs} ms)`
    }
  },
  collect: async (driver, params) => {
    await driver.collect(argvs.throughput(params.warmupBytes))
    markStart()
    const start = performance.now()
    const collecting = driver.collect(argvs.throughput(params.collectBytes))
    const result = await within(collecting, params.collectBoundMs)
    const ms = performance.now() - start
    if (!result.done) {
      for (const child of liveChildrenOf(process.pid)) killQuietly(child.pid)
      return { metrics: {}, outcome: `too slow (> ${params.collectBoundMs} ms)` }
    }
    const length = result.value
    if (length !== params.collectBytes) {
      throw new Error(`collected ${length} characters, expected ${params.collectBytes}`)
    }
    return { metrics: { ms } }
  },
  unread: async (driver, params) => {
    const start = performance.now()
    const started = await driver.startUnread(argvs.throughput(params.unreadBytes))
    const { pid } = started
    let settled: string | undefined
    started.done.then((outcome) => (settled = outcome), (error) => (settled = `failed: ${error}`))
    let written = 0
    let lastProgress = performance.now()
    let exitMs: number | undefined
    let verdict: string | undefined
    for (;;) {
      const now = performance.now()
      if (exitMs === undefined && !isLive(pid)) exitMs = now - start
      if (exitMs !== undefined && settled !== undefined) break
      const bytes = writtenBytes(pid)
      if (bytes !== undefined && bytes !== written) {
        written = bytes
        lastProgress = now
      }
      if (exitMs === undefined && now - lastProgress > params.stallMs) {
        verdict = `blocked after ${(written / MiB).toFixed(1)} MiB`
        break
      }
      if (now - start > params.unreadBoundMs) {
        verdict = `still running after ${params.unreadBoundMs} ms`
        break
      }
      await sleep(5)
    }
    if (verdict !== undefined) {
      killQuietly(pid)
      await within(started.done, 5000)
    }
    if (started.stop !== undefined) await within(started.stop(), 5000)
    const outcome = verdict ?? settled!
    return {
      metrics: exitMs === undefined || verdict !== undefined ? {} : { exitMs },
      outcome
    }
  }
}

const main = async () => {
  const [scenario, driverId, paramsJson] = process.argv.slice(2) as [ScenarioId, DriverId, string]
  const params = JSON.parse(paramsJson) as Params
  let measurement: Measurement | undefined
  let error: string | undefined
  const start = performance.now()
  try {
    if (driverId === "shell") {
      markStart()
      measurement = await runShell(scenario, params)
    } else {
      const driver = await loadDriver(driverId)
      await driver.init?.()
      markStart()
      measurement = await scenarios[scenario](driver, params)
    }
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e)
  }
  const maxRss = process.resourceUsage().maxRSS * 1024
  const cpu = process.cpuUsage(mark.cpu)
  const rssBefore = mark.rss
  const wallMs = performance.now() - start
  // Whatever is still alive once the scenario had a moment to settle is a leftover: kill it, and say so.
  const scenarioPids = () => taggedPids(tag).filter((pid) => !isWatchdog(pid))
  await waitUntil(() => scenarioPids().length === 0, 1000, 20)
  const leftovers = scenarioPids()
  const descriptions = leftovers.map((pid) => `${pid} ${commandLine(pid)}`)
  for (const pid of leftovers) killQuietly(pid)
  const remaining = (await waitUntil(() => leftovers.every((pid) => !isLive(pid)), 3000))
    ? []
    : leftovers.filter(isLive)
  const found = leftovers
  const result: WorkerResult = {
    ok: error === undefined && remaining.length === 0,
    measurement,
    error: error ?? (remaining.length > 0 ? `could not kill ${remaining.join(", ")}` : undefined),
    leftovers: found.length,
    leftoverDescriptions: descriptions,
    maxRss,
    rssBefore,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs
  }
  if (process.send !== undefined) {
    process.send(result, () => process.exit(0))
  } else {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n")
    process.exit(0)
  }
}

main()
