// Generated from packages/core/src/internal/optionChecks.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * The checks of the options of a retrying launch and of a `Supervisor` that are neither durations nor log levels:
 * what a JavaScript caller can pass that the types forbid, refused as `InvalidCommand` before anything starts.
 */
import { checkSuccessExitCodes, shown, typeName } from "@effect-process/engine/LaunchOptions"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { ProcessError } from "../ProcessError.js"
import type * as Supervisor from "../Supervisor.js"
import { invalid, refused } from "./errors.js"
import { isReadiness } from "./readiness.js"

/**
 * The `InvalidCommand` of a `retry` that is not a `Schedule`, or of a `retryWhile` that is not a function, or
 * `undefined` when both are fine (or absent). A `Supervisor` checks them before its first start.
 *
 * @internal
 */
export const retryProblem = (
  command: ReadonlyArray<string>,
  options: { readonly retry?: unknown; readonly retryWhile?: unknown }
): ProcessError | undefined =>
  options.retry !== undefined && !Schedule.isSchedule(options.retry)
    ? invalid(command, `retry must be a Schedule (got ${typeName(options.retry)})`)
    : options.retryWhile !== undefined && typeof options.retryWhile !== "function"
    ? invalid(command, `retryWhile must be a function (got ${typeName(options.retryWhile)})`)
    : undefined

const POLICIES: ReadonlyArray<unknown> = ["always", "on-failure", "never"]

const isPositiveInteger = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 1

/**
 * The supervision options that are not durations or log levels, checked before the first start: a count that is
 * not a positive integer (a `failureThreshold` of 0 would kill a healthy process at every check) or a backoff that
 * is not a `Schedule` (the loop could never start) is an `InvalidCommand`, naming the option.
 *
 * @internal
 */
export const supervisionProblem = (
  argv: ReadonlyArray<string>,
  options: Supervisor.Options<any, any, any, any>
): ProcessError | undefined => {
  const problem = (detail: string) => invalid(argv, detail)
  const { backoff, healthCheck, restart, startLimit, successExitCodes } = options
  if (restart !== undefined && !POLICIES.includes(restart)) {
    return problem(`restart must be "always", "on-failure" or "never" (got ${shown(restart)})`)
  }
  const codes = checkSuccessExitCodes(argv, successExitCodes)
  if (codes !== undefined) return refused(codes)
  if (backoff !== undefined && !Schedule.isSchedule(backoff)) {
    return problem(`backoff must be a Schedule (got ${typeName(backoff)})`)
  }
  if (startLimit !== undefined) {
    if (typeof startLimit !== "object" || startLimit === null) {
      return problem(`startLimit must be an object { burst, interval } (got ${typeName(startLimit)})`)
    }
    if (!isPositiveInteger(startLimit.burst) && startLimit.burst !== Infinity) {
      return problem(`startLimit.burst must be a positive integer or Infinity (got ${shown(startLimit.burst)})`)
    }
  }
  if (healthCheck !== undefined) {
    if (typeof healthCheck !== "object" || healthCheck === null) {
      return problem(`healthCheck must be an object with a probe (got ${typeName(healthCheck)})`)
    }
    if (!Effect.isEffect(healthCheck.probe) && !isReadiness(healthCheck.probe)) {
      return problem(`healthCheck.probe must be an Effect or a Readiness (got ${typeName(healthCheck.probe)})`)
    }
    const threshold = healthCheck.failureThreshold
    if (threshold !== undefined && !isPositiveInteger(threshold)) {
      return problem(`healthCheck.failureThreshold must be a positive integer (got ${shown(threshold)})`)
    }
  }
  return retryProblem(argv, options)
}
