/**
 * The stderr relay: `@effect-process/engine`'s `RelayBuffer` (the queue, the pacing, the drop counting) logging
 * through the launching fiber (its runtime on Effect 3, its context on Effect 4: `compat.ts`). A batch is one
 * synchronous run of the fiber's loggers; the release's flush logs in batches with a turn of the event loop between
 * them (`sleep(0)`: at once under a test clock) and never fails: what the logger throws switches the relay off.
 */
import { RelayBuffer } from "@effect-process/engine/StderrRelay"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as compat from "./compat.js"

/** @internal */
export class StderrRelay extends RelayBuffer {
  constructor(readonly level: compat.Level, private readonly context: compat.RelayContext) {
    super()
  }

  protected logBatch(deadline: number): boolean {
    return compat.runSyncSucceeds(this.context, this.batch(deadline))
  }

  /** Logs queued lines until `deadline`, then reports drops if the queue drained or it is time to. */
  private batch(deadline: number): Effect.Effect<void> {
    const next = (): Effect.Effect<void> => {
      const line = this.nextLine(deadline)
      if (line === undefined) return this.report(false)
      return Effect.zipRight(compat.logAt(this.level, line), Effect.suspend(next))
    }
    return Effect.annotateLogs(Effect.suspend(next), this.annotations)
  }

  private report(force: boolean): Effect.Effect<void> {
    return Effect.suspend(() => {
      const report = this.dropReport(force)
      return report === undefined ? Effect.void : Effect.logWarning(report)
    })
  }

  /** Logs what is still queued and reports what was dropped (the release calls it after the pipe ended). */
  get flush(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const deadline = this.beginFlush()
      if (deadline === undefined) return Effect.void
      const rest: Effect.Effect<void> = Effect.suspend(() => {
        const batchDeadline = this.flushBatch(deadline)
        return batchDeadline === undefined
          ? this.report(true)
          : Effect.zipRight(Effect.zipRight(this.batch(batchDeadline), Effect.sleep(Duration.zero)), rest)
      })
      return Effect.catchAllCause(
        Effect.annotateLogs(rest, this.annotations),
        () => Effect.sync(() => this.breakDown())
      )
    })
  }
}
