import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as LogLevel from "effect/LogLevel"
import * as Runtime from "effect/Runtime"

const MAX_RELAY_LINE = 64 * 1024
const MAX_RELAY_BACKLOG = 10_000

/**
 * Relays stderr to the Effect logger line by line, off the data path: lines are queued by the pipe listener and
 * logged by a short-lived fiber only when there are some, so a quiet process costs no fiber.
 */
/** @internal */
export class StderrRelay {
  private readonly decoder = new TextDecoder()
  private partial = ""
  private pending: Array<string> = []
  private dropped = 0
  private fiber: Fiber.RuntimeFiber<void> | undefined = undefined
  annotations: Record<string, unknown> = {}

  constructor(readonly level: LogLevel.LogLevel, private readonly runtime: Runtime.Runtime<never>) {}

  push(chunk: Uint8Array): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true })
    const lines = text.split("\n")
    this.partial = lines.pop()!
    if (this.partial.length > MAX_RELAY_LINE) {
      lines.push(this.partial)
      this.partial = ""
    }
    for (const line of lines) this.enqueue(line)
  }

  end(): void {
    const last = this.partial + this.decoder.decode()
    this.partial = ""
    if (last.length > 0) this.enqueue(last)
  }

  private enqueue(line: string): void {
    this.pending.push(line.endsWith("\r") ? line.slice(0, -1) : line)
    if (this.pending.length > MAX_RELAY_BACKLOG) {
      this.pending.shift()
      this.dropped++
    }
    if (this.fiber === undefined) this.schedule()
  }

  private schedule(): void {
    const fiber = Runtime.runFork(this.runtime)(this.drain)
    // The fiber may have run to completion synchronously: only a running one is remembered.
    if (fiber.unsafePoll() === null) this.fiber = fiber
  }

  private readonly drain: Effect.Effect<void> = Effect.suspend(() => {
    const batch = this.pending
    this.pending = []
    const dropped = this.dropped
    this.dropped = 0
    return Effect.forEach(batch, (line) => Effect.logWithLevel(this.level, line), { discard: true }).pipe(
      Effect.zipRight(
        dropped > 0 ? Effect.logWarning(`stderr relay fell behind: ${dropped} lines were not logged`) : Effect.void
      ),
      Effect.annotateLogs(this.annotations)
    )
  }).pipe(
    Effect.ensuring(Effect.sync(() => {
      this.fiber = undefined
      if (this.pending.length > 0) this.schedule()
    }))
  )

  /** Logs everything still queued (the release calls it after the pipe ended). */
  readonly flush: Effect.Effect<void> = Effect.suspend(() => {
    const fiber = this.fiber
    return fiber === undefined ? Effect.void : Effect.zipRight(Fiber.await(fiber), this.flush)
  })
}
