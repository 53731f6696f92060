/**
 * Narrowing assertions for the library's typed errors, so tests can check `reason` and context fields.
 */
import { expect } from "@effect/vitest"
import { ProcessError, StateError, TimeoutError } from "effect-process"

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.constructor.name}: ${error.message}` : JSON.stringify(error)

export function assertProcessError(
  error: unknown,
  reason: ProcessError["reason"]
): asserts error is ProcessError {
  if (!(error instanceof ProcessError)) expect.fail(`expected a ProcessError ${reason}, got ${describe(error)}`)
  expect(error._tag).toBe("ProcessError")
  expect(error.reason, error.message).toBe(reason)
}

export function assertStateError(error: unknown, reason: StateError["reason"]): asserts error is StateError {
  if (!(error instanceof StateError)) expect.fail(`expected a StateError ${reason}, got ${describe(error)}`)
  expect(error._tag).toBe("StateError")
  expect(error.reason, error.message).toBe(reason)
}

export function assertTimeoutError(error: unknown, reason: TimeoutError["reason"]): asserts error is TimeoutError {
  if (!(error instanceof TimeoutError)) expect.fail(`expected a TimeoutError ${reason}, got ${describe(error)}`)
  expect(error._tag).toBe("TimeoutError")
  expect(error.reason, error.message).toBe(reason)
}
