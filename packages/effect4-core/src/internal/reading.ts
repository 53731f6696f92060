// Generated from packages/core/src/internal/reading.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Reading a process's output, on top of its `OutputChannel`s:
 *
 *   hold        one reader per pipe at a time, for a scope                            (`holdPipes`)
 *   wait        for a change on any of the held pipes, bounded after the exit         (`awaitOutput`)
 *   exact reads readLine, readChar, takeLines: consume exactly what they return,     (`readNext`)
 *               lose nothing on timeout
 *   streams     stdout / stderr / lines / stderrLines: everything available per pull (`pipeStream`)
 * and, in modules of their own, matching (`waitForOutput`, output readiness: `matching.ts`) and collecting (`run`:
 * `collect.ts`).
 *
 * Once the leader has exited, every wait here ends at most `waitDelay` later, when the process marks its pipes
 * overdue: a descendant that left the process group can hold a pipe open forever. No wait needs a timer of its own.
 */
import { LINE_TOO_LONG, type OutputChannel } from "@effect-process/engine/OutputChannel"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import type * as OutputPattern from "../OutputPattern.js"
import { ProcessError, type StateError, type TimeoutError } from "../ProcessError.js"
import type { ExitStatus } from "../ProcessSpawner.js"
import { awaitAnyChange } from "./awaitChange.js"
import { decodeDuration } from "./command.js"
import * as compat from "./compat.js"
import { invalidArgument, processError, timeoutError } from "./errors.js"
import type { Once } from "./once.js"

/** @internal */
export const DEFAULT_READLINE_TIMEOUT: Duration.Input = "2 seconds"
/** @internal */
export const DEFAULT_READCHAR_TIMEOUT: Duration.Input = "1 second"
/** @internal */
export const DEFAULT_WAIT_TIMEOUT: Duration.Input = "10 seconds"

/**
 * What reading needs of a process: its pipes, its exit, whether it was released.
 *
 * @internal
 */
export interface Readable {
  readonly command: ReadonlyArray<string>
  readonly pid: number
  readonly stdout: OutputChannel | undefined
  readonly stderr: OutputChannel | undefined
  /** The exit status, once the leader's exit was noticed. */
  readonly exit: ExitStatus | undefined
  readonly exited: Once<ExitStatus>
  /** The scope was closed: reads are refused, waiting readers end. */
  readonly released: boolean
  /**
   * Readers stop waiting for the pipes to end: set (and every waiter woken) `waitDelay` after the leader's exit
   * was noticed while a pipe was still open.
   */
  readonly pipesOverdue: boolean
  /** How long output may take to arrive after the exit, and a read that found the output over waits for the exit. */
  readonly waitDelay: Duration.Duration
  tails(): { stdoutTail: string | undefined; stderrTail: string | undefined }
  stateError(reason: StateError["reason"], operation: string): StateError
}

// -----------------------------------------------------------------------------------------------------------------
// Holding and waiting
// -----------------------------------------------------------------------------------------------------------------

/**
 * Holds the reader slot of each pipe in `sources` for the current scope. Refused (`StateError`) after the release,
 * for a pipe that is not captured, and while another reader holds one of them.
 *
 * @internal
 */
export const holdPipes = (
  proc: Readable,
  sources: ReadonlyArray<OutputPattern.Source>,
  operation: string
): Effect.Effect<Array<OutputChannel>, StateError, Scope.Scope> =>
  Effect.acquireRelease(
    acquirePipes(proc, sources, operation),
    (channels) => Effect.sync(() => channels.forEach((channel) => channel.letGo()))
  )

/**
 * An exact read of the pipes named by `sources`: holds their reader slots, and takes output in a transaction on each
 * that is committed only when the whole read succeeds. Whatever else ends it (a timeout, a failure, an interruption
 * at any point, also one that lands after the output was taken in an inner fiber of a timeout or a race) gives
 * everything back, in order: the transaction is settled in the same uninterruptible step that gives back the
 * reader slots, once the read's outcome is final. `settle` may settle a transaction itself on success (for example
 * commit only part of what was taken); the others are committed.
 *
 * @internal
 */
