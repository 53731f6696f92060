// Generated from packages/core/src/internal/control.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * What the handle does to a running process besides reading it: send a signal to its group, write to its stdin,
 * close it, or feed it a stream. Each refuses, as a `StateError`, what the process's state does not allow.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { ProcessError, StateError } from "../ProcessError.js"
import type { Signal } from "../ProcessSpawner.js"
import * as errors from "./errors.js"
import { processError } from "./errors.js"
import type { Process } from "./process.js"
import { byteStream } from "./reading.js"
import { decodeSignal } from "./settings.js"
import { describeFailure, quietly } from "./telemetry.js"

/** @internal */
export const kill = (proc: Process, signal: Signal): Effect.Effect<void, ProcessError | StateError> =>
  Effect.suspend((): Effect.Effect<void, ProcessError | StateError> => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "kill"))
    const valid = decodeSignal(proc.command, "kill", signal)
    if (Result.isFailure(valid)) return Effect.fail(valid.failure)
    return proc.spawned.signal(signal, "group").pipe(
      Effect.mapError((error) => processError(proc, "SignalFailed", { signal, errno: error.code, cause: error.cause })),
      Effect.asVoid
    )
  })

const encoder = new TextEncoder()

/** @internal */
export const writeStdin = (proc: Process, input: string | Uint8Array): Effect.Effect<void, ProcessError | StateError> =>
  Effect.suspend((): Effect.Effect<void, ProcessError | StateError> => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "write"))
    if (proc.spec.request.stdin !== "pipe") return Effect.fail(proc.stateError("NotPiped", "write"))
    if (proc.stdinClosed) return Effect.fail(proc.stateError("StdinClosed", "write"))
    if (typeof input !== "string" && !(input instanceof Uint8Array)) {
      return Effect.fail(
        errors.invalidArgument(
          proc,
          `write: the input must be a string or a Uint8Array (got ${input === null ? "null" : typeof input})`
        )
      )
    }
    return proc.spawned.write(typeof input === "string" ? encoder.encode(input) : input).pipe(
      Effect.mapError((error) =>
        processError(proc, "WriteFailed", {
          errno: error.code,
          detail: proc.exit === undefined ? error.message : "the process has exited",
          cause: error.cause
        })
      )
    )
  })

/** @internal */
export const closeStdin = (proc: Process): Effect.Effect<void, StateError> =>
  Effect.suspend(() => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "closeStdin"))
    if (proc.spec.request.stdin !== "pipe") return Effect.fail(proc.stateError("NotPiped", "closeStdin"))
    proc.stdinClosed = true
    return proc.spawned.closeStdin
  })

/** @internal */
export const feedStdin = (proc: Process, stream: Stream.Stream<Uint8Array, unknown>): Effect.Effect<void> =>
  Stream.runForEach(
    // A failure of the stream itself (not of a write: a child that stopped reading is not an error) is recorded
    // for \`run\`, which fails with it, and logged: the child's input was cut short.
    Stream.catchCause(
      stream,
      (cause) =>
        Cause.hasInterruptsOnly(cause) ? Stream.failCause(cause) : Stream.fromEffectDrain(Effect.suspend(() => {
          const error = Cause.squash(cause)
          const failure = processError(proc, "WriteFailed", {
            detail: `the stdin stream failed: ${describeFailure(error)}`,
            cause: error
          })
          proc.inputFailure = failure
          return quietly(Effect.annotateLogs(Effect.logWarning(`${failure.detail}; stdin closed`), proc.annotations))
        }))
    ),
    (chunk) => writeStdin(proc, chunk)
  ).pipe(
    Effect.catchCause((cause) => quietly(Effect.logDebug("stdin stream of the Command ended with an error", cause))),
    // However the stream ended (a failure too), the child sees the end of its input: \`cat\` must not wait forever.
    Effect.ensuring(Effect.ignore(closeStdin(proc)))
  )

/**
 * One pipe of a pipeline: `from`'s stdout into `to`'s stdin, closed at the end of `from`'s output. When `to` no longer
 * reads (it exited, or closed its stdin), `from` is sent SIGPIPE, as the kernel would at its next write to a pipe
 * without a reader, and its pipes are closed from this side, so that a `from` that ignores SIGPIPE gets EPIPE on its
 * writes: `yes | head -n 1` ends either way.
 *
 * @internal
 */
export const pipeStage = (from: Process, to: Process): Effect.Effect<void> =>
  Stream.runForEach(byteStream(from, "stdout"), (chunk) => writeStdin(to, chunk)).pipe(
    Effect.andThen(closeStdin(to)),
    Effect.catch((error) =>
      error._tag === "ProcessError" && error.reason === "WriteFailed"
        ? Effect.andThen(Effect.ignore(from.spawned.signal("SIGPIPE", "leader")), cutPipes(from))
        : Effect.void
    ),
    Effect.catchCause((cause) => quietly(Effect.logDebug("a pipe of the pipeline ended with an error", cause)))
  )

/** Closes `proc`'s pipes from this side (its writes fail with EPIPE) and ends its output. */
const cutPipes = (proc: Process): Effect.Effect<void> =>
  Effect.andThen(proc.spawned.closePipes, Effect.sync(() => proc.endOutput()))
