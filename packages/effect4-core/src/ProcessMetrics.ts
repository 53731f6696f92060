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
import * as internal from "./internal/metrics.js"

/**
 * Processes started (the spawn succeeded).
 *
 * @example
 * import { Effect, Metric } from "effect"
 * import { ProcessMetrics } from "effect-process"
 *
 * const started = Metric.value(ProcessMetrics.launches.pipe(Metric.withAttributes({ program: "node" })))
 *
 * @since 0.1.0
 * @category metrics
 */
export const launches: Metric.Counter<number> = internal.launches

/**
 * Processes released, by how they ended: tag `exit_code` (e.g. `"0"`) or `signal` (e.g. `"SIGKILL"`).
 *
 * @example
 * import { Metric } from "effect"
 * import { ProcessMetrics } from "effect-process"
 *
 * const crashes = Metric.value(ProcessMetrics.exits.pipe(Metric.withAttributes({ program: "worker", exit_code: "1" })))
 *
 * @since 0.1.0
 * @category metrics
 */
export const exits: Metric.Counter<number> = internal.exits

/**
 * Terminations that had to SIGKILL the group after the grace.
 *
 * @example
 * import { Metric } from "effect"
 * import { ProcessMetrics } from "effect-process"
 *
 * const stubborn = Metric.value(ProcessMetrics.forcedKills.pipe(Metric.withAttributes({ program: "server" })))
 *
 * @since 0.1.0
 * @category metrics
 */
export const forcedKills: Metric.Counter<number> = internal.forcedKills

/**
 * Restarts made by a `Supervisor`.
 *
 * @example
 * import { Metric } from "effect"
 * import { ProcessMetrics } from "effect-process"
 *
 * const restarted = Metric.value(ProcessMetrics.restarts.pipe(Metric.withAttributes({ program: "worker" })))
 *
 * @since 0.1.0
 * @category metrics
 */
export const restarts: Metric.Counter<number> = internal.restarts

/**
 * Seconds from launch to readiness (recorded when `readiness` is set and succeeds).
 *
 * @example
 * import { Metric } from "effect"
 * import { ProcessMetrics } from "effect-process"
 *
 * const startup = Metric.value(ProcessMetrics.launchToReady.pipe(Metric.withAttributes({ program: "postgres" })))
 *
 * @since 0.1.0
 * @category metrics
 */
export const launchToReady: Metric.Histogram<number> = internal.launchToReady
