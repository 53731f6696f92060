/**
 * Reading a process's output, on top of its `OutputChannel`s:
 *
 *   hold        one reader per pipe at a time, for a scope                            (`holdPipes`)
 *   wait        for a change on any of the held pipes, bounded after the exit         (`awaitOutput`)
 *   exact reads readLine, readChar, takeLines: consume exactly what they return,     (`readNext`)
 *               lose nothing on timeout
 *   streams     stdout / stderr / lines / stderrLines: everything available per pull (`pipeStream`)
 *   matching    waitForOutput and output readiness: one pass, consume through the    (`matchPattern`)
 *               match, put back what was looked at when the wait gives up
 *   collecting  `run`: both pipes to their end in one loop                            (`collect`)
 *
 * Once the leader has exited, every wait here ends at most `waitDelay` later, when the process marks its pipes
 * overdue: a descendant that left the process group can hold a pipe open forever. No wait needs a timer of its own.
 */
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import type * as OutputPattern from "../OutputPattern.js"
import { ProcessError, type StateError, type TimeoutError } from "../ProcessError.js"
import type { ExitStatus } from "../ProcessSpawner.js"
import { decodeDuration } from "./command.js"
import { invalidArgument, processError, timeoutError } from "./errors.js"
import type { Once } from "./once.js"
import { awaitAnyChange, LINE_TOO_LONG, type OutputChannel } from "./outputChannel.js"
import * as pattern_ from "./outputPattern.js"
import { Utf8Decoder } from "./utf8.js"

/** @internal */
export const DEFAULT_READLINE_TIMEOUT: Duration.DurationInput = "2 seconds"
/** @internal */
export const DEFAULT_READCHAR_TIMEOUT: Duration.DurationInput = "1 second"
/** @internal */
export const DEFAULT_WAIT_TIMEOUT: Duration.DurationInput = "10 seconds"

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
    (channels) => Effect.sync(() => channels.forEach((channel) => channel.releaseReader()))
  )

/**
 * An exact read of the pipes named by `sources`: holds their reader slots, and takes output in a transaction on each
 * that is committed only when the whole read succeeds. Whatever else ends it (a timeout, a failure, an interruption
 * at any point, also one that lands after the output was taken in an inner fiber of a timeout or a race) gives
 * everything back, in order: the transaction is settled in the same uninterruptible step that gives back the
 * reader slots, once the read's outcome is final. `settle` may settle a transaction itself on success (for example
 * commit only part of what was taken); the others are committed.
 */
