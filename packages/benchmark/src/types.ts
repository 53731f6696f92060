/** What the orchestrator, the worker and the drivers share. */

export const SCENARIOS = [
  "spawnSequential",
  "spawnConcurrent",
  "throughput",
  "lines",
  "readyLine",
  "readyViaLines",
  "stopTermIgnoring",
  "grandchildren",
  "collect",
  "unread",
  "stderrRelay",
  "idleHeap"
] as const
export type ScenarioId = typeof SCENARIOS[number]

export const DRIVERS = [
  "raw",
  "rawEffect",
  "execa",
  "tinyexec",
  "command",
  "commandOnLibrary",
  "library",
  "libraryNoReaper",
  "libraryNoRelay",
  "shell",
  "raw22",
  "rawEffect4",
  "effect4",
  "spawner4",
  "library4",
  "library4NoRelay",
  "library22"
] as const
export type DriverId = typeof DRIVERS[number]

/**
 * The drivers whose workers run under Node 22 (Effect 4 needs >= 22.19; the orchestrator gets that Node from the npm
 * registry with `npx -p node@22`): the Effect 4 ones, whose code lives in packages/benchmark-effect4 (it imports
 * effect 4, this package imports effect 3), and the raw and Effect 3 drivers of this package run again under that
 * Node, so that every ratio compares figures of one Node version, measured in the same run.
 */
export const NODE22_DRIVERS: ReadonlyArray<DriverId> = [
  "raw22",
  "rawEffect4",
  "effect4",
  "spawner4",
  "library4",
  "library4NoRelay",
  "library22"
]

export interface Params {
  /** Sequential spawns of /bin/true. */
  readonly spawnCount: number
  /** Spawns of /bin/true with `concurrency` in flight. */
  readonly concurrentCount: number
  readonly concurrency: number
  /** Spawns before the timed ones (JIT warm-up), in both spawn scenarios. */
  readonly warmup: number
  readonly throughputBytes: number
  /** An untimed run of this size warms up the throughput and collect paths (JIT) before the timed one. */
  readonly warmupBytes: number
  readonly noiseLines: number
  /** Lines the child of the lines scenario writes (each driver counts them through its line API). */
  readonly lineCount: number
  /** An untimed run of this many lines warms up the line path first. */
  readonly warmupLines: number
  /** Measurements of the ready line per worker (the worker reports their median). */
  readonly readyIterations: number
  readonly termCount: number
  readonly graceMs: number
  /** How long past the grace a stop may take before it is reported as hanging. */
  readonly hangBoundMs: number
  /** How long a normal stop (grandchildren scenario) may take before it is reported as hanging. */
  readonly stopBoundMs: number
  readonly collectBytes: number
  /** A driver still collecting after this long is reported as too slow (and its child killed). */
  readonly collectBoundMs: number
  readonly unreadBytes: number
  /** The unread child must exit within this bound. */
  readonly unreadBoundMs: number
  /** A child whose written byte count does not move for this long is blocked. */
  readonly stallMs: number
  /** Lines the child of the stderrRelay scenario writes to stderr. */
  readonly stderrLines: number
  /** An untimed run of this many stderr lines warms up the relay first. */
  readonly warmupStderrLines: number
  /** A stderr child still running after this long is reported as too slow (and killed). */
  readonly stderrBoundMs: number
  /** Idle processes the idleHeap scenario keeps at once. */
  readonly idleCount: number
}

export interface Measurement {
  /** Numeric figures; the orchestrator takes the median of each over the runs. */
  readonly metrics: Record<string, number>
  /** What happened when it is not just numbers: "hangs", "blocked", "exited 0", ... */
  readonly outcome?: string | undefined
}

export interface WorkerResult {
  readonly ok: boolean
  readonly measurement?: Measurement | undefined
  readonly error?: string | undefined
  /** Tagged processes still alive after the scenario (killed by the worker). */
  readonly leftovers: number
  readonly leftoverDescriptions: ReadonlyArray<string>
  /** process.resourceUsage().maxRSS, in bytes. */
  readonly maxRss: number
  /** RSS right before the scenario started (after imports and runtime set-up), in bytes. */
  readonly rssBefore: number
  /** CPU time (user + system) of the worker during the scenario, in ms: less sensitive to other load than time. */
  readonly cpuMs: number
  readonly wallMs: number
}

/** A set of processes a driver started, and the driver's normal way to stop them. */
export interface Started {
  readonly pids: ReadonlyArray<number>
  readonly stop: () => Promise<unknown>
}

/** A process nobody reads; `done` settles when the driver's own wait for it completes, with a description. */
export interface StartedUnread {
  readonly pid: number
  readonly done: Promise<string>
  /** What the driver's user does afterwards (close the scope), if anything. */
  readonly stop?: (() => Promise<unknown>) | undefined
}

export interface Driver {
  readonly init?: () => Promise<void>
  /** Per-process latencies (ms) of `count` sequential spawns of /bin/true, run to completion. */
  readonly spawnSequential: (count: number) => Promise<Array<number>>
  /** `count` spawns of /bin/true, `concurrency` in flight. */
  readonly spawnConcurrent: (count: number, concurrency: number) => Promise<void>
  /** Runs argv, counting its stdout bytes without keeping them. */
  readonly throughput: (argv: ReadonlyArray<string>) => Promise<number>
  /** Launches argv, waits for the line READY and returns the ms from before the launch to that; then stops it. */
  readonly readyLine: (argv: ReadonlyArray<string>) => Promise<number>
  /** Starts `count` children (each ignores SIGTERM) whose stop must escalate to SIGKILL after `graceMs`. */
  readonly startTermIgnoring: (argv: ReadonlyArray<string>, count: number, graceMs: number) => Promise<Started>
  /** Starts one child (which starts grandchildren); `stop` is the driver's normal stop. */
  readonly startOne: (argv: ReadonlyArray<string>) => Promise<Started>
  /** Runs argv to completion counting its stdout lines through the driver's line API; returns the count. */
  readonly lines: (argv: ReadonlyArray<string>) => Promise<number>
  /** Like `readyLine`, but READY is found through the driver's line API. */
  readonly readyViaLines: (argv: ReadonlyArray<string>) => Promise<number>
  /** Runs argv to completion collecting stdout as a string; returns its length. */
  readonly collect: (argv: ReadonlyArray<string>) => Promise<number>
  /** Starts argv and waits for it the driver's normal way without reading its output. */
  readonly startUnread: (argv: ReadonlyArray<string>) => Promise<StartedUnread>
  /**
   * Starts argv (which floods stderr) the driver's normal way, stderr drained or relayed as the driver does; `done`
   * settles once the driver saw the child exit. Only the drivers of the stderrRelay scenario have it.
   */
  readonly startStderrFlood?: ((argv: ReadonlyArray<string>) => Promise<StartedUnread>) | undefined
  /** Starts `count` idle children with the driver's default pipes and keeps them; `stop` is the driver's normal stop. */
  readonly startIdle: (argv: ReadonlyArray<string>, count: number) => Promise<Started>
}

/** The shell baselines: no Node driver at all. */
export interface ShellBaseline {
  /** ms for `sh -c 'head -c BYTES /dev/zero | cat > /dev/null'`. */
  readonly pipe: (bytes: number) => Promise<number>
  /** ms for an sh loop running /bin/true `count` times. */
  readonly forkExec: (count: number) => Promise<number>
}
