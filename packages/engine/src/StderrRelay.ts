/**
 * The stderr relay's buffer and pacing, shared by both lines: it relays a child's stderr to a logger line by line,
 * without ever slowing the child or stalling the event loop:
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
 * relay uses real time (the event loop's, not an effect system's clock): its pacing is about the event loop, and a
 * test clock must not be able to stop it. How a batch is logged is the subclass's: each line of the library logs it
 * through the launching fiber's logger.
 *
 * @since 0.2.0
 */
import { now } from "./Scheduling.js"
import { Utf8Decoder } from "./Utf8.js"

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
 *
 * @example
 * import { countNewlines } from "@effect-process/engine/StderrRelay"
 *
 * countNewlines(new TextEncoder().encode("a\nb\nc"), 0, 5) // 2
 *
 * @since 0.2.0
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

/**
 * The relay's buffer and pacing; a subclass logs. `logBatch(deadline)` logs the lines `nextLine(deadline)` gives,
 * then the report `dropReport(false)` gives if any, synchronously, and says whether the logger succeeded (`false`
 * switches the relay off). The release's flush is the subclass's too, built of `beginFlush`, `flushBatch`,
 * `logBatch`, a turn of the event loop between batches, `dropReport(true)` and `breakDown`.
 *
 * @example
 * import { RelayBuffer } from "@effect-process/engine/StderrRelay"
 *
 * class ConsoleRelay extends RelayBuffer {
 *   protected logBatch(deadline: number): boolean {
 *     for (let line = this.nextLine(deadline); line !== undefined; line = this.nextLine(deadline)) console.error(line)
 *     const report = this.dropReport(false)
 *     if (report !== undefined) console.warn(report)
 *     return true
 *   }
 * }
 *
 * @since 0.2.0
 */
export abstract class RelayBuffer {
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
  /**
   * The annotations of every relayed line (the launch sets them once the pid is known).
   *
   * @since 0.2.0
   */
  annotations: Record<string, unknown> = {}

  /**
   * Logs the lines of a batch, synchronously (see the class); `false` when the logger threw.
   *
   * @since 0.2.0
   */
  protected abstract logBatch(deadline: number): boolean

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
    let logged: boolean
    try {
      logged = this.logBatch(started + BATCH_BUDGET_MS)
    } catch {
      logged = false
    }
    if (!logged) return this.breakDown()
    const finished = now()
    this.resumeAt = finished + 3 * (finished - started)
    this.waitingSince = this.backlog === 0 ? undefined : finished
    this.schedule()
  }

  /**
   * The next queued line while it is not past `deadline` (the batch's time budget), or `undefined`: the batch ends.
   *
   * @since 0.2.0
   */
  protected nextLine(deadline: number): string | undefined {
    if (this.backlog === 0 || now() > deadline) return undefined
    const line = this.queue[this.head++]!
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    }
    return line
  }

  /**
   * The logger threw (or could not run synchronously): stop relaying, forget the queue.
   *
   * @since 0.2.0
   */
  breakDown(): void {
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

  /**
   * The warning about dropped lines, when there is one to give: at once when `force` (the release) or when the
   * queue drained, otherwise at most every `REPORT_EVERY_MS`. Giving it resets the count.
   *
   * @since 0.2.0
   */
  protected dropReport(force: boolean): string | undefined {
    if (this.dropped === 0) return undefined
    if (!force && this.backlog > 0 && now() - this.lastReport < REPORT_EVERY_MS) return undefined
    const count = this.dropped
    this.dropped = 0
    this.lastReport = now()
    return `${count} stderr ${count === 1 ? "line" : "lines"} not relayed: the logger could not keep up ` +
      "(the stderr stream and tail still have every line)"
  }

  /**
   * The release's flush begins: nothing is scheduled any more. Returns the flush's deadline (`FLUSH_BUDGET_MS` from
   * now), or `undefined` when the relay is off (the logger threw): nothing to flush.
   *
   * @since 0.2.0
   */
  protected beginFlush(): number | undefined {
    if (this.broken) return undefined
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.scheduled = false
    return now() + FLUSH_BUDGET_MS
  }

  /**
   * The deadline of the flush's next batch, or `undefined` when it is over: the queue is empty, or the flush's
   * `deadline` passed (what is left is then counted as dropped). Between two batches the flush gives the event
   * loop a turn, so that even a full queue does not stall it.
   *
   * @since 0.2.0
   */
  protected flushBatch(deadline: number): number | undefined {
    if (this.backlog === 0) return undefined
    const started = now()
    if (started >= deadline) {
      this.dropped += this.backlog
      this.queue = []
      this.head = 0
      return undefined
    }
    return Math.min(deadline, started + BATCH_BUDGET_MS)
  }
}
