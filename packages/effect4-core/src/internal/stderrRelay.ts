/**
 * Relays a child's stderr to the Effect logger line by line, without ever slowing the child or stalling the
 * event loop:
 *
 * - On the data path (the pipe listener) a chunk is decoded and split into lines and the lines are queued, up to
 *   `MAX_BACKLOG`. While the queue is full, a chunk's lines are only counted (a search for newlines, no decoding)
 *   and dropped.
 * - Lines are logged off the data path, in batches run from their own turn of the event loop, and only once the
 *   pipe has been quiet for `QUIET_MS` (or a line has waited `MAX_DELAY_MS`): a child that floods stderr is not
 *   stopped by logging while it writes. Each batch stops after `BATCH_BUDGET_MS`, and the relay then waits three
 *   times as long as the batch took, so that logging takes at most a quarter of the event loop's time and the pipes
 *   keep being drained however slow the logger is.
 * - Dropped lines are reported with their count ("N stderr lines not relayed") once the queue drains, at the
 *   release, or at least every `REPORT_EVERY_MS` while dropping goes on.
 * - The release's flush takes at most about `FLUSH_BUDGET_MS` (a slow logger cannot hold a release up), and a logger
 *   that throws switches the relay off for the rest of the process's life: logging is a courtesy, and it must never
 *   crash the program (a throw from a timer would be an uncaught exception) or turn a release into a defect.
 *
 * Relaying never consumes: the stderr pipe's readers and its tail see every byte whatever the relay drops. The
 * relay uses real time (the event loop's, not the Effect `Clock`): its pacing is about the event loop, and a test
 * clock must not be able to stop it.
 */
import { Utf8Decoder } from "@effect-process/engine/Utf8"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as LogLevel from "effect/LogLevel"
import { now } from "./scheduling.js"

const MAX_RELAY_LINE = 64 * 1024
const MAX_BACKLOG = 1000
const BATCH_BUDGET_MS = 1
const QUIET_MS = 5
const MAX_DELAY_MS = 250
const REPORT_EVERY_MS = 5000
/** How long the release's flush may take; what is still queued then is dropped and counted. */
const FLUSH_BUDGET_MS = 100

/**
 * The number of `\n` bytes in `bytes[start, end)`, four bytes at a time: a flood of stderr is counted on the data path
 * of the pipe, and this is about twice as fast as a search per newline (measured: 19 us against 39 us per 58 KB of
 * 18-byte lines).
 */
export const countNewlines = (bytes: Uint8Array, start: number, end: number): number => {
  let count = 0
  let i = start
  // Up to a 4-byte boundary of the underlying buffer, byte by byte.
  while (i < end && ((bytes.byteOffset + i) & 3) !== 0) if (bytes[i++] === 10) count++
  const words = (end - i) >>> 2
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words)
    for (let k = 0; k < words; k++) {
      // A zero byte in x is a newline in the word; this test sets the high bit of exactly the zero bytes.
      const x = view[k]! ^ 0x0a0a0a0a
      let marks = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f) >>> 0
      while (marks !== 0) {
        count++
        marks &= marks - 1
      }
    }
    i += words << 2
  }
  while (i < end) if (bytes[i++] === 10) count++
  return count
}

/** What becomes of the line that is still being received. */
type Partial = "relay" | "drop" | "cut"

/** @internal */
export class StderrRelay {
  private readonly decoder = new Utf8Decoder()
  private partial = ""
  private partialFate: Partial = "relay"
  private queue: Array<string> = []
  private head = 0
  /** Lines dropped since the last report. */
  private dropped = 0
  private lastReport = now()
  private scheduled = false
  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  /** The release flushed the relay, or the logger threw: nothing is scheduled any more. */
  private closed = false
  /** The logger threw: nothing is queued or logged any more. */
  private broken = false
  private resumeAt = 0
  /** When the last chunk arrived, and when the oldest line still queued was queued. */
  private lastChunkAt = 0
  private waitingSince: number | undefined = undefined
  annotations: Record<string, unknown> = {}

