// Generated from packages/core/src/internal/managedProcess.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * The lifecycle of a managed process, top to bottom, and where each stage lives:
 *
 *   0. options      decoded once, before anything is started: the command, its environment,   (`command.ts`,
 *                   stdio, sizes and `waitDelay`; the terminate settings                         `settings.ts`)
 *   1. launch       spawn into a new process group, attach the output pump, register the       (`launch.ts`)
 *                   release; with `retry`, each attempt in a scope of its own
 *      ready        race the readiness check against the exit and the timeout                  (`launch.ts`,
 *                   (readiness checks are data, interpreted with one reader per pipe)           `readiness.ts`)
 *   2. use          the handle (`handle.ts`): reads and streams (`reading.ts`), stdin and       (`control.ts`)
 *                   signals; the process's state (`Running`, `Exited`, `Terminating`,
 *                   `Released`) and its errors                                                  (`process.ts`,
 *                                                                                                `errors.ts`)
 *   3. terminate    signal the group, grace, SIGKILL the group, bounded waits, once            (`terminate.ts`)
 *   4. end pipes    wait (at most `waitDelay`) for the pipes, close them, flush the relay      (`terminate.ts`)
 *   and `run`: launch, collect the output, await the exit, release                              (`run.ts`).
 *
 * The release of the scope is stage 3 with the options given at launch, then the state `Released`. Nothing in 3
 * and 4 waits without a bound, so the release never hangs; nothing in them fails, so the release never fails.
 *
 * This module is the one the public `ManagedProcess` module and the other internals import.
 */
import type * as Duration from "effect/Duration"
import * as reading from "./reading.js"

export {
  /** @internal */
  isManagedProcess,
  /** @internal */
  readChar,
  /** @internal */
  readLine,
  /** @internal */
  takeLines,
  /** @internal */
  terminateDual as terminate,
  /** @internal */
  TypeId,
  /** @internal */
  waitForOutput,
  /** @internal */
  write
} from "./handle.js"
export {
  /** @internal */
  checkHealth,
  /** @internal */
  layer,
  /** @internal */
  make,
  /** @internal */
  makeWith
} from "./launch.js"
export {
  /** @internal */
  lines,
  run,
  streamLines,
  string
} from "./run.js"
export {
  /** @internal */
  DEFAULT_KILL_TIMEOUT,
  /** @internal */
  DEFAULT_TERMINATE_TIMEOUT
} from "./settings.js"

/** @internal */
export const DEFAULT_READLINE_TIMEOUT: Duration.Input = reading.DEFAULT_READLINE_TIMEOUT
/** @internal */
export const DEFAULT_READCHAR_TIMEOUT: Duration.Input = reading.DEFAULT_READCHAR_TIMEOUT
/** @internal */
export const DEFAULT_WAIT_TIMEOUT: Duration.Input = reading.DEFAULT_WAIT_TIMEOUT
