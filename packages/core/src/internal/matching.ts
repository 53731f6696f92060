/**
 * Matching output against patterns (`waitForOutput`, output readiness, health checks): one pass over the output as
 * it arrives, one reader per pipe however many patterns are matched at once, each pipe consumed through the last
 * match on it, and everything put back when the wait gives up (an exact read, see `reading.ts`).
 */
import type { OutputChannel } from "@effect-process/engine/OutputChannel"
import { quoteHead, quoteTail } from "@effect-process/engine/Quote"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { identity } from "effect/Function"
import type * as ManagedProcess from "../ManagedProcess.js"
import type * as OutputPattern from "../OutputPattern.js"
import type { ProcessError, StateError, TimeoutError } from "../ProcessError.js"
import { decodeDuration } from "./command.js"
import * as compat from "./compat.js"
import { invalidArgument, processError, timeoutError } from "./errors.js"
import * as pattern_ from "./outputPattern.js"
import { awaitOutput, DEFAULT_WAIT_TIMEOUT, exactRead, type Readable } from "./reading.js"

/** @internal */
export const waitForOutput = <A>(
  proc: Readable,
  pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<A>,
  options: ManagedProcess.ReadOptions | undefined
): Effect.Effect<A, ProcessError | StateError | TimeoutError> => {
  const resolved = pattern_.resolve("waitForOutput", pattern)
  return Effect.flatMap(
    compat.fromEither(decodeDuration(proc.command, "timeout", options?.timeout, DEFAULT_WAIT_TIMEOUT)),
    (timeout) => {
      const matcher = resolved.matcher()
      // The timeout is inside the exact read, so that a match it cuts off is given back.
      return matchPattern(proc, resolved, matcher, "waitForOutput", (match) =>
        compat.timeoutFail(
          match,
          timeout,
          () => timeoutError(proc, "WaitForOutput", timeout, { seen: matcher.seen(), expected: resolved.description })
        ))
    }
  )
}

/**
 * Holds the reader slot of every pipe `pattern` reads and matches their output with `matcher`, as an exact read: on
 * success, the pipe whose output completed the match is consumed through the line that completed it, and what was
 * read of any other pipe is given back; on any other outcome everything is given back (see `exactRead`). A
 * pattern with an invalid part fails with `InvalidCommand` before anything is read.
 *
 * @internal
 */
export const matchPattern = <A, E = never>(
  proc: Readable,
  pattern: OutputPattern.OutputPattern<A>,
  matcher: OutputPattern.Matcher<A>,
  operation: string,
  bound: (match: Effect.Effect<Consumed<A>, ProcessError>) => Effect.Effect<Consumed<A>, ProcessError | E> = identity
): Effect.Effect<A, ProcessError | StateError | E> => {
  const invalid = pattern_.invalidDetail(pattern)
  if (invalid !== undefined) return Effect.fail(invalidArgument(proc, invalid))
  return Effect.map(
    exactRead(proc, pattern.sources, operation, (channels) => {
      let outcome: Exit.Exit<A, ProcessError> | undefined
      const leaf: Leaf = { matcher, sources: pattern.sources, settle: (exit) => outcome = exit as Exit.Exit<A, never> }
      return bound(
        Effect.flatMap(
          matchOutput(proc, pipesOf(pattern.sources, channels), [leaf], undefined),
          (ends) =>
            outcome!._tag === "Success"
              ? Effect.succeed({ value: outcome!.value, ends })
              : Effect.failCause(outcome!.cause)
        )
      )
    }, consumeThrough),
    (consumed) => consumed.value
  )
}

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
 * on it, and what follows stays. Interrupted, it gives everything back. A pattern with an invalid part is settled
 * at once with `InvalidCommand`, and not read.
 *
 * @internal
 */
export const matchEach = (
  proc: Readable,
  all: ReadonlyArray<PatternReader<unknown>>,
  stop: Effect.Effect<void>,
  operation: string
): Effect.Effect<void, StateError> =>
  Effect.suspend(() => {
    const readers = all.filter((reader) => {
      const invalid = pattern_.invalidDetail(reader.pattern)
      if (invalid !== undefined) reader.settle(Exit.fail(invalidArgument(proc, invalid)))
      return invalid === undefined
    })
    return matchReaders(proc, readers, stop, operation)
  })

const matchReaders = (
  proc: Readable,
  readers: ReadonlyArray<PatternReader<unknown>>,
  stop: Effect.Effect<void>,
  operation: string
): Effect.Effect<void, StateError> => {
  const sources = pattern_.union(readers.map((reader) => reader.pattern))
  return Effect.asVoid(exactRead(proc, sources, operation, (channels) => {
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
    detail: `no match for the expected output; seen: ${quoteTail(matcher.seen().slice(-400), 250)}`
  })

const readinessFailed = (proc: Readable, decision: OutputPattern.Decision<unknown> & { _tag: "Failed" }) => {
  // A pattern that is itself invalid (a parser that broke its contract) is an invalid argument, not a failure the
  // output said.
  if (decision.invalid === true) return invalidArgument(proc, decision.detail ?? "the pattern is invalid")
  return processError(proc, "ReadinessFailed", {
    detail: decision.line === "" && decision.detail !== undefined
      ? decision.detail
      : `the output said: ${quoteHead(decision.line.slice(0, 400), 250)}${
        decision.detail === undefined ? "" : ` (${decision.detail})`
      }`
  })
}

const awaitExitBriefly = (proc: Readable): Effect.Effect<void> =>
  proc.exit !== undefined || proc.released
    ? Effect.void
    : Effect.asVoid(Effect.timeoutOption(proc.exited.await(), proc.waitDelay))
