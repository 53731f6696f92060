/**
 * `pnpm bench [--quick] [--scenario a,b] [--driver x,y] [--reps n]`: runs every (scenario, driver, repetition) in a
 * fresh worker process, prints the table (each figure with its ratio to raw `node:child_process` of the same run and
 * Node version), marks the targets of effect-process met or missed, and writes results/<name>.json and .md.
 *
 * The Effect 4 drivers (packages/benchmark-effect4) and the raw and Effect 3 drivers run again under Node 22 (Effect 4
 * needs >= 22.19), which the orchestrator gets from the npm registry with `npx -p node@22`, as `pnpm test:effect4` does.
 *
 * Exits non-zero only when a driver crashed (a worker failed, or ran past its hard bound) or effect-process left a
 * process behind; timings are never asserted, so `--quick` can run in CI.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import { commandLine, killTagged, TAG_VARIABLE, taggedPids, waitUntil } from "./proc.js"
import {
  type DriverId,
  DRIVERS,
  NODE22_DRIVERS,
  type Params,
  type ScenarioId,
  SCENARIOS,
  type WorkerResult
} from "./types.js"

const MiB = 1024 * 1024

// -----------------------------------------------------------------------------------------------------------------
// Configuration
// -----------------------------------------------------------------------------------------------------------------

const FULL: Params = {
  spawnCount: 200,
  concurrentCount: 200,
  concurrency: 16,
  warmup: 5,
  throughputBytes: 512 * MiB,
  warmupBytes: 16 * MiB,
  noiseLines: 200_000,
  lineCount: 200_000,
  warmupLines: 20_000,
  readyIterations: 3,
  termCount: 20,
  graceMs: 500,
  hangBoundMs: 1500,
  stopBoundMs: 2000,
  collectBytes: 64 * MiB,
  collectBoundMs: 5000,
  unreadBytes: 1024 * MiB,
  unreadBoundMs: 20_000,
  stallMs: 1000,
  stderrLines: 200_000,
  warmupStderrLines: 2000,
  stderrBoundMs: 60_000,
  idleCount: 200
}

const QUICK: Params = {
  spawnCount: 20,
  concurrentCount: 32,
  concurrency: 16,
  warmup: 2,
  throughputBytes: 8 * MiB,
  warmupBytes: 1 * MiB,
  noiseLines: 2000,
  lineCount: 2000,
  warmupLines: 200,
  readyIterations: 1,
  termCount: 4,
  graceMs: 200,
  hangBoundMs: 800,
  stopBoundMs: 1000,
  collectBytes: 1 * MiB,
  collectBoundMs: 5000,
  unreadBytes: 32 * MiB,
  unreadBoundMs: 10_000,
  stallMs: 500,
  stderrLines: 2000,
  warmupStderrLines: 200,
  stderrBoundMs: 20_000,
  idleCount: 20
}

const FULL_REPS: Record<ScenarioId, number> = {
  spawnSequential: 5,
  spawnConcurrent: 5,
  throughput: 5,
  lines: 5,
  readyLine: 5,
  readyViaLines: 5,
  stopTermIgnoring: 3,
  grandchildren: 3,
  collect: 5,
  unread: 3,
  stderrRelay: 3,
  idleHeap: 3
}

const LABELS: Record<DriverId, string> = {
  raw: "node:child_process",
  rawEffect: "node:child_process, Effect loaded",
  execa: "execa",
  tinyexec: "tinyexec",
  command: "@effect/platform Command",
  commandOnLibrary: "Command on effect-process's executor",
  library: "effect-process",
  libraryNoReaper: "effect-process without the reaper",
  libraryNoRelay: "effect-process, relayStderr: false",
  shell: "shell baseline",
  raw22: "node:child_process, Node 22",
  rawEffect4: "node:child_process, Effect 4 loaded",
  effect4: "Effect 4 ChildProcessSpawner",
  spawner4: "ChildProcess on effect-process's spawner",
  library4: "effect-process, Effect 4 line",
  library4NoRelay: "effect-process 4, relayStderr: false",
  library22: "effect-process (Effect 3), Node 22"
}

/** How each driver was used, printed under the table. */
const USAGE: Record<DriverId, string> = {
  raw: "spawn(); 'close' (run to completion) or 'exit' (stop); kill() + setTimeout(SIGKILL) for the grace;" +
    " readyLine scans the 'data' chunks; lines and readyViaLines: readline.createInterface({ input: child.stdout })" +
    " with 'line' events (the readline docs call them faster than for await), close() + kill() on READY;" +
    " stderrRelay: stderr drained by a 'data' listener, 'exit'; idleHeap: spawn() with its three pipes, kill() + 'exit'",
  rawEffect: "the raw driver's code, unchanged, in a worker that first imported the whole effect and" +
    " @effect/platform-node packages and built ManagedRuntime.make(NodeContext.layer): the floor of an Effect program;" +
    " the targets of effect-process are judged against it",
  execa: "await execa(); iterable({ binary: true }) for bytes; for await of execa() lines (lines; readyLine and" +
    " readyViaLines: kill() and break on READY); forceKillAfterDelay; kill(); idleHeap: execa() kept, kill()",
  tinyexec: "await x(); proc.process.stdout for bytes (no byte stream); for await of x() lines (lines; readyLine and" +
    " readyViaLines: break and kill() on READY); kill() + manual SIGKILL; idleHeap: x() kept, kill()",
  command: "Command.exitCode / stream / string; streamLines + Stream.runCount (lines), + takeUntil (readyLine)," +
    " + Stream.find + Stream.runHead (readyViaLines; leaving the stream stops the child); start() in a Scope," +
    " stopped by closing it (its only grace-less stop; idleHeap too)",
  commandOnLibrary: "the Command driver's code, unchanged, with NodeCommandExecutor.layer from @effect-process/node" +
    " in place of platform-node's",
  library: "ManagedProcess.run / make in a Scope (concurrentFinalizers), stdout stream, waitForOutput(regex)" +
    " (readyLine), proc.lines + Stream.runCount then awaitExit (lines), proc.lines + Stream.find + Stream.runHead" +
    " (readyViaLines), make + awaitExit with the default stderr relay to the Effect logger (stderrRelay)," +
    " make in a Scope with default options (idleHeap), scope close",
  libraryNoReaper: "the same with NodeProcess.layerWithoutReaper: the parent-death watchdog's cost on launches",
  libraryNoRelay: "stderrRelay only: ManagedProcess.make(argv, { relayStderr: false }) + awaitExit, scope close",
  shell: "sh -c: 'head -c N /dev/zero | cat > /dev/null' and a while loop of /bin/true",
  raw22: "the raw driver's code, unchanged, in a Node 22 worker: the baseline (x raw) of the Node 22 rows",
  rawEffect4: "the raw driver's code, unchanged, in a Node 22 worker that first imported the whole effect 4 and" +
    " @effect/platform-node 4 packages and built ManagedRuntime.make(NodeServices.layer): the floor of an Effect 4" +
    " program (x Eff of the Effect 4 rows); the targets of effect-process's Effect 4 line are judged against it",
  effect4: "Effect 4's own spawner: NodeChildProcessSpawner.layer of @effect/platform-node 4 (with NodeFileSystem and" +
    " NodePath); ChildProcessSpawner.exitCode (spawns) / string (collect) / streamLines + Stream.runCount (lines)," +
    " + takeUntil (readyLine), + Stream.filter + Stream.runHead (readyViaLines; leaving the stream stops the child);" +
    " `yield* ChildProcess.make(...)` for a handle in a Scope (Scope.make(\"parallel\")): handle.stdout (throughput)," +
    " handle.exitCode (unread), closing the scope (stop, grandchildren, idleHeap); { forceKillAfter: grace } for the" +
    " SIGTERM-ignoring children (without it the release waits for the exit with no limit); no stderrRelay scenario" +
    " (Effect 4 has no relay of stderr)",
  spawner4: "the effect4 driver's code, unchanged, with NodeChildProcessSpawner.layer from" +
    " @effect-process/platform-node (the drop-in, with the parent-death reaper) in place of platform-node's; x E4 is" +
    " its ratio to Effect 4's own spawner",
  library4: "the library driver's code on effect-process's Effect 4 line: ManagedProcess with NodeProcess.layer of" +
    " @effect-process/platform-node, Scope.make(\"parallel\") for concurrentFinalizers, Stream.filter + runHead for" +
    " Stream.find (readyViaLines)",
  library4NoRelay: "stderrRelay only: the Effect 4 line with ManagedProcess.make(argv, { relayStderr: false })",
  library22:
    "the library driver (effect-process's Effect 3 line, effect 3.22), unchanged, in a Node 22 worker: the two" +
    " lines under one Node version (x Eff: none, no Effect 3-loaded raw runs under Node 22)"
}