export const exactRead = <A, E, R>(
  proc: Readable,
  sources: ReadonlyArray<OutputPattern.Source>,
  operation: string,
  read: (channels: ReadonlyArray<OutputChannel>) => Effect.Effect<A, E, R>,
  settle?: (channels: ReadonlyArray<OutputChannel>, value: A) => void
): Effect.Effect<A, E | StateError, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(acquirePipes(proc, sources, operation), (channels) => {
      for (const channel of channels) channel.begin()
      return Effect.onExit(restore(read(channels)), (exit) =>
        Effect.sync(() => {
          if (Exit.isSuccess(exit)) {
            settle?.(channels, exit.value)
            for (const channel of channels) channel.commit()
          } else {
            for (const channel of channels) channel.rewind()
          }
          for (const channel of channels) channel.letGo()
        }))
    })
  )

/** The reader slots of `sources`, or the `StateError` that refuses them. */
const acquirePipes = (
  proc: Readable,
  sources: ReadonlyArray<OutputPattern.Source>,
  operation: string
): Effect.Effect<Array<OutputChannel>, StateError> =>
  Effect.suspend(() => {
    if (proc.released) return Effect.fail(proc.stateError("Released", operation))
    const channels: Array<OutputChannel> = []
    for (const source of sources) {
      const channel = proc[source]
      if (channel === undefined) return Effect.fail(proc.stateError("NotPiped", operation))
      channels.push(channel)
    }
    const held = channels.filter((channel) => channel.hold(operation))
    if (held.length === channels.length) return Effect.succeed(channels)
    held.forEach((channel) => channel.letGo())
    return Effect.fail(proc.stateError("ConcurrentRead", operation))
  })

const FALSE = Effect.succeed(false)

/**
 * Waits for new output on any of `channels` (or their end, the exit, the release, the pipes' time running out).
 * Succeeds with `false` when there is nothing more to wait for: the process was released, or its pipes are overdue.
 * Waiting costs one callback per channel and no timer: the process wakes every waiter when the pipes' time is up.
 *
 * @internal
 */
export const awaitOutput = (
  proc: Readable,
  channels: ReadonlyArray<OutputChannel>,
  versions: ReadonlyArray<number>
): Effect.Effect<boolean> => proc.released || proc.pipesOverdue ? FALSE : awaitAnyChange(channels, versions, true)

// -----------------------------------------------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------------------------------------------

/** @internal */
export const outputEnded = (proc: Readable, detail?: string): ProcessError =>
  processError(proc, "OutputEnded", { detail })

const lineTooLong = (proc: Readable, name: OutputPattern.Source, channel: OutputChannel): ProcessError =>
  processError(proc, "LineTooLong", {
    detail: `a line of ${name} is longer than maxLineLength (${channel.maxLineLength} characters); ` +
      "it was skipped: the next line read starts after it"
  })

// -----------------------------------------------------------------------------------------------------------------
// Exact reads
// -----------------------------------------------------------------------------------------------------------------

/** Waits until `take` yields, or fails when the output ended with nothing for it. */
const takeNext = <A>(
  proc: Readable,
  channel: OutputChannel,
  take: () => A | undefined | ProcessError
): Effect.Effect<A, ProcessError> =>
  Effect.gen(function*() {
    for (;;) {
      const version = channel.currentVersion
      const value = take()
      if (value instanceof ProcessError) return yield* Effect.fail(value)
      if (value !== undefined) return value as A
      if (channel.exhausted || !(yield* awaitOutput(proc, [channel], [version]))) return yield* outputEnded(proc)
    }
  })

/** What a read's `TimeoutError.seen` shows: the output it took and what is decoded after it, bounded. */
const SEEN_LENGTH = 64 * 1024

/**
 * An exact read of stdout (a line, a character, lines) with its timeout: `take` is called until it yields, in a
 * transaction (see `exactRead`).
 */
const readNext = <A>(
  proc: Readable,
  options: ManagedProcess.ReadOptions | undefined,
  reason: "ReadLine" | "ReadChar",
  operation: string,
  defaultTimeout: Duration.Input,
  take: (channel: OutputChannel) => A | undefined | ProcessError
): Effect.Effect<A, ProcessError | StateError | TimeoutError> =>
  Effect.flatMap(
    compat.fromEither(decodeDuration(proc.command, "timeout", options?.timeout, defaultTimeout)),
    (timeout) =>
      exactRead(proc, ["stdout"], operation, ([channel]) =>
        compat.timeoutFail(
          takeNext(proc, channel!, () => take(channel!)),
          timeout,
          () => timeoutError(proc, reason, timeout, { seen: channel!.seenText(SEEN_LENGTH) })
        ))
  )

