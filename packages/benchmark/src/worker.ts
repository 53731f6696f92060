/**
 * One measurement: `node dist/worker.js <scenario> <driver> <params JSON>`, forked by the orchestrator in a fresh
 * process so that its peak RSS is its own. Sends a `WorkerResult` over IPC (or prints it without IPC, for profiling
 * by hand with `node --cpu-prof`), after killing whatever the scenario left alive.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
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
import {
  type Driver,
  type DriverId,
  type Measurement,
  NODE22_DRIVERS,
  type Params,
  type ScenarioId,
  type WorkerResult
} from "./types.js"

export const argvs = {
  throughput: (bytes: number) => ["head", "-c", String(bytes), "/dev/zero"],
  ready: (lines: number) => [
    "sh",
    "-c",
    `yes "noise: the quick brown fox jumps over the lazy dog" | head -n ${lines}; echo READY; exec sleep 1000`
  ],
  lines: (lines: number) => ["sh", "-c", `yes "noise: the quick brown fox jumps over the lazy dog" | head -n ${lines}`],
  stderrFlood: (lines: number) => ["sh", "-c", `yes "stderr noise line" | head -n ${lines} >&2`],
  idle: ["sleep", "1000"],
  termIgnoring: ["sh", "-c", "trap '' TERM; exec sleep 1000"],
  grandchildren: ["sh", "-c", "sleep 1000 & sleep 1000 & wait"]
}

const MiB = 1024 * 1024

/** The interval of the event-loop delay monitor of the stderrRelay scenario; the lag reported is what exceeds it. */
export const LAG_RESOLUTION_MS = 10
/** Idle processes launched and stopped before the idleHeap measurement (what a first launch allocates once). */
const IDLE_WARMUP = 5
/** How long stopping the idle processes may take before it is reported as hanging. */
const IDLE_STOP_BOUND_MS = 10_000

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

/**
 * A driver of packages/benchmark-effect4 (built next to this package: `pnpm bench` builds both), loaded by its path
 * so that this package, on effect 3, neither depends on it nor type-checks effect 4 code.
 */
const effect4Driver = async (module: string, name = "driver"): Promise<Driver> => {
  const url = new URL(`../../benchmark-effect4/dist/drivers/${module}.js`, import.meta.url)
  const exports = (await import(url.href)) as Record<string, Driver | undefined>
  const driver = exports[name]
  if (driver === undefined) throw new Error(`${url.pathname} has no export ${name}`)
  return driver
}

const NODE22_FLOOR = [22, 19] as const