interface Column {
  readonly key: string
  readonly label: string
  readonly unit: "ms" | "MiB/s" | "count" | "bytes"
  readonly better: "lower" | "higher"
  /** Whether the column shows ratios to the baselines. Default: unless the unit is "count". */
  readonly ratio?: boolean
}

const hasRatio = (column: Column) => column.ratio ?? column.unit !== "count"

type Results = Partial<Record<DriverId, Aggregate>>

/** A target's verdict and the figures behind it ("1.31x Effect-loaded raw, target <= 1.15x: MISSED by 14%"). */
interface Verdict {
  readonly met: boolean | undefined
  readonly detail: string
}

type Check = (results: Results, params: Params, line: Line) => Verdict

interface ScenarioMeta {
  readonly title: (params: Params) => string
  readonly columns: ReadonlyArray<Column>
  readonly drivers: ReadonlyArray<DriverId>
  /** The target of a line of effect-process, as words, and its check over the aggregated figures of the run. */
  readonly target: (params: Params, line: Line) => string
  readonly check: Check
  /** The figure of the markdown summary. */
  readonly summary: string
}

/** The two baselines: bare raw node:child_process, and the same code in a process that has loaded Effect. */
const BASELINES = ["raw", "rawEffect"] as const
/** The same two under Node 22, the second with Effect 4 loaded: the baselines of the Node 22 drivers. */
const BASELINES22 = ["raw22", "rawEffect4"] as const
/** The Node 22 drivers of every scenario but stderrRelay (Effect 4's spawner has no relay). */
const NODE22_SCENARIO_DRIVERS: ReadonlyArray<DriverId> = [
  ...BASELINES22,
  "effect4",
  "spawner4",
  "library4",
  "library22"
]
const NODE_DRIVERS: ReadonlyArray<DriverId> = [
  ...BASELINES,
  "execa",
  "tinyexec",
  "command",
  "commandOnLibrary",
  "library"
]
/** The launch scenarios also measure the library without its parent-death watchdog, to show what it costs. */
const SPAWN_DRIVERS: ReadonlyArray<DriverId> = [...NODE_DRIVERS, "libraryNoReaper"]
/** The drivers whose crashes and leftovers fail a full run (the others' are measured outcomes): effect-process's. */
const FAILING_DRIVERS: ReadonlyArray<DriverId> = [
  "library",
  "libraryNoRelay",
  "library4",
  "library4NoRelay",
  "library22",
  "spawner4"
]
/** The other libraries, which some targets require effect-process to beat. */
const PEERS: ReadonlyArray<DriverId> = ["command", "execa", "tinyexec"]
const SHORT_NAMES: Partial<Record<DriverId, string>> = {
  rawEffect: "Effect-loaded raw",
  command: "Command",
  libraryNoRelay: "relayStderr: false",
  raw22: "raw (Node 22)",
  rawEffect4: "Effect 4-loaded raw",
  effect4: "Effect 4's spawner",
  spawner4: "the drop-in",
  library4NoRelay: "relayStderr: false"
}
const shortName = (driver: DriverId) => SHORT_NAMES[driver] ?? LABELS[driver]

/**
 * The baselines of a driver's ratios: x raw, node:child_process of the same Node version; x Eff, the same code in a
 * worker that has loaded the same Effect (none for the Effect 3 line under Node 22: no Effect 3-loaded raw runs there).
 */
const baselinesOf = (driver: DriverId): { readonly raw: DriverId; readonly floor: DriverId | undefined } =>
  driver === "library22"
    ? { raw: "raw22", floor: undefined }
    : NODE22_DRIVERS.includes(driver)
    ? { raw: "raw22", floor: "rawEffect4" }
    : { raw: "raw", floor: "rawEffect" }

/** The drivers whose figures also get a ratio to Effect 4's own spawner (x E4). */
const VERSUS_EFFECT4: ReadonlyArray<DriverId> = ["spawner4", "library4"]

/** A line of effect-process, and the drivers its targets are judged against. */
interface Line {
  readonly id: "effect3" | "effect4"
  /** How the console names it: "target (effect-process)". */
  readonly name: string
  readonly subject: DriverId
  /** The Effect-loaded raw baseline of the ratio targets. */
  readonly floor: DriverId
  /** The subject with `relayStderr: false` (stderrRelay). */
  readonly noRelay: DriverId
  /** The peers some targets require beating, and the one whose streamLines a line API must not be slower than. */
  readonly peers: ReadonlyArray<DriverId>
  readonly linePeer: DriverId
  readonly peersText: string
  readonly linePeerText: string
}

const LINES: ReadonlyArray<Line> = [
  {
    id: "effect3",
    name: "effect-process",
    subject: "library",
    floor: "rawEffect",
    noRelay: "libraryNoRelay",
    peers: PEERS,
    linePeer: "command",
    peersText: "Command, execa and tinyexec",
    linePeerText: "Command.streamLines"
  },
  {
    // The same targets under Node 22, against Effect 4's floor; the peer is Effect 4's own spawner (execa and
    // tinyexec do not run under Node 22).
    id: "effect4",
    name: "effect-process, Effect 4 line",
    subject: "library4",
    floor: "rawEffect4",
    noRelay: "library4NoRelay",
    peers: ["effect4"],
    linePeer: "effect4",
    peersText: "Effect 4's spawner",
    linePeerText: "Effect 4's streamLines"
  }
]