const exactRead = <A, E, R>(
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
          for (const channel of channels) channel.releaseReader()
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
    const held = channels.filter((channel) => channel.acquire(operation))
    if (held.length === channels.length) return Effect.succeed(channels)
    held.forEach((channel) => channel.releaseReader())
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
  defaultTimeout: Duration.DurationInput,
  take: (channel: OutputChannel) => A | undefined | ProcessError
): Effect.Effect<A, ProcessError | StateError | TimeoutError> =>
  Effect.flatMap(
    decodeDuration(proc.command, "timeout", options?.timeout, defaultTimeout),
    (timeout) =>
      exactRead(proc, ["stdout"], operation, ([channel]) =>
        takeNext(proc, channel!, () => take(channel!)).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => timeoutError(proc, reason, timeout, { seen: channel!.seenText(SEEN_LENGTH) })
          })
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
  Stream.unwrapScoped(
    Effect.map(holdPipes(proc, [name], operation), ([held]) => {
      const channel = held!
      // The pull is on the path of every arrival: a plain recursive Effect, no generator.
      const end = Effect.fail(Option.none())
      const pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>> = Effect.suspend(() => {
        const version = channel.currentVersion
        const items = take(channel)
        if (!Array.isArray(items)) return Effect.fail(Option.some(items as E))
        if (items.length > 0) return Effect.succeed(Chunk.unsafeFromArray(items))
        if (channel.exhausted) return end
        return Effect.flatMap(awaitOutput(proc, [channel], [version]), (more) => more ? pull : end)
      })
      return Stream.repeatEffectChunkOption(pull)
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

// -----------------------------------------------------------------------------------------------------------------
// Matching
// -----------------------------------------------------------------------------------------------------------------

/** @internal */
export const waitForOutput = <A>(
  proc: Readable,
  pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<A>,
  options: ManagedProcess.ReadOptions | undefined
): Effect.Effect<A, ProcessError | StateError | TimeoutError> => {
  const resolved =
    (pattern_.isOutputPattern(pattern) ? pattern : pattern_.allParts(pattern)) as OutputPattern.OutputPattern<A>
  return Effect.flatMap(
    decodeDuration(proc.command, "timeout", options?.timeout, DEFAULT_WAIT_TIMEOUT),
    (timeout) => {
      const matcher = resolved.matcher()
      // The timeout is inside the exact read, so that a match it cuts off is given back.
      return matchPattern(proc, resolved, matcher, "waitForOutput", (match) =>
        Effect.timeoutFail(match, {
          duration: timeout,
          onTimeout: () =>
            timeoutError(proc, "WaitForOutput", timeout, { seen: matcher.seen(), expected: resolved.description })
        }))
    }
  )
}

/**
 * Holds the reader slot of every pipe `pattern` reads and matches their output with `matcher`, as an exact read: on
 * success, the pipe whose output completed the match is consumed through the line that completed it, and what was
 * read of any other pipe is given back; on any other outcome everything is given back (see `exactRead`).
 *
 * @internal
 */
export const matchPattern = <A, E = never>(
  proc: Readable,
  pattern: OutputPattern.OutputPattern<A>,
  matcher: OutputPattern.Matcher<A>,
  operation: string,
  bound: (match: Effect.Effect<Consumed<A>, ProcessError>) => Effect.Effect<Consumed<A>, ProcessError | E> = identity
): Effect.Effect<A, ProcessError | StateError | E> =>
  Effect.map(
    exactRead(proc, pattern.sources, operation, (channels) => {
      let outcome: Exit.Exit<A, ProcessError> | undefined
      const leaf: Leaf = { matcher, sources: pattern.sources, settle: (exit) => outcome = exit as Exit.Exit<A, never> }
      return bound(Effect.flatMap(matchOutput(proc, pipesOf(pattern.sources, channels), [leaf], undefined), (ends) =>
        outcome!._tag === "Success"
          ? Effect.succeed({ value: outcome!.value, ends })
          : Effect.failCause(outcome!.cause)))
    }, consumeThrough),
    (consumed) =>
      consumed.value
  )

/**
 * One of several patterns read at once by `matchEach`: `settle` is called with its outcome once it is decided.
 *
 * @internal
 */
export interface PatternReader<A> {
  readonly pattern: OutputPattern.OutputPattern<A>
  readonly settle: (outcome: Exit.Exit<A, ProcessError>) => void
}

/**
 * Matches several patterns with one exact read of the pipes they read (a readiness check made of several output
 * probes): every piece of output is fed to each pattern still undecided, and each is settled as soon as it decides.
 * The read ends when all are settled, or when `stop` completes; each pipe is then consumed through the last match
 * on it, and what follows stays. Interrupted, it gives everything back.
 *
 * @internal
 */
export const matchEach = (
  proc: Readable,
  readers: ReadonlyArray<PatternReader<unknown>>,
  stop: Effect.Effect<void>
): Effect.Effect<void, StateError> => {
  const sources = (["stdout", "stderr"] as const).filter((source) =>
    readers.some((reader) => reader.pattern.sources.includes(source))
  )
  return Effect.asVoid(exactRead(proc, sources, "readiness", (channels) => {
    const leaves = readers.map((reader): Leaf => ({
      matcher: reader.pattern.matcher(),
      sources: reader.pattern.sources,
      settle: reader.settle
    }))
    return Effect.map(
      matchOutput(proc, pipesOf(sources, channels), leaves, stop),
      (ends) => ({ value: undefined, ends })
    )
  }, consumeThrough))
}

/** What a match consumed: per pipe (in the order of the read's sources), the position it is consumed through. */
interface Consumed<A> {
  readonly value: A
  readonly ends: ReadonlyArray<number | undefined>
}

const consumeThrough = (channels: ReadonlyArray<OutputChannel>, consumed: Consumed<unknown>): void =>
  channels.forEach((channel, i) => {
    const end = consumed.ends[i]
    if (end === undefined) channel.rewind()
    else channel.setPosition(end)
  })

const pipesOf = (sources: ReadonlyArray<OutputPattern.Source>, channels: ReadonlyArray<OutputChannel>) =>
  channels.map((channel, i) => [sources[i]!, channel] as const)

/** A pattern being matched: its matcher, the sources it reads, and where its outcome goes. */
interface Leaf {
  readonly matcher: OutputPattern.Matcher<unknown>
  readonly sources: ReadonlyArray<OutputPattern.Source>
  readonly settle: (outcome: Exit.Exit<unknown, ProcessError>) => void
}

/**
 * Feeds every piece of unread output once, in order, to each leaf still undecided, and settles each leaf as it
 * decides. When the output is over (or overdue after the exit), the leaves still undecided fail with
 * `ExitedBeforeMatch` / `OutputEnded`. Returns, per pipe, the position the matches on it consumed through. With
 * `stop`, it also ends when `stop` completes, leaving undecided leaves unsettled.
 */
const matchOutput = (
  proc: Readable,
  pipes: ReadonlyArray<readonly [OutputPattern.Source, OutputChannel]>,
  leaves: ReadonlyArray<Leaf>,
  stop: Effect.Effect<void> | undefined
): Effect.Effect<ReadonlyArray<number | undefined>> =>
  Effect.gen(function*() {
    const ends: Array<number | undefined> = pipes.map(() => undefined)
    const decided = leaves.map(() => false)
    let pending = leaves.length
    const decide = (i: number, decision: OutputPattern.Decision<unknown>, pipe: number, end: number) => {
      decided[i] = true
      pending--
      if (decision._tag === "Matched") {
        ends[pipe] = Math.max(ends[pipe] ?? end, end)
        leaves[i]!.settle(Exit.succeed(decision.value))
      } else leaves[i]!.settle(Exit.fail(readinessFailed(proc, decision)))
    }
    leaves.forEach((leaf, i) => {
      // A pattern may match before any output (`allParts([])`).
      const first = pipes.findIndex(([source]) => leaf.sources.includes(source))
      if (first < 0) return
      const decision = leaf.matcher.feed("", pipes[first]![0])
      if (decision !== undefined) decide(i, decision, first, pipes[first]![1].position)
    })
    const finished = new Set<OutputPattern.Source>()
    let overdue = false
    while (pending > 0) {
      const versions = pipes.map(([, channel]) => channel.currentVersion)
      let progressed = false
      for (let pipe = 0; pipe < pipes.length && pending > 0; pipe++) {
        const [source, channel] = pipes[pipe]!
        const start = channel.position
        const text = channel.takeAllText()
        if (text.length === 0) continue
        progressed = true
        for (let i = 0; i < leaves.length; i++) {
          if (decided[i]) continue
          const decision = leaves[i]!.matcher.feed(text, source)
          if (decision !== undefined) decide(i, decision, pipe, start + decision.consumed)
        }
      }
      if (progressed) continue
      for (let pipe = 0; pipe < pipes.length; pipe++) {
        const [source, channel] = pipes[pipe]!
        if ((channel.ended || overdue) && !finished.has(source)) {
          finished.add(source)
          for (let i = 0; i < leaves.length; i++) {
            if (decided[i]) continue
            const decision = leaves[i]!.matcher.finish(source)
            if (decision !== undefined) decide(i, decision, pipe, channel.position)
          }
        }
      }
      if (pending === 0) break
      if (finished.size === pipes.length) {
        // The output is over; give the exit status a moment to arrive so the error can say how it ended.
        yield* awaitExitBriefly(proc)
        leaves.forEach((leaf, i) => {
          if (!decided[i]) leaf.settle(Exit.fail(noMatch(proc, leaf.matcher)))
        })
        break
      }
      const more = awaitOutput(proc, pipes.map(([, channel]) => channel), versions)
      if (stop === undefined) overdue = !(yield* more)
      else {
        const woken = yield* Effect.raceFirst(more, Effect.as(stop, "stopped" as const))
        if (woken === "stopped") break
        overdue = !woken
      }
    }
    return ends
  })

const noMatch = (proc: Readable, matcher: OutputPattern.Matcher<unknown>): ProcessError =>
  processError(proc, proc.exit === undefined ? "OutputEnded" : "ExitedBeforeMatch", {
    detail: `no match for the expected output; seen: ${JSON.stringify(matcher.seen().slice(-200)).slice(0, 250)}`
  })

const readinessFailed = (proc: Readable, decision: OutputPattern.Decision<unknown> & { _tag: "Failed" }) =>
  processError(proc, "ReadinessFailed", {
    detail: decision.line === "" && decision.detail !== undefined
      ? decision.detail
      : `the output said: ${JSON.stringify(decision.line.slice(0, 200)).slice(0, 250)}${
        decision.detail === undefined ? "" : ` (${decision.detail})`
      }`
  })

const awaitExitBriefly = (proc: Readable): Effect.Effect<void> =>
  proc.exit !== undefined || proc.released
    ? Effect.void
    : Effect.asVoid(Effect.timeoutOption(proc.exited.await(), proc.waitDelay))

// -----------------------------------------------------------------------------------------------------------------
// Collecting (run)
// -----------------------------------------------------------------------------------------------------------------

/**
 * Reads stdout and stderr to their end (or until they are overdue after the leader's exit) and waits for the exit,
 * decoding as output arrives, in one wait: a callback on both pipes drains them on every change and completes once
 * they ended and the exit was seen. No Effect step per change: `run` is on the path of every short-lived command.
 * Fails with `MaxBufferExceeded` past `maxBuffer` bytes on a pipe.
 *
 * @internal
 */
export const collect = (
  proc: Readable,
  maxBuffer: number
): Effect.Effect<readonly [string, string, ExitStatus], ProcessError> =>
  Effect.async<readonly [string, string, ExitStatus], ProcessError>((resume) => {
    const stdout = proc.stdout === undefined ? undefined : new TextSink(proc.stdout, maxBuffer)
    const stderr = proc.stderr === undefined ? undefined : new TextSink(proc.stderr, maxBuffer)
    const channels = [proc.stdout, proc.stderr].filter((channel) => channel !== undefined)
    // A fresh process: nobody else can hold its pipes.
    for (const channel of channels) channel.acquire("run")
    let done = false
    const finish = () => {
      done = true
      for (const channel of channels) {
        channel.removeWaiter(step)
        channel.releaseReader()
      }
      proc.exited.removeWaiter(step)
    }
    const step = (): void => {
      if (done) return
      if (stdout?.drain() === false || stderr?.drain() === false) {
        finish()
        return resume(
          Effect.fail(processError(proc, "MaxBufferExceeded", { detail: `more than ${maxBuffer} bytes of output` }))
        )
      }
      const ended = proc.pipesOverdue || proc.released || channels.every((channel) => channel.exhausted)
      const exit = proc.exit
      if (ended && exit !== undefined) {
        finish()
        return resume(Effect.succeed([stdout?.finish() ?? "", stderr?.finish() ?? "", exit] as const))
      }
      // Woken by the next chunk, the end of a pipe, the exit, the pipes running out of time.
      for (const channel of channels) channel.addWaiter(step)
      if (exit === undefined) proc.exited.addWaiter(step)
    }
    step()
    return Effect.sync(finish)
  })

/** Decodes a pipe's output into one growing string, as raw Node code would build it. */
class TextSink {
  private readonly decoder = new Utf8Decoder()
  private text = ""
  private size = 0
  constructor(readonly channel: OutputChannel, private readonly maxBuffer: number) {}

  /** Takes what arrived; false once more than `maxBuffer` bytes came. */
  drain(): boolean {
    for (const chunk of this.channel.takeBytes()) {
      this.size += chunk.length
      if (this.size > this.maxBuffer) return false
      this.text += this.decoder.decode(chunk)
    }
    return true
  }

  finish(): string {
    this.text += this.decoder.end() // ended inside a character
    return this.text
  }
}