const loadDriver = async (id: DriverId): Promise<Driver> => {
  if (NODE22_DRIVERS.includes(id)) {
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number]
    if (major < NODE22_FLOOR[0] || (major === NODE22_FLOOR[0] && minor < NODE22_FLOOR[1])) {
      throw new Error(`the ${id} driver needs Node >= ${NODE22_FLOOR.join(".")}; this worker runs ${process.version}`)
    }
  }
  switch (id) {
    case "raw":
      return (await import("./drivers/raw.js")).driver
    case "rawEffect":
      return (await import("./drivers/rawEffect.js")).driver
    case "execa":
      return (await import("./drivers/execa.js")).driver
    case "tinyexec":
      return (await import("./drivers/tinyexec.js")).driver
    case "command":
      return (await import("./drivers/command.js")).driver
    case "commandOnLibrary":
      return (await import("./drivers/command.js")).driverOnLibrary
    case "library":
      return (await import("./drivers/library.js")).driver
    case "libraryNoReaper":
      return (await import("./drivers/library.js")).driverWithoutReaper
    case "libraryNoRelay":
      return (await import("./drivers/library.js")).driverWithoutRelay
    case "shell":
      throw new Error("the shell baselines have no driver")
    case "raw22":
      return (await import("./drivers/raw.js")).driver
    case "library22":
      return (await import("./drivers/library.js")).driver
    case "rawEffect4":
      return effect4Driver("rawEffect4")
    case "effect4":
      return effect4Driver("effect4")
    case "spawner4":
      return effect4Driver("spawner4")
    case "library4":
      return effect4Driver("library4")
    case "library4NoRelay":
      return effect4Driver("library4", "driverWithoutRelay")
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

/** The median of `readyIterations` times to READY. */
const readySamples = async (
  ready: (argv: ReadonlyArray<string>) => Promise<number>,
  params: Params
): Promise<Measurement> => {
  const samples: Array<number> = []
  for (let i = 0; i < params.readyIterations; i++) {
    samples.push(await ready(argvs.ready(params.noiseLines)))
    // The previous child must be gone before the next one is timed.
    await waitUntil(() => taggedPids(tag).every(isWatchdog), 2000)
  }
  return { metrics: { ms: median(samples) } }
}

/** A full garbage collection, finalizers included (the worker runs with --expose-gc for the idleHeap scenario). */
const collectGarbage = async (): Promise<void> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("the idleHeap scenario needs node --expose-gc")
  gc()
  await sleep(10)
  gc()
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
  lines: async (driver, params) => {
    await driver.lines(argvs.lines(params.warmupLines))
    markStart()
    const start = performance.now()
    const count = await driver.lines(argvs.lines(params.lineCount))
    const ms = performance.now() - start
    if (count !== params.lineCount) throw new Error(`counted ${count} lines, expected ${params.lineCount}`)
    return { metrics: { ms } }
  },
  readyLine: (driver, params) => readySamples(driver.readyLine, params),
  readyViaLines: (driver, params) => readySamples(driver.readyViaLines, params),
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
  },
  stderrRelay: async (driver, params) => {
    const flood = driver.startStderrFlood
    if (flood === undefined) throw new Error("the driver has no stderrRelay scenario")
    const warm = await flood(argvs.stderrFlood(params.warmupStderrLines))
    await warm.done
    await warm.stop?.()
    markStart()
    // Records the interval between two runs of a 10 ms timer: the lag is how much the largest exceeded 10 ms.
    const histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS })
    histogram.enable()
    const start = performance.now()
    const started = await flood(argvs.stderrFlood(params.stderrLines))
    const result = await within(started.done, params.stderrBoundMs)
    const exitMs = performance.now() - start
    // The monitor records an interval when its timer runs: let it run once after a stall that ended with the exit.
    await sleep(LAG_RESOLUTION_MS + 1)
    histogram.disable()
    const lagMs = Math.max(0, histogram.max / 1e6 - LAG_RESOLUTION_MS)
    if (!result.done) {
      killQuietly(started.pid)
      await within(started.done, 5000)
      if (started.stop !== undefined) await within(started.stop(), 5000)
      return { metrics: { lagMs }, outcome: `too slow (> ${params.stderrBoundMs} ms)` }
    }
    const stopStart = performance.now()
    if (started.stop !== undefined) await within(started.stop(), 5000)
    return { metrics: { exitMs, lagMs, stopMs: performance.now() - stopStart }, outcome: result.value }
  },
  idleHeap: async (driver, params) => {
    const allSleeping = (pids: ReadonlyArray<number>) => pids.every((pid) => readStat(pid)?.comm === "sleep")
    // What the first launches allocate once (lazy modules, JIT code, caches) is not a cost per process.
    const warm = await driver.startIdle(argvs.idle, Math.min(IDLE_WARMUP, params.idleCount))
    await waitUntil(() => allSleeping(warm.pids), 10_000)
    await warm.stop()
    await waitUntil(() => warm.pids.every((pid) => !isLive(pid)), 2000)
    await sleep(50)
    await collectGarbage()
    markStart()
    const before = process.memoryUsage().heapUsed
    const started = await driver.startIdle(argvs.idle, params.idleCount)
    if (!(await waitUntil(() => allSleeping(started.pids), 10_000))) throw new Error("the idle children did not start")
    await sleep(100) // whatever the driver sets up for each process once it runs
    await collectGarbage()
    const after = process.memoryUsage().heapUsed
    const stopStart = performance.now()
    const stopping = started.stop()
    const result = await within(stopping, IDLE_STOP_BOUND_MS)
    const stopMs = performance.now() - stopStart
    const heapPerProcess = (after - before) / params.idleCount
    if (!result.done) {
      for (const pid of started.pids) killQuietly(pid)
      await within(stopping.catch(() => undefined), 5000)
      return { metrics: { heapPerProcess }, outcome: `stop hangs (> ${IDLE_STOP_BOUND_MS} ms)` }
    }
    return { metrics: { heapPerProcess, stopMs } }
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