const ratioOf = (a: Aggregate, b: Aggregate | undefined, key: string): number | undefined => {
  const x = a.metrics[key]
  const y = b?.metrics[key]
  return x === undefined || y === undefined || y === 0 ? undefined : x / y
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`
const KiB = 1024

// --- target checks ------------------------------------------------------------------------------------------------

type Op = "<=" | ">=" | "<" | ">"

const holds = (value: number, op: Op, limit: number): boolean =>
  op === "<=" ? value <= limit : op === ">=" ? value >= limit : op === "<" ? value < limit : value > limit

/** How far `value` is on the wrong side of `limit`, relative to the limit. */
const missedBy = (value: number, op: Op, limit: number): string => {
  if (limit === 0) return "MISSED"
  const by = op.startsWith("<") ? value / limit - 1 : 1 - value / limit
  return `MISSED by ${by < 0.1 ? (by * 100).toFixed(1) : (by * 100).toFixed(0)}%`
}

const noFigure = (agg: Aggregate | undefined): Verdict => ({
  met: false,
  detail: `no figure (${agg === undefined ? "not run" : fallback(agg)})`
})

/** effect-process's figure as a ratio to that of its line's `base` (Effect-loaded raw, or relayStderr: false). */
const ratioTarget = (key: string, op: Op, limit: number, role: "floor" | "noRelay" = "floor"): Check => (r, _, l) => {
  const base = l[role]
  const lib = r[l.subject]
  const value = lib?.metrics[key]
  if (value === undefined) return noFigure(lib)
  const baseValue = r[base]?.metrics[key]
  if (baseValue === undefined || baseValue === 0) return { met: undefined, detail: `no ${shortName(base)} figure` }
  const ratio = value / baseValue
  const met = holds(ratio, op, limit)
  return {
    met,
    detail: `${ratio.toFixed(2)}x ${shortName(base)}, target ${op} ${limit}x: ${
      met ? "met" : missedBy(ratio, op, limit)
    }`
  }
}

/** effect-process's figure against a fixed limit. */
const limitTarget =
  (key: string, op: Op, limit: number, format: (value: number) => string, what = ""): Check => (r, _, l) => {
    const value = r[l.subject]?.metrics[key]
    if (value === undefined) return noFigure(r[l.subject])
    const met = holds(value, op, limit)
    return {
      met,
      detail: `${format(value)}${what}, target ${op} ${format(limit)}: ${met ? "met" : missedBy(value, op, limit)}`
    }
  }

/** effect-process's figure against that of another driver of the same run (a peer without a figure is beaten). */
const peerTarget =
  (key: string, op: Op, peerOf: (line: Line) => DriverId, format: (value: number) => string): Check => (r, _, l) => {
    const peer = peerOf(l)
    const value = r[l.subject]?.metrics[key]
    if (value === undefined) return noFigure(r[l.subject])
    const agg = r[peer]
    if (agg === undefined) return { met: undefined, detail: `${shortName(peer)} not run` }
    const peerValue = agg.metrics[key]
    if (peerValue === undefined) return { met: true, detail: `${shortName(peer)}: ${fallback(agg)}: met` }
    const met = holds(value, op, peerValue)
    return {
      met,
      detail: `${format(value)} vs ${shortName(peer)} ${format(peerValue)}: ${
        met ? "met" : missedBy(value, op, peerValue)
      }`
    }
  }

/** Every part must hold; a part that cannot be judged (a baseline missing) makes the whole n/a unless one failed. */
const allOf = (...parts: ReadonlyArray<Check>): Check => (r, p, l) => {
  const verdicts = parts.map((part) => part(r, p, l))
  const met = verdicts.some((v) => v.met === false)
    ? false
    : verdicts.some((v) => v.met === undefined)
    ? undefined
    : true
  return { met, detail: verdicts.map((v) => v.detail).join("; ") }
}

const beatsPeers = (key: string, op: Op, format: (value: number) => string): Check => (r, p, l) =>
  allOf(...l.peers.map((peer) => peerTarget(key, op, () => peer, format)))(r, p, l)

/** The line's Effect-loaded raw baseline, in a target's words. */
const floorName = (line: Line) => shortName(line.floor)

const ms = (value: number) => formatValue(value, "ms")
const mibPerSecond = (value: number) => formatValue(value, "MiB/s")

const META: Record<ScenarioId, ScenarioMeta> = {
  spawnSequential: {
    title: (p) => `spawn + exit of /bin/true, ${p.spawnCount} sequential: latency per process`,
    columns: [
      { key: "median", label: "median", unit: "ms", better: "lower" },
      { key: "p95", label: "p95", unit: "ms", better: "lower" }
    ],
    drivers: [...SPAWN_DRIVERS, "shell", ...NODE22_SCENARIO_DRIVERS],
    target: (_, l) => `median <= 1.15x ${floorName(l)}`,
    check: ratioTarget("median", "<=", 1.15),
    summary: "median"
  },
  spawnConcurrent: {
    title: (p) => `${p.concurrentCount} spawns of /bin/true, ${p.concurrency} in flight: total time`,
    columns: [{ key: "totalMs", label: "total", unit: "ms", better: "lower" }],
    drivers: [...SPAWN_DRIVERS, ...NODE22_SCENARIO_DRIVERS],
    target: (_, l) => `total <= 1.25x ${floorName(l)}, faster than ${l.peersText}`,
    check: allOf(ratioTarget("totalMs", "<=", 1.25), beatsPeers("totalMs", "<", ms)),
    summary: "totalMs"
  },
  throughput: {
    title: (p) => `stdout throughput, ${mib(p.throughputBytes)} of head -c /dev/zero, bytes counted`,
    columns: [{ key: "mibPerSecond", label: "throughput", unit: "MiB/s", better: "higher" }],
    drivers: [...NODE_DRIVERS, "shell", ...NODE22_SCENARIO_DRIVERS],
    target: (_, l) => `throughput >= 0.9x ${floorName(l)}, above ${l.peersText}`,
    check: allOf(ratioTarget("mibPerSecond", ">=", 0.9), beatsPeers("mibPerSecond", ">", mibPerSecond)),
    summary: "mibPerSecond"
  },
  lines: {
    title: (p) => `${p.lineCount.toLocaleString("en-US")} stdout lines counted through each driver's line API`,
    columns: [{ key: "ms", label: "time", unit: "ms", better: "lower" }],
    drivers: [...NODE_DRIVERS, ...NODE22_SCENARIO_DRIVERS],
    target: (_, l) => `<= 1.25x ${floorName(l)} readline, no slower than ${l.linePeerText}`,
    check: allOf(ratioTarget("ms", "<=", 1.25), peerTarget("ms", "<=", (l) => l.linePeer, ms)),
    summary: "ms"
  },
  readyLine: {
    title: (p) =>
      `time to a READY line after ${p.noiseLines.toLocaleString("en-US")} noise lines (library: waitForOutput)`,
    columns: [{ key: "ms", label: "time to READY", unit: "ms", better: "lower" }],
    drivers: [...NODE_DRIVERS, ...NODE22_SCENARIO_DRIVERS],
    target: (_, l) => `<= 1.5x ${floorName(l)}`,
    check: ratioTarget("ms", "<=", 1.5),
    summary: "ms"
  },
  readyViaLines: {
    title: (p) =>
      `time to a READY line after ${p.noiseLines.toLocaleString("en-US")} noise lines, found through the line API`,
    columns: [{ key: "ms", label: "time to READY", unit: "ms", better: "lower" }],
    drivers: [...NODE_DRIVERS, ...NODE22_SCENARIO_DRIVERS],
    target: (_, l) => `<= 1.25x ${floorName(l)} readline, no slower than ${l.linePeerText}`,
    check: allOf(ratioTarget("ms", "<=", 1.25), peerTarget("ms", "<=", (l) => l.linePeer, ms)),
    summary: "ms"
  },
  stopTermIgnoring: {
    title: (p) => `stopping ${p.termCount} children that ignore SIGTERM, ${p.graceMs} ms grace`,
    columns: [
      { key: "ms", label: "stop time", unit: "ms", better: "lower" },
      { key: "alive", label: "left alive", unit: "count", better: "lower" }
    ],
    // Command has no grace option: on this library's executor its stop takes the default 7 s grace.
    // Effect 4's spawner and the drop-in are given the grace with forceKillAfter.
    drivers: [...NODE_DRIVERS.filter((driver) => driver !== "commandOnLibrary"), ...NODE22_SCENARIO_DRIVERS],
    target: (p) => `<= ${p.graceMs + 30} ms (grace + 30 ms), 0 alive`,
    check: (r, p, l) =>
      allOf(limitTarget("ms", "<=", p.graceMs + 30, ms), limitTarget("alive", "<=", 0, String, " alive"))(r, p, l),
    summary: "ms"
  },
  grandchildren: {
    title: () => "grandchildren surviving the normal stop of sh -c 'sleep 1000 & sleep 1000 & wait'",
    columns: [{ key: "survivors", label: "surviving", unit: "count", better: "lower" }],
    drivers: [...NODE_DRIVERS, ...NODE22_SCENARIO_DRIVERS],
    target: () => "0 surviving",
    check: limitTarget("survivors", "<=", 0, String, " surviving"),
    summary: "survivors"
  },
  collect: {
    title: (p) => `run to completion collecting ${mib(p.collectBytes)} of stdout as a string`,
    columns: [{ key: "ms", label: "time", unit: "ms", better: "lower" }],
    drivers: [...NODE_DRIVERS, ...NODE22_SCENARIO_DRIVERS],
    target: (_, l) => `time <= 1.2x ${floorName(l)}, peak RSS growth <= ${floorName(l)}`,
    check: allOf(ratioTarget("ms", "<=", 1.2), (r, _, l) => {
      const lib = r[l.subject]!
      const base = r[l.floor]
      if (base === undefined || base.crashes === base.runs) {
        return { met: undefined, detail: `no ${floorName(l)} RSS` }
      }
      const met = lib.rssGrowth <= base.rssGrowth
      return {
        met,
        detail: `RSS growth +${formatMB(lib.rssGrowth)} vs ${floorName(l)} +${formatMB(base.rssGrowth)}: ${
          met ? "met" : missedBy(lib.rssGrowth, "<=", base.rssGrowth)
        }`
      }
    }),
    summary: "ms"
  },
  unread: {
    title: (p) => `a child writing ${mib(p.unreadBytes)} that nobody reads`,
    columns: [{ key: "exitMs", label: "child exits after", unit: "ms", better: "lower" }],
    drivers: [...NODE_DRIVERS, ...NODE22_SCENARIO_DRIVERS],
    target: () => "the child never blocks (exits 0), RSS growth <= 32 MB",
    check: (r, _, l) => {
      const lib = r[l.subject]!
      const exited = lib.outcome === "exited 0"
      const small = lib.rssGrowth <= 32 * 1e6
      return {
        met: exited && small,
        detail: `${lib.outcome ?? fallback(lib)}: ${exited ? "met" : "MISSED"}; RSS growth +${
          formatMB(lib.rssGrowth)
        }, target <= 32 MB: ${small ? "met" : missedBy(lib.rssGrowth, "<=", 32 * 1e6)}`
      }
    },
    summary: "exitMs"
  },
  stderrRelay: {
    title: (p) =>
      `a child writing ${
        p.stderrLines.toLocaleString("en-US")
      } lines to stderr: exit time, and max event-loop lag until then` +
      " (monitorEventLoopDelay, 10 ms resolution: the excess over 10 ms)",
    columns: [
      { key: "exitMs", label: "child exits after", unit: "ms", better: "lower" },
      { key: "lagMs", label: "max lag", unit: "ms", better: "lower", ratio: false }
    ],
    // Effect 4's spawner (and so the drop-in) has no stderr relay: only the lines of effect-process run it.
    drivers: [...BASELINES, "library", "libraryNoRelay", ...BASELINES22, "library4", "library4NoRelay", "library22"],
    target: () => "exit time with the default relay <= 1.5x that with relayStderr: false, max lag <= 50 ms",
    check: allOf(ratioTarget("exitMs", "<=", 1.5, "noRelay"), limitTarget("lagMs", "<=", 50, ms, " lag")),
    summary: "exitMs"
  },
  idleHeap: {
    title: (p) =>
      `${p.idleCount} idle children (sleep 1000) kept at once: JS heap per process (heapUsed after a forced GC)`,
    columns: [
      { key: "heapPerProcess", label: "heap per process", unit: "bytes", better: "lower" },
      { key: "stopMs", label: "stop all", unit: "ms", better: "lower", ratio: false }
    ],
    drivers: [...NODE_DRIVERS, ...NODE22_SCENARIO_DRIVERS],
    target: () => "<= 12 KiB per idle process",
    check: limitTarget("heapPerProcess", "<=", 12 * KiB, (value) => formatValue(value, "bytes"), " per process"),
    summary: "heapPerProcess"
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Arguments
// -----------------------------------------------------------------------------------------------------------------

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i < 0 ? undefined : args[i + 1]
}
const quick = args.includes("--quick")
const onlyScenarios = option("--scenario")?.split(",") as Array<ScenarioId> | undefined
const onlyDrivers = option("--driver")?.split(",") as Array<DriverId> | undefined
const repsOverride = option("--reps") === undefined ? undefined : Number(option("--reps"))
for (const s of onlyScenarios ?? []) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`)
for (const d of onlyDrivers ?? []) if (!DRIVERS.includes(d)) throw new Error(`unknown driver ${d}`)

const params = quick ? QUICK : FULL
const scenarioIds = SCENARIOS.filter((s) => onlyScenarios === undefined || onlyScenarios.includes(s))
const repsOf = (scenario: ScenarioId) => repsOverride ?? (quick ? 1 : FULL_REPS[scenario])
/** What a driver chosen with --driver brings along: the baselines of its ratios, and Effect 4's spawner for x E4. */
const companionsOf = (driver: DriverId): ReadonlyArray<DriverId> =>
  NODE22_DRIVERS.includes(driver)
    ? [...BASELINES22, ...(VERSUS_EFFECT4.includes(driver) ? ["effect4" as const] : [])]
    : BASELINES
const chosenDrivers = onlyDrivers === undefined
  ? undefined
  : new Set(onlyDrivers.flatMap((d) => [d, ...companionsOf(d)]))
const driversOf = (scenario: ScenarioId) =>
  META[scenario].drivers.filter((d) => chosenDrivers === undefined || chosenDrivers.has(d))
const resultName = quick ? "quick" : onlyScenarios !== undefined || onlyDrivers !== undefined ? "partial" : "latest"

/** A worker past this is killed and counted as a crash. */
const HARD_BOUND_MS = quick ? 60_000 : 180_000

const packageDir = new URL("..", import.meta.url)
/** packages/benchmark-effect4: the Effect 4 drivers (the workers import its dist; see worker.ts). */
const effect4PackageDir = new URL("../benchmark-effect4/", packageDir)
const workerPath = new URL("worker.js", import.meta.url).pathname
const suiteId = `${process.pid}-${Date.now().toString(36)}`

/**
 * The Node that runs the workers of the Node 22 drivers: `node@22` from the npm registry (the node binary in a
 * registry package, cached by npx), as `pnpm test:effect4` gets it, so that nothing is installed by hand. Its path is
 * asked once; every such worker is then forked with it as `execPath`.
 */
const NODE22_FLOOR = [22, 19] as const
const resolveNode22 = (): { readonly path: string; readonly version: string } => {
  const result = ChildProcess.spawnSync(
    "npx",
    ["--yes", "-p", "node@22", "--", "node", "-p", "process.execPath + ' ' + process.version"],
    { encoding: "utf8" }
  )
  const [path, version] = (result.stdout ?? "").trim().split(/\s+/) as [string | undefined, string | undefined]
  if (result.status !== 0 || path === undefined || version === undefined) {
    throw new Error(`npx -p node@22 failed (${result.status ?? result.error}): ${result.stderr}`)
  }
  const [major, minor] = version.slice(1).split(".").map(Number) as [number, number]
  if (major < NODE22_FLOOR[0] || (major === NODE22_FLOOR[0] && minor < NODE22_FLOOR[1])) {
    throw new Error(`node@22 from the registry is ${version}: Effect 4 needs >= ${NODE22_FLOOR.join(".")}`)
  }
  return { path, version }
}
let node22: { readonly path: string; readonly version: string } | undefined

const out = (line = "") => process.stdout.write(line + "\n")
const progress = (line: string) => process.stderr.write(line + "\n")

// -----------------------------------------------------------------------------------------------------------------
// Running workers
// -----------------------------------------------------------------------------------------------------------------

interface Run {
  readonly scenario: ScenarioId
  readonly driver: DriverId
  readonly rep: number
  readonly result: WorkerResult | undefined
  /** Why the run counts as a crash, if it does. */
  readonly crash: string | undefined
  /** Processes of the run that outlived its worker (killed then). */
  readonly survivors: ReadonlyArray<string>
}

let runIndex = 0

/** The line of a dead worker's output that says why (a V8 fatal error, an uncaught exception). */
const crashReason = (output: string): string => {
  const lines = output.split("\n").map((line) => line.replace(/^#\s*/, "").trim()).filter((line) => !/^at /.test(line))
  return lines.find((line) => /Fatal JavaScript|out of memory|Error:|Error \[/.test(line)) ??
    lines.find((line) => /fatal|error|exception/i.test(line)) ?? "no output"
}

const runWorker = (scenario: ScenarioId, driver: DriverId): Promise<Omit<Run, "rep">> => {
  const runTag = `${suiteId}/${runIndex++}`
  return new Promise((resolve) => {
    const child = ChildProcess.fork(workerPath, [scenario, driver, JSON.stringify(params)], {
      env: { ...process.env, [TAG_VARIABLE]: runTag },
      ...(NODE22_DRIVERS.includes(driver) ? { execPath: node22!.path } : {}),
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // Only the idleHeap worker forces garbage collections.
      execArgv: scenario === "idleHeap" ? ["--expose-gc"] : []
    })
    let output = ""
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000)
    }
    child.stdout!.on("data", keep)
    child.stderr!.on("data", keep)
    let result: WorkerResult | undefined
    let timedOut = false
    child.on("message", (message) => {
      result = message as WorkerResult
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, HARD_BOUND_MS)
    child.once("exit", async (code, signal) => {
      clearTimeout(timer)
      // The worker killed what its scenario left. What outlives the worker is a leftover too, once whatever is
      // meant to follow its parent (effect-process's watchdog exits when its pipe closes) had time to do so.
      await waitUntil(() => taggedPids(runTag).length === 0, 3000, 20)
      const survivors = taggedPids(runTag).map((pid) => `${pid} ${commandLine(pid)}`)
      await killTagged(runTag)
      const crash = timedOut
        ? `worker ran past ${HARD_BOUND_MS} ms`
        : result === undefined
        ? `worker exited (${signal ?? code}) without a result: ${crashReason(output)}\n${output}`
        : !result.ok
        ? `${result.error ?? "failed"}\n${output}`
        : undefined
      resolve({ scenario, driver, result, crash, survivors })
    })
  })
}

// -----------------------------------------------------------------------------------------------------------------
// Aggregation
// -----------------------------------------------------------------------------------------------------------------

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

interface Aggregate {
  readonly runs: number
  readonly crashes: number
  readonly metrics: Record<string, number>
  /** The outcome of most runs, when the driver reported one. */
  readonly outcome: string | undefined
  readonly outcomes: Record<string, number>
  /** Medians, in bytes. */
  readonly peakRss: number
  readonly rssGrowth: number
  /** Median CPU time of the worker during the scenario, in ms. */
  readonly cpuMs: number
  readonly leftovers: number
  readonly crashReasons: ReadonlyArray<string>
}

const aggregate = (runs: ReadonlyArray<Run>): Aggregate => {
  const good = runs.filter((run) => run.crash === undefined && run.result?.measurement !== undefined)
  const keys = new Set(good.flatMap((run) => Object.keys(run.result!.measurement!.metrics)))
  const metrics: Record<string, number> = {}
  for (const key of keys) {
    const values = good.map((run) => run.result!.measurement!.metrics[key]).filter((v) => v !== undefined)
    // A figure is only reported when every run had it (a run that hung has no stop time).
    if (values.length === good.length) metrics[key] = median(values as Array<number>)
  }
  const outcomes: Record<string, number> = {}
  for (const run of good) {
    const outcome = run.result!.measurement!.outcome
    if (outcome !== undefined) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  }
  const outcome = Object.entries(outcomes).sort((a, b) => b[1] - a[1])[0]?.[0]
  const withRss = runs.filter((run) => run.result !== undefined)
  return {
    runs: runs.length,
    crashes: runs.length - good.length,
    metrics,
    outcome,
    outcomes,
    peakRss: withRss.length === 0 ? 0 : median(withRss.map((run) => run.result!.maxRss)),
    rssGrowth: withRss.length === 0 ? 0 : median(withRss.map((run) => run.result!.maxRss - run.result!.rssBefore)),
    cpuMs: withRss.length === 0 ? 0 : median(withRss.map((run) => run.result!.cpuMs)),
    leftovers: runs.reduce((sum, run) => sum + (run.result?.leftovers ?? 0) + run.survivors.length, 0),
    crashReasons: [...new Set(runs.flatMap((run) => run.crash === undefined ? [] : [run.crash.split("\n")[0]!]))]
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Formatting
// -----------------------------------------------------------------------------------------------------------------

const formatValue = (value: number | undefined, unit: Column["unit"]): string => {
  if (value === undefined) return "-"
  switch (unit) {
    case "ms":
      return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : value >= 100 ? `${value.toFixed(0)} ms` : value >= 10
        ? `${value.toFixed(1)} ms`
        : `${value.toFixed(2)} ms`
    case "MiB/s":
      return `${value.toFixed(0)} MiB/s`
    case "count":
      return `${value}`
    case "bytes":
      return value >= 1024 * 1024 ? `${(value / MiB).toFixed(1)} MiB` : `${(value / 1024).toFixed(1)} KiB`
  }
}

const formatRatio = (value: number | undefined, base: number | undefined): string =>
  value === undefined || base === undefined || base === 0 ? "" : `${(value / base).toFixed(2)}x`

const formatMB = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`

