// Generated from packages/core/src/internal/collect.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * Collecting a process's output for `run`: both pipes to their end (or until they are overdue after the exit),
 * decoded as the output arrives, and the exit, in one wait.
 */
import type { OutputChannel } from "@effect-process/engine/OutputChannel"
import { Utf8Decoder } from "@effect-process/engine/Utf8"
import * as Effect from "effect/Effect"
import type { ProcessError } from "../ProcessError.js"
import type { ExitStatus } from "../ProcessSpawner.js"
import { processError } from "./errors.js"
import type { Readable } from "./reading.js"

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
  Effect.callback<readonly [string, string, ExitStatus], ProcessError>((resume) => {
    const stdout = proc.stdout === undefined ? undefined : new TextSink(proc.stdout, maxBuffer)
    const stderr = proc.stderr === undefined ? undefined : new TextSink(proc.stderr, maxBuffer)
    const channels = [proc.stdout, proc.stderr].filter((channel) => channel !== undefined)
    // A fresh process: nobody else can hold its pipes.
    for (const channel of channels) channel.hold("run")
    let done = false
    const finish = () => {
      done = true
      for (const channel of channels) {
        channel.removeWaiter(step)
        channel.letGo()
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