/** @internal */
export const readLine = (proc: Readable, options: ManagedProcess.ReadOptions | undefined) =>
  readNext(proc, options, "ReadLine", "readLine", DEFAULT_READLINE_TIMEOUT, (channel) => {
    const lines = channel.takeLines(1)
    return lines === LINE_TOO_LONG ? lineTooLong(proc, "stdout", channel) : lines[0]
  })

/** @internal */
export const readChar = (proc: Readable, options: ManagedProcess.ReadOptions | undefined) =>
  readNext(proc, options, "ReadChar", "readChar", DEFAULT_READCHAR_TIMEOUT, (channel) => channel.takeChar())

/**
 * The next `count` lines of stdout, exactly: what follows them stays unread. A timeout, an early end of the output
 * or an interruption gives the lines already taken back, losing nothing. A line longer than `maxLineLength` among
 * them fails the read with `LineTooLong` and is skipped; the lines before it are given back.
 *
 * @internal
 */
export const takeLines = (
  proc: Readable,
  count: number,
  options: ManagedProcess.ReadOptions | undefined
): Effect.Effect<ReadonlyArray<string>, ProcessError | StateError | TimeoutError> => {
  if (!(Number.isSafeInteger(count) && count >= 0)) {
    return Effect.fail(invalidArgument(proc, `takeLines: the count must be a non-negative integer (got ${count})`))
  }
  if (count === 0) return Effect.succeed([])
  return Effect.suspend(() => {
    // Each run of the Effect reads afresh.
    let taken: Array<string> = []
    return readNext(proc, options, "ReadLine", "takeLines", DEFAULT_READLINE_TIMEOUT, (channel) => {
      for (;;) {
        const lines = channel.takeLines(count - taken.length)
        if (lines === LINE_TOO_LONG) return lineTooLong(proc, "stdout", channel)
        if (lines.length === 0) return undefined
        taken = taken.length === 0 ? lines : taken.concat(lines)
        if (taken.length === count) return taken
      }
    })
  })
}

// -----------------------------------------------------------------------------------------------------------------
// Streams
// -----------------------------------------------------------------------------------------------------------------

/**
 * A stream of the pipe's unread output that holds the reader slot while it runs. Each pull takes everything
 * available at that moment as one chunk (one pull per arrival, not per line or per 64 KiB), and what a pull took is
 * consumed: a downstream that stops in the middle of a chunk (`take`, `takeUntil`, `find`) drops the rest of it.
 */
const pipeStream = <A, E>(
  proc: Readable,
  name: OutputPattern.Source,
  operation: string,
  take: (channel: OutputChannel) => ReadonlyArray<A> | E
): Stream.Stream<A, StateError | E> =>
  Stream.unwrap(
    Effect.map(holdPipes(proc, [name], operation), ([held]) => {
      const channel = held!
      // The pull is on the path of every arrival: a plain recursive Effect, no generator.
      const pull: compat.Pull<A, E> = Effect.suspend(() => {
        const version = channel.currentVersion
        const items = take(channel)
        if (!Array.isArray(items)) return compat.pullFail(items as E)
        if (items.length > 0) return compat.pullEmit(items)
        if (channel.exhausted) return compat.pullEnd
        return Effect.flatMap(awaitOutput(proc, [channel], [version]), (more) => more ? pull : compat.pullEnd)
      })
      return compat.fromPull(pull)
    })
  )

/** @internal */
export const byteStream = (proc: Readable, name: OutputPattern.Source): Stream.Stream<Uint8Array, StateError> =>
  pipeStream<Uint8Array, never>(proc, name, name, (channel) => channel.takeBytes())

/** @internal */
export const lineStream = (
  proc: Readable,
  name: OutputPattern.Source
): Stream.Stream<string, StateError | ProcessError> =>
  pipeStream(proc, name, name === "stdout" ? "lines" : "stderrLines", (channel) => {
    const lines = channel.takeLines(Infinity)
    return lines === LINE_TOO_LONG ? lineTooLong(proc, name, channel) : lines
  })