/** The figure a cell shows when the driver could not give a number (it hung, blocked, crashed). */
const fallback = (agg: Aggregate): string =>
  agg.crashes === agg.runs
    ? "crashed"
    : agg.outcome?.startsWith("hangs")
    ? "hangs"
    : agg.outcome?.startsWith("too slow")
    ? agg.outcome
    : agg.outcome ?? "n/a"

const pad = (rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
}

const cpuModel = () => Os.cpus()[0]?.model.trim() ?? "unknown"

const readVersion = (name: string, dir: URL = packageDir): string => {
  try {
    const text = Fs.readFileSync(new URL(`node_modules/${name}/package.json`, dir), "utf8")
    return (JSON.parse(text) as { version: string }).version
  } catch {
    return "?"
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Main
// -----------------------------------------------------------------------------------------------------------------

const main = async () => {
  const started = new Date()
  const plan: Array<[ScenarioId, DriverId, number]> = []
  for (const scenario of scenarioIds) {
    const drivers = driversOf(scenario)
    for (let rep = 0; rep < repsOf(scenario); rep++) {
      // Rotate the order each repetition so that no driver always runs first (or right after a heavy one).
      for (let i = 0; i < drivers.length; i++) plan.push([scenario, drivers[(i + rep) % drivers.length]!, rep])
    }
  }
  if (plan.some(([, driver]) => NODE22_DRIVERS.includes(driver))) {
    node22 = resolveNode22()
    progress(`Node 22 workers: node ${node22.version} from the npm registry (npx -p node@22), ${node22.path}`)
  }
  const versions = {
    node: process.version,
    node22: node22?.version,
    execa: readVersion("execa"),
    tinyexec: readVersion("tinyexec"),
    effect: readVersion("effect"),
    "@effect/platform": readVersion("@effect/platform"),
    "@effect/platform-node": readVersion("@effect/platform-node"),
    effect4: readVersion("effect", effect4PackageDir),
    "@effect/platform-node 4": readVersion("@effect/platform-node", effect4PackageDir)
  }
  const machine = {
    cpu: cpuModel(),
    cores: Os.cpus().length,
    memory: formatMB(Os.totalmem()),
    os: `${Os.type()} ${Os.release()} ${Os.arch()}`,
    node: process.version,
    node22: node22?.version,
    loadAverageAtStart: Os.loadavg().map((load) => Number(load.toFixed(2)))
  }
  progress(`effect-process benchmark (${quick ? "quick" : "full"}): ${plan.length} runs, one worker each`)
  const runs: Array<Run> = []
  for (const [i, [scenario, driver, rep]] of plan.entries()) {
    const t0 = performance.now()
    const run = { ...(await runWorker(scenario, driver)), rep }
    runs.push(run)
    const seconds = ((performance.now() - t0) / 1000).toFixed(1)
    const status = run.crash !== undefined
      ? `CRASH: ${run.crash.split("\n")[0]}`
      : run.result?.measurement?.outcome ?? ""
    progress(`[${i + 1}/${plan.length}] ${scenario} ${LABELS[driver]} #${rep + 1}: ${seconds} s ${status}`)
  }
  // Nothing the suite started may survive it.
  const finalCheck = await killTagged(`${suiteId}/`)
  const elapsed = (Date.now() - started.getTime()) / 1000

  // --- aggregate ---
  const results: Record<string, Record<string, Aggregate>> = {}
  for (const scenario of scenarioIds) {
    results[scenario] = {}
    for (const driver of driversOf(scenario)) {
      results[scenario][driver] = aggregate(runs.filter((r) => r.scenario === scenario && r.driver === driver))
    }
  }
  // The Effect 3 line's targets are always listed (as before the Effect 4 line existed); the Effect 4 line's when it ran.
  const targets: Array<Target> = scenarioIds.flatMap((scenario) =>
    LINES.filter((line) => line.id === "effect3" || driversOf(scenario).includes(line.subject)).map((line) => {
      const lib = results[scenario]![line.subject]
      const verdict: Verdict = lib === undefined
        ? { met: undefined, detail: `${line.name} not run` }
        : lib.crashes === lib.runs
        ? { met: undefined, detail: `${line.name} crashed` }
        : META[scenario].check(results[scenario]!, params, line)
      return { scenario, line: line.id, target: META[scenario].target(params, line), ...verdict }
    })
  )
  const dropIns = scenarioIds.flatMap((scenario) => {
    const comparison = dropInComparison(scenario, results[scenario]!)
    return comparison === undefined ? [] : [comparison]
  })
  // A crash fails the suite in --quick (a smoke test of every driver) and, in a full run, when it is effect-process's;
  // a competitor that crashes on a full-size scenario (execa on 1 GiB) is a measured outcome, shown in the table.
  const failures: Array<string> = []
  const competitorCrashes: Array<string> = []
  for (const run of runs) {
    const name = `${run.scenario} / ${LABELS[run.driver]} #${run.rep + 1}`
    if (run.crash !== undefined) {
      ;(quick || FAILING_DRIVERS.includes(run.driver) ? failures : competitorCrashes).push(`${name}: ${run.crash}`)
    }
    if (FAILING_DRIVERS.includes(run.driver) && (run.result?.leftovers ?? 0) > 0) {
      failures.push(`${name} left processes behind: ${run.result!.leftoverDescriptions.join(", ")}`)
    }
    if (FAILING_DRIVERS.includes(run.driver) && run.survivors.length > 0) {
      failures.push(`${name}: processes outlived the worker: ${run.survivors.join(", ")}`)
    }
  }
  if (finalCheck.remaining.length > 0) failures.push(`processes survived the suite: ${finalCheck.remaining.join(", ")}`)

  // --- console ---
  out()
  out(`effect-process benchmark${quick ? " (--quick: smoke sizes, 1 run each; targets not judged)" : ""}`)
  out(`date: ${started.toISOString()}   duration: ${elapsed.toFixed(0)} s`)
  out(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, ${machine.os}, node ${machine.node}${
      node22 === undefined ? "" : ` (Node 22 rows: node ${node22.version} from the npm registry)`
    }`
  )
  out(
    `load average (1/5/15 min) at start: ${machine.loadAverageAtStart.join(" ")}, at end: ${
      Os.loadavg().map((load) => load.toFixed(2)).join(" ")
    } (other work on the machine skews the figures)`
  )
  out(
    `versions: execa ${versions.execa}, tinyexec ${versions.tinyexec}, effect ${versions.effect}, @effect/platform ${
      versions["@effect/platform"]
    }, @effect/platform-node ${versions["@effect/platform-node"]}; Effect 4 rows: effect ${versions.effect4},` +
      ` @effect/platform-node ${versions["@effect/platform-node 4"]}`
  )
  out(
    `Figures are medians over the runs (one fresh worker per run). Ratios compare figures of one Node version from` +
      ` this run: under node ${process.version}, x raw = ratio to ${LABELS.raw}, x Eff = ratio to ${LABELS.rawEffect}` +
      ` (Effect 3: the baseline of the targets of effect-process); in the Node 22 rows, x raw = ratio to ${LABELS.raw22},` +
      ` x Eff = ratio to ${LABELS.rawEffect4} (Node 22: the floor of an Effect 4 program, the baseline of the targets` +
      ` of the Effect 4 line; none for the Effect 3 line under Node 22), x E4 = ratio to ${LABELS.effect4}` +
      " (platform-node's, same Node)."
  )
  out(
    `Each worker warms up first (spawns, a ${
      mib(params.warmupBytes)
    } or small run of the same scenario, a few idle processes) except for the stop and ready scenarios;` +
      " parent CPU = user + system time of the worker during the measured part; RSS growth = peak RSS - RSS before it."
  )
  for (const scenario of scenarioIds) {
    const meta = META[scenario]
    const drivers = driversOf(scenario)
    const withE4 = drivers.includes("effect4") && drivers.some((driver) => VERSUS_EFFECT4.includes(driver))
    out()
    out(`${meta.title(params)}  (${repsOf(scenario)} runs)`)
    const header = ["  driver"]
    for (const column of meta.columns) {
      header.push(column.label, ...(hasRatio(column) ? ["x raw", "x Eff", ...(withE4 ? ["x E4"] : [])] : []))
    }
    header.push("parent CPU", "peak RSS", "RSS growth", "outcome")
    const rows: Array<Array<string>> = [header]
    let node22Rows = false
    for (const driver of drivers) {
      if (!node22Rows && NODE22_DRIVERS.includes(driver)) {
        node22Rows = true
        if (rows.length > 1) rows.push(header.map((_, i) => i === 0 ? `  Node ${node22?.version ?? "22"}:` : ""))
      }
      const agg = results[scenario]![driver]!
      const row = [`  ${LABELS[driver]}`]
      for (const column of meta.columns) {
        const value = agg.metrics[column.key]
        row.push(value === undefined ? fallback(agg) : formatValue(value, column.unit))
        if (hasRatio(column)) {
          const ratios = ratiosOf(driver, results[scenario]!, column.key)
          row.push(ratios.raw, ratios.floor, ...(withE4 ? [ratios.effect4] : []))
        }
      }
      const notes: Array<string> = []
      if (agg.outcome !== undefined) notes.push(agg.outcome)
      if (Object.keys(agg.outcomes).length > 1) notes.push(JSON.stringify(agg.outcomes))
      if (agg.crashes > 0) notes.push(`${agg.crashes}/${agg.runs} runs crashed (${agg.crashReasons.join("; ")})`)
      if (agg.leftovers > 0) notes.push(`${agg.leftovers} leftover processes killed`)
      const noRss = driver === "shell" || agg.crashes === agg.runs
      row.push(
        noRss ? "" : formatValue(agg.cpuMs, "ms"),
        noRss ? "" : formatMB(agg.peakRss),
        noRss ? "" : formatMB(agg.rssGrowth),
        notes.join("; ")
      )
      rows.push(row)
    }
    for (const line of pad(rows)) out(line)
    for (const target of targets.filter((t) => t.scenario === scenario)) {
      out(`  target (${lineOf(target).name}): ${target.target}: ${quick ? "not judged" : verdict(target.met)}`)
      if (!quick) out(`    ${target.detail}`)
    }
    const dropIn = dropIns.find((comparison) => comparison.scenario === scenario)
    if (dropIn !== undefined) out(`  ${DROP_IN_TITLE}: ${dropIn.detail}`)
  }
  out()
  out("How each driver was used:")
  for (const driver of DRIVERS) out(`  ${LABELS[driver]}: ${USAGE[driver]}`)
  out()
  if (!quick) {
    out("Targets of effect-process:")
    for (const t of targets) {
      out(`  ${verdict(t.met).padEnd(6)} ${t.scenario} (${lineOf(t).name}): ${t.target}\n           ${t.detail}`)
    }
    if (dropIns.length > 0) {
      out(`${DROP_IN_TITLE[0]!.toUpperCase()}${DROP_IN_TITLE.slice(1)} (no target, for the record):`)
      for (const comparison of dropIns) out(`  ${comparison.scenario}: ${comparison.detail}`)
    }
  }
  out(
    `Leftover check: ${
      finalCheck.found.length === 0 ? "no process of the suite survived it" : `killed ${finalCheck.found.length}`
    }`
  )

  // --- files ---
  const resultsDir = new URL("results/", packageDir)
  Fs.mkdirSync(resultsDir, { recursive: true })
  const json = {
    date: started.toISOString(),
    durationSeconds: elapsed,
    mode: quick ? "quick" : "full",
    machine,
    versions,
    params,
    usage: USAGE,
    scenarios: Object.fromEntries(scenarioIds.map((scenario) => {
      const scenarioResults = results[scenario]!
      const ratiosTo = (agg: Aggregate, base: DriverId | undefined) =>
        Object.fromEntries(
          Object.keys(agg.metrics).map((key) => [key, ratioOf(agg, base && scenarioResults[base], key)])
        )
      return [scenario, {
        title: META[scenario].title(params),
        target: targets.find((t) => t.scenario === scenario && t.line === "effect3"),
        targets: targets.filter((t) => t.scenario === scenario),
        dropIn: dropIns.find((comparison) => comparison.scenario === scenario),
        drivers: Object.fromEntries(
          driversOf(scenario).map((driver) => {
            const agg = scenarioResults[driver]!
            const baselines = baselinesOf(driver)
            return [driver, {
              label: LABELS[driver],
              node: NODE22_DRIVERS.includes(driver) ? node22?.version : process.version,
              baselines,
              ...agg,
              // To `baselines.raw` (node:child_process of the same Node) and `baselines.floor` (Effect-loaded raw).
              ratios: ratiosTo(agg, baselines.raw),
              ratiosToRawEffect: ratiosTo(agg, baselines.floor),
              ...(VERSUS_EFFECT4.includes(driver) ? { ratiosToEffect4: ratiosTo(agg, "effect4") } : {}),
              runs: runs.filter((r) => r.scenario === scenario && r.driver === driver).map((r) => ({
                rep: r.rep,
                crash: r.crash,
                ...r.result
              }))
            }]
          })
        )
      }]
    })),
    failures,
    leftoversAtEnd: finalCheck.found
  }
  Fs.writeFileSync(new URL(`${resultName}.json`, resultsDir), JSON.stringify(json, null, 2) + "\n")
  Fs.writeFileSync(new URL(`${resultName}.md`, resultsDir), markdown(results, targets, dropIns, machine, started))
  out(`Wrote packages/benchmark/results/${resultName}.json and ${resultName}.md`)

  if (competitorCrashes.length > 0) {
    out()
    out(`Competitor crashes (measured outcomes, not failures of the suite):`)
    for (const crash of competitorCrashes) out(`  ${crash.split("\n")[0]}`)
  }
  if (failures.length > 0) {
    out()
    out(`FAILED (${failures.length}):`)
    for (const failure of failures) out(`  ${failure.split("\n").join("\n    ")}`)
    process.exitCode = 1
  }
}

const verdict = (met: boolean | undefined) => met === undefined ? "n/a" : met ? "met" : "MISSED"

interface Target extends Verdict {
  readonly scenario: ScenarioId
  readonly line: Line["id"]
  readonly target: string
}

const lineOf = (target: Target): Line => LINES.find((line) => line.id === target.line)!

/** A driver's ratios to its baselines (and, for the drop-in and the Effect 4 line, to Effect 4's spawner). */
const ratiosOf = (driver: DriverId, results: Record<string, Aggregate>, key: string) => {
  const value = results[driver]?.metrics[key]
  const baselines = baselinesOf(driver)
  const to = (base: DriverId | undefined) => base === undefined ? "" : formatRatio(value, results[base]?.metrics[key])
  return {
    raw: to(baselines.raw),
    floor: to(baselines.floor),
    effect4: VERSUS_EFFECT4.includes(driver) ? to("effect4") : ""
  }
}

/** spawner4 against effect4: the same ChildProcess code on the drop-in and on platform-node's spawner. */
const DROP_IN_TITLE = "drop-in vs Effect 4's own spawner"

interface DropIn {
  readonly scenario: ScenarioId
  /** spawner4's figure / effect4's, per column with ratios. */
  readonly ratios: Record<string, number | undefined>
  readonly detail: string
}

/** How the drop-in compares to Effect 4's own spawner in `scenario`, when both ran. */
const dropInComparison = (scenario: ScenarioId, results: Record<string, Aggregate>): DropIn | undefined => {
  const dropIn = results["spawner4"]
  const effect4 = results["effect4"]
  if (dropIn === undefined || effect4 === undefined) return undefined
  const ratios: Record<string, number | undefined> = {}
  const parts = META[scenario].columns.map((column) => {
    const x = dropIn.metrics[column.key]
    const y = effect4.metrics[column.key]
    const figures = `${x === undefined ? fallback(dropIn) : formatValue(x, column.unit)} vs ${
      y === undefined ? fallback(effect4) : formatValue(y, column.unit)
    }`
    if (!hasRatio(column) || x === undefined || y === undefined || y === 0) return `${column.label} ${figures}`
    const ratio = x / y
    ratios[column.key] = ratio
    const worse = column.better === "lower" ? ratio > 1 : ratio < 1
    const by = Math.abs(column.better === "lower" ? ratio - 1 : 1 - ratio) * 100
    return `${column.label} ${figures}: ${ratio.toFixed(2)}x (${
      by < 0.5 ? "even" : `${by.toFixed(0)}% ${worse ? "worse" : "better"}`
    })`
  })
  return { scenario, ratios, detail: parts.join("; ") }
}

/** The columns of the markdown tables: both baselines, the peers, effect-process and its variants; then Node 22. */
const MARKDOWN_DRIVERS: ReadonlyArray<DriverId> = [...SPAWN_DRIVERS, "libraryNoRelay"]
const MARKDOWN_DRIVERS22: ReadonlyArray<DriverId> = [...NODE22_SCENARIO_DRIVERS, "library4NoRelay"]

/** The short tables for the README's "Performance" section: one row per scenario, one column per driver. */
const markdown = (
  results: Record<string, Record<string, Aggregate>>,
  targets: ReadonlyArray<Target>,
  dropIns: ReadonlyArray<DropIn>,
  machine: { cpu: string; cores: number; node: string },
  date: Date
): string => {
  const table = (candidates: ReadonlyArray<DriverId>, line: Line["id"]): Array<string> => {
    const drivers = candidates.filter((d) => scenarioIds.some((scenario) => results[scenario]![d] !== undefined))
    if (drivers.length === 0) return []
    const lineName = LINES.find((l) => l.id === line)!.name
    const rows = [
      `| scenario | ${drivers.map((d) => LABELS[d]).join(" | ")} | ${lineName} target |`,
      `| --- | ${drivers.map(() => "---").join(" | ")} | --- |`
    ]
    for (const scenario of scenarioIds) {
      const meta = META[scenario]
      const column = meta.columns.find((c) => c.key === meta.summary)!
      const cells = drivers.map((driver) => {
        const agg = results[scenario]![driver]
        if (agg === undefined) return ""
        const value = agg.metrics[column.key]
        if (value === undefined) {
          return agg.crashes === agg.runs
            ? `crashed (${agg.crashReasons[0]?.replace(/^.*without a result: /, "")})`
            : fallback(agg)
        }
        let cell = formatValue(value, column.unit)
        const baselines = baselinesOf(driver)
        if (hasRatio(column) && driver !== baselines.raw) {
          const ratios = ratiosOf(driver, results[scenario]!, column.key)
          if (driver === baselines.floor) cell += ratios.raw === "" ? "" : ` (${ratios.raw})`
          else if (ratios.raw !== "" || ratios.floor !== "" || ratios.effect4 !== "") {
            cell += ` (${ratios.raw || "-"} / ${ratios.floor || "-"}${
              VERSUS_EFFECT4.includes(driver) ? ` / ${ratios.effect4 || "-"} E4` : ""
            })`
          }
        }
        if (scenario === "stopTermIgnoring" && agg.metrics.alive !== undefined && agg.metrics.alive > 0) {
          cell += `, ${agg.metrics.alive} alive`
        }
        if (scenario === "collect") cell += `, +${formatMB(agg.rssGrowth)}`
        if (scenario === "unread") cell += `, +${formatMB(agg.rssGrowth)}`
        if (scenario === "unread" && agg.outcome !== "exited 0" && agg.outcome !== undefined) cell = agg.outcome
        if (scenario === "stderrRelay" && agg.metrics.lagMs !== undefined) {
          cell += `, lag ${formatValue(agg.metrics.lagMs, "ms")}`
        }
        return cell
      })
      const target = targets.find((t) => t.scenario === scenario && t.line === line)
      rows.push(
        `| ${shortTitle(scenario)} | ${cells.join(" | ")} | ${
          target === undefined ? "" : `${target.target}: ${quick ? "not judged" : verdict(target.met)}`
        } |`
      )
    }
    return rows
  }
  const lines = [
    `Medians of fresh worker processes, ${date.toISOString().slice(0, 10)}, ${machine.cpu} (${machine.cores} cores), ` +
    `Node ${machine.node}${quick ? ", --quick smoke sizes" : ""} (\`pnpm bench\`). Each figure is followed by its` +
    " ratios to raw `node:child_process` and to the same raw code in a process that has loaded Effect (imported" +
    " `effect` and `@effect/platform-node`, built a `NodeContext` runtime), both from the same run:" +
    " (x raw / x Effect-loaded raw). The targets of effect-process are judged against the Effect-loaded raw baseline.",
    "",
    ...table(MARKDOWN_DRIVERS, "effect3")
  ]
  const node22Table = table(MARKDOWN_DRIVERS22, "effect4")
  if (node22Table.length > 0) {
    lines.push(
      "",
      `Under Node ${node22?.version ?? "22"} (from the npm registry), in the same run: Effect 4's own` +
        " `ChildProcessSpawner` (`@effect/platform-node` 4), effect-process's drop-in for it" +
        " (`NodeChildProcessSpawner.layer` of `@effect-process/platform-node`, the same `ChildProcess` code), the" +
        " Effect 4 line of effect-process, and the Effect 3 line again. The ratios are to raw `node:child_process`" +
        " under Node 22 and to the same raw code in a Node 22 process that has loaded Effect 4 (imported `effect` 4 and" +
        " `@effect/platform-node` 4, built a `NodeServices` runtime): (x raw / x Effect 4-loaded raw), plus, for the" +
        " drop-in and the Effect 4 line, the ratio to Effect 4's own spawner (x E4). The Effect 3 line under Node 22" +
        " has no Effect-loaded ratio (no Effect 3-loaded raw runs under Node 22).",
      "",
      ...node22Table
    )
  }
  if (!quick) {
    lines.push("", "Targets of effect-process, with the figures they were judged on:", "")
    for (const t of targets) {
      lines.push(`- ${verdict(t.met)} ${shortTitle(t.scenario)} (${lineOf(t).name}): ${t.detail}`)
    }
    if (dropIns.length > 0) {
      lines.push("", `The ${DROP_IN_TITLE}:`, "")
      for (const comparison of dropIns) lines.push(`- ${shortTitle(comparison.scenario)}: ${comparison.detail}`)
    }
  }
  lines.push("")
  return lines.join("\n")
}

const shortTitle = (scenario: ScenarioId): string => {
  const p = params
  switch (scenario) {
    case "spawnSequential":
      return `spawn + exit /bin/true, median per process (${p.spawnCount} sequential)`
    case "spawnConcurrent":
      return `${p.concurrentCount} spawns, ${p.concurrency} in flight, total`
    case "throughput":
      return `stdout throughput (${mib(p.throughputBytes)})`
    case "lines":
      return `${p.lineCount.toLocaleString("en-US")} stdout lines through the line API`
    case "readyLine":
      return `READY after ${p.noiseLines.toLocaleString("en-US")} noise lines (library: waitForOutput)`
    case "readyViaLines":
      return `READY after ${p.noiseLines.toLocaleString("en-US")} noise lines, through the line API`
    case "stopTermIgnoring":
      return `stop ${p.termCount} SIGTERM-ignoring children, ${p.graceMs} ms grace`
    case "grandchildren":
      return "grandchildren surviving the normal stop"
    case "collect":
      return `collect ${mib(p.collectBytes)} of stdout (time, RSS growth)`
    case "unread":
      return `${mib(p.unreadBytes)} nobody reads (child exits after, RSS growth)`
    case "stderrRelay":
      return `${p.stderrLines.toLocaleString("en-US")} stderr lines (child exits after, max event-loop lag)`
    case "idleHeap":
      return `JS heap per idle process (${p.idleCount} kept)`
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