  constructor(readonly level: LogLevel.Severity, private readonly context: Context.Context<never>) {}

  private get backlog(): number {
    return this.queue.length - this.head
  }

  /** Nothing to log and nothing to report: `flush` would do nothing. */
  get idle(): boolean {
    return this.backlog === 0 && this.dropped === 0
  }

  push(chunk: Uint8Array): void {
    if (this.broken) return
    this.lastChunkAt = now()
    if (this.backlog >= MAX_BACKLOG) this.dropChunk(chunk, 0)
    else this.splitChunk(chunk)
    this.schedule()
  }

  /**
   * The relay is behind: count the lines of `chunk` from `start` on (a search for newlines, no decoding) and drop
   * them. What follows the last newline starts the next line.
   */
  private dropChunk(chunk: Uint8Array, start: number): void {
    const last = chunk.lastIndexOf(10)
    if (last < start) {
      if (this.partialFate === "relay") this.partialFate = "drop"
      this.partial = ""
      this.decoder.takePending()
      return
    }
    // The line in progress ends at the first newline (it was relayed already if it was cut).
    this.dropped += countNewlines(chunk, start, last + 1) - (this.partialFate === "cut" ? 1 : 0)
    this.decoder.takePending()
    this.partialFate = "relay"
    this.partial = ""
    if (last + 1 < chunk.length) this.extendLine(this.decoder.decode(chunk.subarray(last + 1)))
  }

  /** Splits `chunk` into lines while there is room in the queue; past that, counts and drops the rest. */
  private splitChunk(chunk: Uint8Array): void {
    const text = this.decoder.decode(chunk)
    let start = 0
    let lines = 0
    for (let newline = text.indexOf("\n"); newline >= 0; newline = text.indexOf("\n", start)) {
      this.endLine(text.slice(start, newline))
      start = newline + 1
      lines++
      if (this.backlog >= MAX_BACKLOG && start < text.length) {
        // Full: the rest of the chunk is only counted, from the byte after the same number of newlines.
        let position = -1
        for (let i = 0; i < lines; i++) position = chunk.indexOf(10, position + 1)
        this.decoder.takePending()
        return this.dropChunk(chunk, position + 1)
      }
    }
    if (start < text.length) this.extendLine(start === 0 ? text : text.slice(start))
  }

  private extendLine(piece: string): void {
    if (this.partialFate !== "relay") return
    this.partial = this.partial.length === 0 ? piece : this.partial + piece
    if (this.partial.length > MAX_RELAY_LINE) {
      this.enqueue(`${this.partial.slice(0, MAX_RELAY_LINE)}… (cut: longer than ${MAX_RELAY_LINE} characters)`)
      this.partial = ""
      this.partialFate = "cut"
    }
  }

  private endLine(rest: string): void {
    const fate = this.partialFate
    const line = fate === "relay" ? this.partial + rest : ""
    this.partial = ""
    this.partialFate = "relay"
    if (fate === "drop") {
      this.dropped++
      return
    }
    if (fate === "cut") return
    if (line.length > MAX_RELAY_LINE) {
      this.enqueue(`${line.slice(0, MAX_RELAY_LINE)}… (cut: longer than ${MAX_RELAY_LINE} characters)`)
      return
    }
    this.enqueue(line.endsWith("\r") ? line.slice(0, -1) : line)
  }

  private enqueue(line: string): void {
    if (this.backlog >= MAX_BACKLOG) this.dropped++
    else {
      this.waitingSince ??= now()
      this.queue.push(line)
    }
  }

  /** The end of stderr: the last line, if it had no newline. */
  end(): void {
    const last = this.partial + this.decoder.end()
    this.partial = ""
    if (this.partialFate === "relay" && last.length > 0) this.enqueue(last)
    else if (this.partialFate === "drop") this.dropped++
    this.partialFate = "relay"
  }

