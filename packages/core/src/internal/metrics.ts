import { programName } from "@effect-process/engine/Messages"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricKey from "effect/MetricKey"
import type * as MetricKeyType from "effect/MetricKeyType"
import * as MetricLabel from "effect/MetricLabel"
import type { ExitStatus } from "../ProcessSpawner.js"

const counterKey = (name: string, description: string) => MetricKey.counter(name, { description, incremental: true })

const launchesKey = counterKey(
  "effect_process_launches_total",
  "Processes started (spawn succeeded), tagged by program"
)
const exitsKey = counterKey(
  "effect_process_exits_total",
  "Processes released, tagged by program and by exit_code or signal"
)
const forcedKillsKey = counterKey(
  "effect_process_forced_kills_total",
  "Terminations that needed SIGKILL after the grace, tagged by program"
)
const restartsKey = counterKey("effect_process_restarts_total", "Restarts by a Supervisor, tagged by program")

const launchToReadyKey = MetricKey.histogram(
  "effect_process_launch_to_ready_seconds",
  MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 14 }),
  "Seconds from launch to readiness, tagged by program"
)

/** @internal */
export const launches: Metric.Metric.Counter<number> = Metric.fromMetricKey(launchesKey)
/** @internal */
export const exits: Metric.Metric.Counter<number> = Metric.fromMetricKey(exitsKey)
/** @internal */
export const forcedKills: Metric.Metric.Counter<number> = Metric.fromMetricKey(forcedKillsKey)
/** @internal */
export const restarts: Metric.Metric.Counter<number> = Metric.fromMetricKey(restartsKey)
/** @internal */
export const launchToReady: Metric.Metric.Histogram<number> = Metric.fromMetricKey(launchToReadyKey)

/** The `program` tag: the basename of argv[0] (bounded cardinality, unlike the full command line). */
export const program: (command: ReadonlyArray<string>) => string = programName

/** @internal */
export interface ProgramMetrics {
  /** The `program` tag of these metrics. */
  readonly program: string
  readonly launches: Metric.Metric.Counter<number>
  /** The exits counter tagged with this exit (`exit_code` or `signal`), built once per distinct exit. */
  readonly exitsFor: (exit: ExitStatus | undefined) => Metric.Metric.Counter<number>
  readonly forcedKills: Metric.Metric.Counter<number>
  readonly restarts: Metric.Metric.Counter<number>
  readonly launchToReady: typeof launchToReady
}

/**
 * `metric` with its key tagged: updating it costs one registry lookup, cached. (`Metric.tagged` builds and hashes
 * a new tagged key on every update instead.) It is the same metric as `Metric.tagged(metric, ...)`: the registry
 * finds both by the same key.
 */
const withTags = <Type extends MetricKeyType.MetricKeyType<any, any>>(
  key: MetricKey.MetricKey<Type>,
  tags: ReadonlyArray<readonly [string, string]>
) => Metric.fromMetricKey(MetricKey.taggedWithLabels(key, tags.map(([name, value]) => MetricLabel.make(name, value))))

const byProgram = new Map<string, ProgramMetrics>()

/**
 * The metrics tagged for one program, built once: tagging builds a new metric key, which is not free on every
 * launch. Bounded: past 1024 programs, older entries are rebuilt when needed.
 *
 * @internal
 */
export const forProgram = (command: ReadonlyArray<string>): ProgramMetrics => {
  const name = program(command)
  let found = byProgram.get(name)
  if (found === undefined) {
    if (byProgram.size >= 1024) byProgram.clear()
    const byExit = new Map<string, Metric.Metric.Counter<number>>()
    found = {
      program: name,
      launches: withTags(launchesKey, [["program", name]]),
      exitsFor: (exit) => {
        const [key, value] = exit === undefined
          ? ["signal", "unknown"]
          : exit.signal === undefined
          ? ["exit_code", String(exit.exitCode)]
          : ["signal", exit.signal]
        const id = `${key}=${value}`
        let counter = byExit.get(id)
        if (counter === undefined) {
          if (byExit.size >= 256) byExit.clear()
          counter = withTags(exitsKey, [["program", name], [key, value]])
          byExit.set(id, counter)
        }
        return counter
      },
      forcedKills: withTags(forcedKillsKey, [["program", name]]),
      restarts: withTags(restartsKey, [["program", name]]),
      launchToReady: withTags(launchToReadyKey, [["program", name]])
    }
    byProgram.set(name, found)
  }
  return found
}
