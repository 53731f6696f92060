import { programName } from "@effect-process/engine/Messages"
import * as Metric from "effect/Metric"
import type { ExitStatus } from "../ProcessSpawner.js"

const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

/** @internal */
export const launches: Metric.Counter<number> = counter(
  "effect_process_launches_total",
  "Processes started (spawn succeeded), tagged by program"
)
/** @internal */
export const exits: Metric.Counter<number> = counter(
  "effect_process_exits_total",
  "Processes released, tagged by program and by exit_code or signal"
)
/** @internal */
export const forcedKills: Metric.Counter<number> = counter(
  "effect_process_forced_kills_total",
  "Terminations that needed SIGKILL after the grace, tagged by program"
)
/** @internal */
export const restarts: Metric.Counter<number> = counter(
  "effect_process_restarts_total",
  "Restarts by a Supervisor, tagged by program"
)
/** @internal */
export const launchToReady: Metric.Histogram<number> = Metric.histogram("effect_process_launch_to_ready_seconds", {
  description: "Seconds from launch to readiness, tagged by program",
  boundaries: Metric.exponentialBoundaries({ start: 0.005, factor: 2, count: 14 })
})

/** The `program` tag: the basename of argv[0] (bounded cardinality, unlike the full command line). */
export const program: (command: ReadonlyArray<string>) => string = programName

/** @internal */
export interface ProgramMetrics {
  /** The `program` tag of these metrics. */
  readonly program: string
  readonly launches: Metric.Counter<number>
  /** The exits counter tagged with this exit (`exit_code` or `signal`), built once per distinct exit. */
  readonly exitsFor: (exit: ExitStatus | undefined) => Metric.Counter<number>
  readonly forcedKills: Metric.Counter<number>
  readonly restarts: Metric.Counter<number>
  readonly launchToReady: typeof launchToReady
}

/**
 * `metric` with its attributes, built once per program: updating it is one registry lookup by its id. It is the
 * same metric as `Metric.withAttributes(metric, ...)` built by a reader: the registry finds both by the same id.
 */
const withTags = <M extends Metric.Metric<any, any>>(metric: M, tags: ReadonlyArray<readonly [string, string]>): M =>
  Metric.withAttributes(metric, Object.fromEntries(tags)) as M

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
    const byExit = new Map<string, Metric.Counter<number>>()
    found = {
      program: name,
      launches: withTags(launches, [["program", name]]),
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
          counter = withTags(exits, [["program", name], [key, value]])
          byExit.set(id, counter)
        }
        return counter
      },
      forcedKills: withTags(forcedKills, [["program", name]]),
      restarts: withTags(restarts, [["program", name]]),
      launchToReady: withTags(launchToReady, [["program", name]])
    }
    byProgram.set(name, found)
  }
  return found
}
