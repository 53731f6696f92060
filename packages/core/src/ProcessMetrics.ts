/**
 * The metrics the library records, as Effect `Metric`s. Every metric is tagged `program` (the basename of argv[0]);
 * read them with `Metric.value` or export them with any Effect metrics exporter.
 *
 * | name | type | tags |
 * | --- | --- | --- |
 * | `effect_process_launches_total` | counter | program |
 * | `effect_process_exits_total` | counter | program, exit_code or signal |
 * | `effect_process_forced_kills_total` | counter | program |
 * | `effect_process_restarts_total` | counter | program |
 * | `effect_process_launch_to_ready_seconds` | histogram | program |
 *
 * @since 0.1.0
 */
import type * as Metric from "effect/Metric"
import type * as MetricKeyType from "effect/MetricKeyType"
import type * as MetricState from "effect/MetricState"
import * as internal from "./internal/metrics.js"

/**
 * Processes started (the spawn succeeded).
 *
 * @example
 * import { Effect, Metric } from "effect"
 * import { ProcessMetrics } from "@effect-process/core"
 *
 * const started = Metric.value(ProcessMetrics.launches.pipe(Metric.tagged("program", "node")))
 *
 * @since 0.1.0
 * @category metrics
 */
export const launches: Metric.Metric.Counter<number> = internal.launches

/**
 * Processes released, by how they ended: tag `exit_code` (e.g. `"0"`) or `signal` (e.g. `"SIGKILL"`).
 *
 * @example
 * import { Metric } from "effect"
 * import { ProcessMetrics } from "@effect-process/core"
 *
 * const crashes = Metric.value(ProcessMetrics.exits.pipe(Metric.tagged("program", "worker"), Metric.tagged("exit_code", "1")))
 *
 * @since 0.1.0
 * @category metrics
 */
export const exits: Metric.Metric.Counter<number> = internal.exits

/**
 * Terminations that had to SIGKILL the group after the grace.
 *
 * @example
 * import { Metric } from "effect"
 * import { ProcessMetrics } from "@effect-process/core"
 *
 * const stubborn = Metric.value(ProcessMetrics.forcedKills.pipe(Metric.tagged("program", "server")))
 *
 * @since 0.1.0
 * @category metrics
 */
export const forcedKills: Metric.Metric.Counter<number> = internal.forcedKills

/**
 * Restarts made by a `Supervisor`.
 *
 * @example
 * import { Metric } from "effect"
 * import { ProcessMetrics } from "@effect-process/core"
 *
 * const restarted = Metric.value(ProcessMetrics.restarts.pipe(Metric.tagged("program", "worker")))
 *
 * @since 0.1.0
 * @category metrics
 */
export const restarts: Metric.Metric.Counter<number> = internal.restarts

/**
 * Seconds from launch to readiness (recorded when `readiness` is set and succeeds).
 *
 * @example
 * import { Metric } from "effect"
 * import { ProcessMetrics } from "@effect-process/core"
 *
 * const startup = Metric.value(ProcessMetrics.launchToReady.pipe(Metric.tagged("program", "postgres")))
 *
 * @since 0.1.0
 * @category metrics
 */
export const launchToReady: Metric.Metric<
  MetricKeyType.MetricKeyType.Histogram,
  number,
  MetricState.MetricState.Histogram
> = internal.launchToReady