  private schedule(): void {
    if (this.closed || this.scheduled || (this.backlog === 0 && this.dropped === 0)) return
    this.scheduled = true
    const at = now()
    // Not before the pacing allows, and not while the pipe is busy, unless a line has waited too long.
    const quietAt = Math.min(this.lastChunkAt + QUIET_MS, (this.waitingSince ?? at) + MAX_DELAY_MS)
    const wait = Math.max(this.resumeAt, quietAt) - at
    // Always a timer, so that the release can cancel it.
    this.timer = setTimeout(() => this.run(), Math.max(0, wait))
  }

  private run(): void {
    this.scheduled = false
    this.timer = undefined
    const started = now()
    if (started - this.lastChunkAt < QUIET_MS && started - (this.waitingSince ?? started) < MAX_DELAY_MS) {
      // More arrived meanwhile: wait for the pipe to be quiet.
      this.schedule()
      return
    }
    const exit = Effect.runSyncExitWith(this.context)(this.logBatch(started + BATCH_BUDGET_MS))
    if (exit._tag === "Failure") return this.breakDown()
    const finished = now()
    this.resumeAt = finished + 3 * (finished - started)
    this.waitingSince = this.backlog === 0 ? undefined : finished
    this.schedule()
  }

  /** Logs queued lines until `deadline`, then reports drops if the queue drained or it is time to. */
  private logBatch(deadline: number): Effect.Effect<void> {
    const next = (): Effect.Effect<void> => {
      if (this.backlog === 0 || now() > deadline) return this.reportDrops(false)
      const line = this.queue[this.head++]!
      if (this.head === this.queue.length) {
        this.queue = []
        this.head = 0
      }
      return Effect.andThen(Effect.logWithLevel(this.level)(line), Effect.suspend(next))
    }
    return Effect.annotateLogs(Effect.suspend(next), this.annotations)
  }

  /** The logger threw (or could not run synchronously): stop relaying, forget the queue. */
  private breakDown(): void {
    this.broken = true
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.scheduled = false
    this.queue = []
    this.head = 0
    this.dropped = 0
    this.partial = ""
  }

  private reportDrops(force: boolean): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.dropped === 0) return Effect.void
      if (!force && this.backlog > 0 && now() - this.lastReport < REPORT_EVERY_MS) return Effect.void
      const count = this.dropped
      this.dropped = 0
      this.lastReport = now()
      return Effect.logWarning(
        `${count} stderr ${count === 1 ? "line" : "lines"} not relayed: the logger could not keep up ` +
          "(the stderr stream and tail still have every line)"
      )
    })
  }

  /**
   * Logs what is still queued and reports what was dropped (the release calls it after the pipe ended). It logs in
   * batches of `BATCH_BUDGET_MS` with a turn of the event loop between them (`sleep(0)`: at once under a test clock),
   * so that even a full queue does not stall the event loop, and for at most `FLUSH_BUDGET_MS` in all: what is left
   * then is dropped and counted. It never fails: what the logger throws switches the relay off.
   */
  get flush(): Effect.Effect<void> {
    return Effect.suspend(() => this.flushNow())
  }

  private flushNow(): Effect.Effect<void> {
    if (this.broken) return Effect.void
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.scheduled = false
    const deadline = now() + FLUSH_BUDGET_MS
    const rest: Effect.Effect<void> = Effect.suspend(() => {
      if (this.backlog === 0) return this.reportDrops(true)
      const started = now()
      if (started >= deadline) {
        // Out of time: what is left is counted as dropped.
        this.dropped += this.backlog
        this.queue = []
        this.head = 0
        return this.reportDrops(true)
      }
      return Effect.andThen(
        Effect.andThen(this.logBatch(Math.min(deadline, started + BATCH_BUDGET_MS)), Effect.sleep(Duration.zero)),
        rest
      )
    })
    return Effect.catchCause(Effect.annotateLogs(rest, this.annotations), () => Effect.sync(() => this.breakDown()))
  }
}
