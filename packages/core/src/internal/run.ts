/**
 * `run`: launch, write the input, collect the output, await the exit, release, in as few steps as it can be (it is
 * on the path of every short-lived command).
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import type * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import type { ProcessError, TimeoutError } from "../ProcessError.js"
import type { ExitStatus, ProcessSpawner } from "../ProcessSpawner.js"
import { collect } from "./collect.js"
import { argvOf, decodeDuration, hasOwnStdin } from "./command.js"
import { closeStdin, feedStdin, writeStdin } from "./control.js"
import * as errors from "./errors.js"
import { processError } from "./errors.js"
import { launching } from "./launch.js"
import type { Process } from "./process.js"
import { decodeSettings } from "./settings.js"
import { release } from "./terminate.js"

const DEFAULT_MAX_BUFFER = 128 * 1024 * 1024

/**
 * Launch, write the input, collect the output, await the exit, release. Without a `Scope`: the release is the
 * `onExit` of an uninterruptible region whose use is interruptible, as `acquireRelease` would do it, but without a
 * scope and its finalizer map per run (about 40 KB of allocation, measured, on the path of every `run`).
 *
 * @internal
 */
export const run = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.RunOptions = {}
): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError, ProcessSpawner> =>
  Effect.suspend((): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError, ProcessSpawner> => {
    const { input: stdinInput, maxBuffer = DEFAULT_MAX_BUFFER, successExitCodes = [0], timeout } = options
    // Validated before anything is started.
    const limit = timeout === undefined ? undefined : decodeDuration(argvOf(input), "timeout", timeout, 0)
    if (limit !== undefined && Either.isLeft(limit)) return Effect.fail(limit.left)
    // `input` is written then closed; a Command's own stdin (a Stream, or "inherit") is honoured; otherwise the
    // child gets an empty stdin, so `cat` ends at once.
    const stdin = stdinInput !== undefined ? "pipe" as const : hasOwnStdin(input) ? undefined : "ignore" as const
    const settings = decodeSettings(input, options, { relayStderr: false, stdin })
    if (Either.isLeft(settings)) return Effect.fail(settings.left)
    return launching(
      settings.right,
      (launch) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(launch, (proc) => {
            const body = runToCompletion(proc, {
              stdinInput,
              stdinStream: settings.right.spec.stdinStream,
              maxBuffer,
              successExitCodes,
              limit: limit?.right
            })
            return Effect.onExit(restore(body), () => release(proc))
          })
        )
    )
  })

const runToCompletion = (proc: Process, options: {
  readonly stdinInput: string | Uint8Array | undefined
  readonly stdinStream: Stream.Stream<Uint8Array, unknown> | undefined
  readonly maxBuffer: number
  readonly successExitCodes: ReadonlyArray<number>
  readonly limit: Duration.Duration | undefined
}): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError> =>
  Effect.flatMap(Clock.currentTimeMillis, (started) => {
    const { limit, stdinInput, stdinStream } = options
    // A child that exits without reading its input is not an error of `run`: its exit code says what happened.
    const feeding = stdinInput !== undefined
      ? Effect.ignore(Effect.zipRight(writeStdin(proc, stdinInput), closeStdin(proc)))
      : stdinStream !== undefined
      ? feedStdin(proc, stdinStream)
      : undefined
    const collected: Effect.Effect<readonly [string, string, ExitStatus], ProcessError | TimeoutError> =
      limit === undefined ? collect(proc, options.maxBuffer) : collect(proc, options.maxBuffer).pipe(
        Effect.timeoutFail({ duration: limit, onTimeout: () => errors.timeoutError(proc, "Run", limit) })
      )
    const work = feeding === undefined
      ? collected
      : Effect.flatMap(Effect.forkDaemon(feeding), (writer) => Effect.ensuring(collected, Fiber.interrupt(writer)))
    return Effect.flatMap(
      work,
      ([stdout, stderr, exit]) =>
        Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<ManagedProcess.RunResult, ProcessError> => {
          if (exit.exitCode === undefined || !options.successExitCodes.includes(exit.exitCode)) {
            return Effect.fail(processError(proc, exit.exitCode === undefined ? "KilledBySignal" : "NonZeroExit"))
          }
          return Effect.succeed({
            command: proc.command,
            pid: proc.pid,
            exitCode: exit.exitCode,
            stdout,
            stderr,
            duration: Duration.millis(now - started)
          })
        })
    )
  })
