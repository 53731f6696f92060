/**
 * `run`: launch, write the input, collect the output, await the exit, release, in as few steps as it can be (it is
 * on the path of every short-lived command).
 */
import * as LaunchOptions from "@effect-process/engine/LaunchOptions"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import { identity } from "effect/Function"
import * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import { describeCommand, type ProcessError, type TimeoutError } from "../ProcessError.js"
import type { ExitStatus, ProcessSpawner } from "../ProcessSpawner.js"
import { collect } from "./collect.js"
import { argvOf, decodeDuration, hasOwnStdin } from "./command.js"
import * as compat from "./compat.js"
import { closeStdin, feedStdin, pipeStage, writeStdin } from "./control.js"
import * as errors from "./errors.js"
import { invalid, processError, refused } from "./errors.js"
import type { Handle } from "./handle.js"
import { launching, makeWith } from "./launch.js"
import type { Process } from "./process.js"
import { decodePlan, isPipeline, type Pipeline } from "./settings.js"
import { release } from "./terminate.js"

const DEFAULT_MAX_BUFFER = 128 * 1024 * 1024

/**
 * Launch, write the input, collect the output, await the exit, release. Without a `Scope`: the release is the
 * `onExit` of an uninterruptible region whose use is interruptible, as `acquireRelease` would do it, but without a
 * scope and its finalizer map per run (about 40 KB of allocation, measured, on the path of every `run`).
 *
 * @internal
 */
/** The `InvalidCommand` of malformed `run` options, if they are. */
const checkRunOptions = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.RunOptions
): ProcessError | undefined => {
  try {
    const refusal = LaunchOptions.checkRunOptions(argvOf(input), options)
    return refusal === undefined ? undefined : refused(refusal)
  } catch {
    // Options built with throwing getters or proxies: typed, not a defect.
    return invalid(argvOf(input), "the options could not be read")
  }
}

export const run = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.RunOptions = {}
): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError, ProcessSpawner> =>
  Effect.suspend((): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError, ProcessSpawner> => {
    // Validated before anything is started (`null` options, from a JavaScript caller: none).
    options ??= {}
    const malformed = checkRunOptions(input, options)
    if (malformed !== undefined) return Effect.fail(malformed)
    const { input: stdinInput, maxBuffer = DEFAULT_MAX_BUFFER, successExitCodes = [0], timeout } = options
    const limit = timeout == null ? undefined : decodeDuration(argvOf(input), "timeout", timeout, 0)
    if (limit !== undefined && Either.isLeft(limit)) return Effect.fail(limit.left)
    // `input` is written then closed; a Command's own stdin (a Stream, or "inherit") is honoured; otherwise the
    // child gets an empty stdin, so `cat` ends at once.
    const stdin = stdinInput !== undefined ? "pipe" as const : hasOwnStdin(input) ? undefined : "ignore" as const
    const plan = decodePlan(input, options, { relayStderr: false, stdin })
    if (Either.isLeft(plan)) return Effect.fail(plan.left)
    const runOptions = { stdinInput, maxBuffer, successExitCodes, limit: limit?.right }
    if (isPipeline(plan.right)) return runPipeline(plan.right, runOptions)
    const settings = plan.right
    return launching(
      settings,
      (launch) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(launch, (proc) => {
            const body = Effect.flatMap(
              runToCompletion(proc, proc, { ...runOptions, stdinStream: settings.spec.stdinStream }),
              (collected) => succeeded(proc.command, [proc], collected, successExitCodes)
            )
            return Effect.onExit(restore(body), () => release(proc))
          })
        )
    )
  })

interface RunOptions {
  readonly stdinInput: string | Uint8Array | undefined
  readonly maxBuffer: number
  readonly successExitCodes: ReadonlyArray<number>
  readonly limit: Duration.Duration | undefined
}

/** What a run collected: the output of its (last) process, its exit, and how long it took. */
interface Collected {
  readonly stdout: string
  readonly stderr: string
  readonly exit: ExitStatus
  readonly duration: Duration.Duration
}

/**
 * A piped `Command`: every stage launched (each released at the end, together), each stage's stdout piped into the
 * next one's stdin, the input written to the first, the last one's output collected, then every stage's exit
 * awaited. Pipefail: the run fails with the first stage, in order, whose exit is not a success (a stage before the
 * last that died of SIGPIPE, its readers gone, is not a failure).
 */
