// Generated from packages/core/src/internal/handle.ts by scripts/effect4-sources.mjs: edit that file, not this one.
/**
 * The handle a user holds: a thin view of the process (its methods live on the prototype, its Effects and streams
 * are built when asked for, so that an idle process costs only its state), and the data-first / data-last forms
 * of its operations.
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import { pipeArguments } from "effect/Pipeable"
import type * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import type * as OutputPattern from "../OutputPattern.js"
import { describeCommand, type ProcessError, type StateError, type TimeoutError } from "../ProcessError.js"
import type { ExitStatus, Signal } from "../ProcessSpawner.js"
import { closeStdin, kill, writeStdin } from "./control.js"
import * as matching from "./matching.js"
import type { Process } from "./process.js"
import * as reading from "./reading.js"
import { terminate } from "./terminate.js"

/** @internal */
export const TypeId: ManagedProcess.TypeId = Symbol.for("effect-process/ManagedProcess") as ManagedProcess.TypeId

/** @internal */
export const isManagedProcess = (u: unknown): u is ManagedProcess.ManagedProcess<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/**
 * The handle is a thin view of the process: its methods live on the prototype and its Effects and streams are
 * built when asked for, so that an idle process costs only its state.
 *
 * @internal
 */
export class Handle<A> implements ManagedProcess.ManagedProcess<A> {
  readonly [TypeId]: ManagedProcess.TypeId = TypeId
  constructor(
    private readonly proc: Process,
    readonly ready: A,
    /** A pipeline's stages, in order: the handle is the last one's, but writes to the first and stops them all. */
    private readonly stages?: ReadonlyArray<Process>
  ) {}

  /** Where `write` and `closeStdin` go: the first stage of a pipeline. */
  private get input(): Process {
    return this.stages?.[0] ?? this.proc
  }

  /** @internal */
  get process(): Process {
    return this.proc
  }
  /** The processes of this handle: its pipeline's stages in order, or its one process. @internal */
  get processes(): ReadonlyArray<Process> {
    return this.stages ?? [this.proc]
  }
  get pid(): number {
    return this.proc.pid
  }
  get command(): ReadonlyArray<string> {
    return this.proc.command
  }
  get status(): Effect.Effect<ManagedProcess.Status> {
    return Effect.sync(() => {
      const exit = this.proc.exit
      return exit === undefined ? { _tag: "Running" } : { _tag: "Exited", exitCode: exit.exitCode, signal: exit.signal }
    })
  }
  get isRunning(): Effect.Effect<boolean> {
    return Effect.sync(() => this.proc.exit === undefined)
  }
  get awaitExit(): Effect.Effect<ExitStatus> {
    return this.proc.exited.await()
  }
  kill(signal?: Signal): Effect.Effect<void, ProcessError | StateError> {
    const stages = this.stages
    return stages === undefined
      ? kill(this.proc, signal ?? "SIGTERM")
      : Effect.forEach(stages, (stage) => kill(stage, signal ?? "SIGTERM"), { discard: true })
  }
  terminate(options?: ManagedProcess.TerminateOptions): Effect.Effect<ManagedProcess.TerminateOutcome, ProcessError> {
    const stages = this.stages
    if (stages === undefined) return terminate(this.proc, options)
    // Every stage at once, as one release stops them; the outcome is the last stage's.
    return Effect.map(
      Effect.forEach(stages, (stage) => terminate(stage, options), { concurrency: "unbounded" }),
      (outcomes) => outcomes[outcomes.length - 1]!
    )
  }
  get stdout(): Stream.Stream<Uint8Array, StateError> {
    return reading.byteStream(this.proc, "stdout")
  }
  get stderr(): Stream.Stream<Uint8Array, StateError> {
    return reading.byteStream(this.proc, "stderr")
  }
  get lines(): Stream.Stream<string, StateError | ProcessError> {
    return reading.lineStream(this.proc, "stdout")
  }
  get stderrLines(): Stream.Stream<string, StateError | ProcessError> {
    return reading.lineStream(this.proc, "stderr")
  }
  readLine(options?: ManagedProcess.ReadOptions): Effect.Effect<string, ProcessError | StateError | TimeoutError> {
    return reading.readLine(this.proc, options)
  }
  takeLines(
    count: number,
    options?: ManagedProcess.ReadOptions
  ): Effect.Effect<ReadonlyArray<string>, ProcessError | StateError | TimeoutError> {
    return reading.takeLines(this.proc, count, options)
  }
  readChar(options?: ManagedProcess.ReadOptions): Effect.Effect<string, ProcessError | StateError | TimeoutError> {
    return reading.readChar(this.proc, options)
  }
  waitForOutput(pattern: any, options?: ManagedProcess.ReadOptions): Effect.Effect<any, any> {
    return matching.waitForOutput(this.proc, pattern, options)
  }
  write(input: string | Uint8Array): Effect.Effect<void, ProcessError | StateError> {
    return writeStdin(this.input, input)
  }
  get closeStdin(): Effect.Effect<void, StateError> {
    return closeStdin(this.input)
  }
  get stdoutTail(): Effect.Effect<string> {
    return Effect.sync(() => this.proc.stdout?.tail.text() ?? "")
  }
  get stderrTail(): Effect.Effect<string> {
    return Effect.sync(() => this.proc.stderr?.tail.text() ?? "")
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString() {
    return `ManagedProcess(${this.pid}: ${describeCommand(this.command, 300)})`
  }
}

const isHandle = (args: IArguments) => isManagedProcess(args[0])

/** @internal */
export const waitForOutput = dual(
  (args) => isHandle(args),
  <A>(
    self: ManagedProcess.ManagedProcess<any>,
    pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<A>,
    options?: ManagedProcess.ReadOptions
  ) => self.waitForOutput(pattern as OutputPattern.OutputPattern<A>, options)
) as any

/** @internal */
export const readLine = dual(
  (args) => isHandle(args),
  (self: ManagedProcess.ManagedProcess<any>, options?: ManagedProcess.ReadOptions) => self.readLine(options)
)

/** @internal */
export const takeLines = dual(
  (args) => isHandle(args),
  (self: ManagedProcess.ManagedProcess<any>, count: number, options?: ManagedProcess.ReadOptions) =>
    self.takeLines(count, options)
)

/** @internal */
export const readChar = dual(
  (args) => isHandle(args),
  (self: ManagedProcess.ManagedProcess<any>, options?: ManagedProcess.ReadOptions) => self.readChar(options)
)

/** @internal */
export const write = dual(
  2,
  (self: ManagedProcess.ManagedProcess<any>, input: string | Uint8Array) => self.write(input)
)

/** @internal */
export const terminateDual = dual(
  (args) => isHandle(args),
  (self: ManagedProcess.ManagedProcess<any>, options?: ManagedProcess.TerminateOptions) => self.terminate(options)
)
