import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/** @internal */
export const launches = Metric.counter("effect_process_launches_total", {
  description: "Processes started (spawn succeeded), tagged by program",
  incremental: true
})

/** @internal */
export const exits = Metric.counter("effect_process_exits_total", {
  description: "Processes released, tagged by program and by exit_code or signal",
  incremental: true
})

/** @internal */
export const forcedKills = Metric.counter("effect_process_forced_kills_total", {
  description: "Terminations that needed SIGKILL after the grace, tagged by program",
  incremental: true
})

/** @internal */
export const restarts = Metric.counter("effect_process_restarts_total", {
  description: "Restarts by a Supervisor, tagged by program",
  incremental: true
})

/** @internal */
export const launchToReady = Metric.histogram(
  "effect_process_launch_to_ready_seconds",
  MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 14 }),
  "Seconds from launch to readiness, tagged by program"
)

/** The `program` tag: the basename of argv[0] (bounded cardinality, unlike the full command line). */
export const program = (command: ReadonlyArray<string>): string => {
  const first = command[0] ?? ""
  return first.slice(first.lastIndexOf("/") + 1)
}