const runPipeline = (
  pipeline: Pipeline,
  options: RunOptions
): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError, ProcessSpawner> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.suspend(() => {
      const stages: Array<Process> = []
      const launchAll = Effect.forEach(
        pipeline.stages,
        (settings) => Effect.map(launching(settings, identity), (proc) => stages.push(proc)),
        { discard: true }
      )
      const body = Effect.gen(function*() {
        const pipes = yield* Effect.forEach(
          stages.slice(1),
          (to, i) => Effect.forkDaemon(pipeStage(stages[i]!, to))
        )
        const first = stages[0]!
        const last = stages[stages.length - 1]!
        const collected = yield* runToCompletion(first, last, {
          ...options,
          limit: undefined,
          stdinStream: pipeline.stages[0]!.spec.stdinStream
        }).pipe(Effect.ensuring(Effect.forEach(pipes, Fiber.interrupt, { discard: true })))
        yield* Effect.forEach(stages, (stage) => stage.exited.await(), { discard: true })
        return yield* succeeded(pipeline.argv, stages, collected, options.successExitCodes)
      })
      // The timeout bounds the whole pipeline: the last stage's output and every stage's exit.
      const limit = options.limit
      const bounded = limit === undefined
        ? body
        : compat.timeoutFail(body, limit, () => errors.timeoutError(stages[stages.length - 1]!, "Run", limit))
      const releaseAll = Effect.suspend(() =>
        Effect.forEach(stages, release, { concurrency: "unbounded", discard: true })
      )
      return Effect.onExit(Effect.zipRight(launchAll, restore(bounded)), () => releaseAll)
    })
  )

/** Launches `input`'s stdin feeding and collects `output` to its end; the same process unless it is a pipeline. */
const runToCompletion = (
  input: Process,
  output: Process,
  options: RunOptions & {
    readonly stdinStream: Stream.Stream<Uint8Array, unknown> | undefined
  }
): Effect.Effect<Collected, ProcessError | TimeoutError> =>
  Effect.flatMap(Clock.currentTimeMillis, (started) => {
    const { limit, stdinInput, stdinStream } = options
    // A child that exits without reading its input is not an error of `run`: its exit code says what happened.
    const feeding = stdinInput !== undefined
      ? Effect.ignore(Effect.zipRight(writeStdin(input, stdinInput), closeStdin(input)))
      : stdinStream !== undefined
      ? feedStdin(input, stdinStream)
      : undefined
    const collected: Effect.Effect<readonly [string, string, ExitStatus], ProcessError | TimeoutError> =
      limit === undefined
        ? collect(output, options.maxBuffer)
        : compat.timeoutFail(collect(output, options.maxBuffer), limit, () => errors.timeoutError(output, "Run", limit))
    const work = feeding === undefined
      ? collected
      : Effect.flatMap(Effect.forkDaemon(feeding), (writer) => Effect.ensuring(collected, Fiber.interrupt(writer)))
    return Effect.flatMap(work, ([stdout, stderr, exit]) =>
      // The child ran on a truncated input: its exit says nothing of what was asked.
      input.inputFailure !== undefined ?
        Effect.fail(input.inputFailure) :
        Effect.map(Clock.currentTimeMillis, (now): Collected => ({
          stdout,
          stderr,
          exit,
          duration: Duration.millis(now - started)
        })))
  })

/**
 * The error of the first process, in order, whose exit is not a success (pipefail), or `undefined`. A stage that
 * died of SIGPIPE because the stages after it stopped reading (`yes | head -n 1`) did what it was asked; bash's
 * pipefail would count it (141), but a pipeline whose last stage got what it wanted succeeded.
 */
const exitFailure = (
  command: ReadonlyArray<string>,
  processes: ReadonlyArray<Process>,
  successExitCodes: ReadonlyArray<number>
): ProcessError | undefined => {
  for (const [i, proc] of processes.entries()) {
    const exit = proc.exit!
    if (i < processes.length - 1 && exit.signal === "SIGPIPE") continue
    if (exit.exitCode === undefined || !successExitCodes.includes(exit.exitCode)) {
      return processError(proc, exit.exitCode === undefined ? "KilledBySignal" : "NonZeroExit", {
        detail: processes.length === 1
          ? undefined
          : `stage ${i + 1} of ${processes.length} of ${describeCommand(command, 200)}`
      })
    }
  }
  return undefined
}

/** The result, unless a process's exit is not a success: then the first such process's error (pipefail). */
const succeeded = (
  command: ReadonlyArray<string>,
  processes: ReadonlyArray<Process>,
  collected: Collected,
  successExitCodes: ReadonlyArray<number>
): Effect.Effect<ManagedProcess.RunResult, ProcessError> => {
  const failure = exitFailure(command, processes, successExitCodes)
  if (failure !== undefined) return Effect.fail(failure)
  const last = processes[processes.length - 1]!
  return Effect.succeed({
    command,
    pid: last.pid,
    exitCode: collected.exit.exitCode!,
    stdout: collected.stdout,
    stderr: collected.stderr,
    duration: collected.duration
  })
}

/**
 * `run`'s stdout, as `Command.string` gives it, but failing on an exit that is not a success.
 *
 * @internal
 */
export const string = (
  input: ManagedProcess.CommandInput,
  options?: ManagedProcess.RunOptions
): Effect.Effect<string, ProcessError | TimeoutError, ProcessSpawner> =>
  Effect.map(run(input, options), (result) => result.stdout)

/**
 * `run`'s stdout split into lines (without `\n` or `\r\n`; no empty last line for a final newline), as
 * `Command.lines` gives them, but failing on an exit that is not a success.
 *
 * @internal
 */
export const lines = (
  input: ManagedProcess.CommandInput,
  options?: ManagedProcess.RunOptions
): Effect.Effect<ReadonlyArray<string>, ProcessError | TimeoutError, ProcessSpawner> =>
  Effect.map(run(input, options), (result) => splitLines(result.stdout))

const splitLines = (text: string): ReadonlyArray<string> => {
  if (text.length === 0) return []
  const parts = text.split("\n")
  if (parts[parts.length - 1] === "") parts.pop()
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (part.endsWith("\r")) parts[i] = part.slice(0, -1)
  }
  return parts
}

/**
 * The lines of stdout as they arrive, then the exit checked: a stream that launches the process when it is run,
 * fails with `NonZeroExit` or `KilledBySignal` after the last line when the exit is not a success, and terminates
 * the process (its whole group) when it ends early (`Stream.take`, an interruption, a failure downstream).
 *
 * @internal
 */
export const streamLines = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.StreamLinesOptions = {}
): Stream.Stream<string, ProcessError, ProcessSpawner> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const given = options ?? {}
    const malformed = checkRunOptions(input, given)
    if (malformed !== undefined) return yield* Effect.fail(malformed)
    const { input: stdinInput, successExitCodes = [0], ...rest } = given
    const stdin = stdinInput !== undefined ? "pipe" as const : hasOwnStdin(input) ? undefined : "ignore" as const
    const plan = decodePlan(input, rest, { relayStderr: false, stdin })
    if (Either.isLeft(plan)) return yield* Effect.fail(plan.left)
    const command = isPipeline(plan.right) ? plan.right.argv : plan.right.spec.argv
    // `makeWith` builds a `Handle`; its processes are needed for the exit check (every stage of a pipeline).
    const handle = (yield* makeWith(plan.right, {})) as Handle<void>
    const processes = handle.processes
    if (stdinInput !== undefined) {
      const first = processes[0]!
      // A child that exits without reading its input: its exit code says what happened.
      yield* Effect.forkScoped(Effect.ignore(Effect.zipRight(writeStdin(first, stdinInput), closeStdin(first))))
    }
    const checked = Effect.flatMap(handle.awaitExit, () => {
      const failure = exitFailure(command, processes, successExitCodes)
      return failure === undefined ? Effect.void : Effect.fail(failure)
    })
    return Stream.concat(handle.lines, Stream.drain(Stream.fromEffect(checked)))
  })).pipe(
    // Without readiness no TimeoutError, and the stream owns the only reader of stdout for as long as the process
    // runs, so no StateError: either would be a bug of this library.
    Stream.catchAll((error) => error._tag === "ProcessError" ? Stream.fail(error) : Stream.die(error))
  )
