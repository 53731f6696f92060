/**
 * `@effect/platform`'s `CommandExecutor` on this library's process resource. Code written against `Command` keeps
 * its contract (the `Process` interface, the helpers' results, a non-zero exit as a value of `exitCode`, failures as
 * `SystemError` / `BadArgument` with platform-node's reasons), and gets the guarantees:
 *
 * - the release of `start`'s scope, and the interruption of any helper, is the bounded termination of the whole
 *   process group (SIGTERM, grace, SIGKILL), also when the leader already exited 0 and left a child behind;
 * - output is always drained, so `exitCode` never deadlocks on output nobody reads, and reading a stream again later
 *   does not break the child's pipe;
 * - the run-to-completion helpers (`exitCode`, `string`, `lines`, `stream`, `streamLines`) give the child an empty
 *   stdin unless the command has one of its own, so `cat` ends; `start` keeps the pipe for the caller's `stdin`;
 * - collecting is linear in the output's size;
 * - every process is known to the parent-death reaper of the spawner it runs on.
 *
 * Piped commands (`Command.pipeTo`) run as platform runs them: each stage's stdout is the next stage's stdin, the
 * first stage gets the command's stdin, the result is the last stage's.
 */
import { ManagedProcess, type ProcessError, ProcessSpawner } from "@effect-process/core"
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as PlatformError from "@effect/platform/Error"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"

/** How a command is shown in errors: the stages, as platform-node shows them. */
const describe = (command: Command.Command): string =>
  Command.flatten(command).map((stage) => [stage.command, ...stage.args].join(" ")).join(" | ")

/** The errno reasons platform-node maps (`handleErrnoException`); any other errno is `Unknown`. */
const REASONS: Record<string, PlatformError.SystemErrorReason> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EEXIST: "AlreadyExists",
  EISDIR: "BadResource",
  ENOTDIR: "BadResource",
  EBUSY: "Busy",
  ELOOP: "BadResource"
}

/**
 * A `ProcessError` (or a `StateError` of a misuse) as the `PlatformError` platform-node would give: a malformed
 * command is a `BadArgument`; the rest are `SystemError`s with platform's reason for the errno.
 */
const toPlatformError = (command: Command.Command, method: string) => (error: unknown): PlatformError.PlatformError => {
  const tagged = error as { readonly _tag?: string; readonly reason?: string; readonly errno?: string }
  if (tagged._tag === "ProcessError" && tagged.reason === "InvalidCommand") {
    return new PlatformError.BadArgument({
      module: "Command",
      method,
      description: (error as ProcessError).message,
      cause: error
    })
  }
  return new PlatformError.SystemError({
    reason: (tagged.errno !== undefined ? REASONS[tagged.errno] : undefined) ?? "Unknown",
    module: "Command",
    method,
    pathOrDescriptor: describe(command),
    description: error instanceof Error ? error.message : String(error),
    syscall: tagged.errno === undefined ? undefined : "spawn",
    cause: error
  })
}

const ProcessProto = {
  [CommandExecutor.ProcessTypeId]: CommandExecutor.ProcessTypeId,
  ...Inspectable.BaseProto,
  toJSON(this: CommandExecutor.Process) {
    return { _id: "@effect/platform/CommandExecutor/Process", pid: this.pid }
  }
}

/** A launch's stdio where the command says nothing: the helpers give an empty stdin, `start` a pipe. */
type StdinDefault = "pipe" | "ignore"

/**
 * The command with what `ManagedProcess` does not take from it: an output `Sink` (applied to the stream here), and
 * an explicit stdin for the helpers.
 */
const prepare = (command: Command.StandardCommand) => {
  const stdoutSink = typeof command.stdout === "string" ? undefined : command.stdout
  const stderrSink = typeof command.stderr === "string" ? undefined : command.stderr
  const plain = stdoutSink === undefined && stderrSink === undefined
    ? command
    : command.pipe(
      (self) => stdoutSink === undefined ? self : Command.stdout(self, "pipe"),
      (self) => stderrSink === undefined ? self : Command.stderr(self, "pipe")
    )
  return { plain, stdoutSink, stderrSink }
}

const launch = (
  spawner: ProcessSpawner.ProcessSpawnerService,
  command: Command.Command,
  stdinDefault: StdinDefault
): Effect.Effect<CommandExecutor.Process, PlatformError.PlatformError, Scope.Scope> => {
  if (command._tag === "PipedCommand") return launchPiped(spawner, command, stdinDefault)
  const { plain, stderrSink, stdoutSink } = prepare(command)
  const hasOwnStdin = typeof command.stdin !== "string" || command.stdin === "inherit"
  return ManagedProcess.make(plain, {
    // The executor's errors carry the output; logging stderr is the program's choice, as with platform-node.
    relayStderr: false,
    ...(hasOwnStdin ? {} : { stdin: stdinDefault })
  }).pipe(
    Effect.mapError(toPlatformError(command, "spawn")),
    Effect.map((proc) => toProcess(command, proc, stdoutSink, stderrSink)),
    Effect.provideService(ProcessSpawner.ProcessSpawner, spawner)
  )
}

/**
 * Each stage's stdout feeds the next stage's stdin; the result is the last stage. Every stage is launched here, in
 * the current scope and in order, so that a stage that cannot start fails the whole command, typed (platform-node's
 * launches them lazily, inside the next stage's stdin, and a missing program there ends as empty output).
 */
const launchPiped = (
  spawner: ProcessSpawner.ProcessSpawnerService,
  command: Command.PipedCommand,
  stdinDefault: StdinDefault
): Effect.Effect<CommandExecutor.Process, PlatformError.PlatformError, Scope.Scope> => {
  const [head, ...tail] = Command.flatten(command)
  return Effect.gen(function*() {
    // The stages' releases run at once: one after the other, three TERM-ignoring stages would take three graces.
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.parallel)
    const launchAll = Effect.gen(function*() {
      let previous = yield* Scope.extend(launch(spawner, head, stdinDefault), scope)
      for (const stage of tail) {
        previous = yield* Scope.extend(launch(spawner, Command.stdin(stage, previous.stdout), stdinDefault), scope)
      }
      return previous
    })
    return yield* Effect.onError(launchAll, (cause) => Scope.close(scope, Exit.failCause(cause)))
  })
}

const toProcess = (
  command: Command.Command,
  proc: ManagedProcess.ManagedProcess,
  stdoutSink: Command.Command.Output | undefined,
  stderrSink: Command.Command.Output | undefined
): CommandExecutor.Process => {
  const stdout = Stream.mapError(proc.stdout, toPlatformError(command, "fromReadable(stdout)"))
  const stderr = Stream.mapError(proc.stderr, toPlatformError(command, "fromReadable(stderr)"))
  const stdin: Sink.Sink<void, Uint8Array, never, PlatformError.PlatformError> = Sink.forEach((chunk: Uint8Array) =>
    proc.write(chunk)
  ).pipe(
    Sink.zipRight(Sink.fromEffect(proc.closeStdin)),
    Sink.mapError(toPlatformError(command, "toWritable"))
  )
  const exitCode = Effect.flatMap(proc.awaitExit, (exit) =>
    exit.exitCode !== undefined
      ? Effect.succeed(CommandExecutor.ExitCode(exit.exitCode))
      : Effect.fail(
        new PlatformError.SystemError({
          reason: "Unknown",
          module: "Command",
          method: "exitCode",
          pathOrDescriptor: describe(command),
          description: `Process interrupted due to receipt of signal: ${exit.signal}`
        })
      ))
  return Object.assign(Object.create(ProcessProto), {
    pid: CommandExecutor.ProcessId(proc.pid),
    exitCode,
    isRunning: proc.isRunning,
    kill: (signal: CommandExecutor.Signal = "SIGTERM") =>
      proc.kill(signal as never).pipe(
        Effect.mapError(toPlatformError(command, "kill")),
        Effect.zipRight(Effect.asVoid(proc.awaitExit))
      ),
    stdin,
    stdout: stdoutSink === undefined ? stdout : Stream.transduce(stdout, stdoutSink as never),
    stderr: stderrSink === undefined ? stderr : Stream.transduce(stderr, stderrSink as never)
  })
}

/** The bytes of a stream, concatenated once at the end: linear in the output's size. */
const collectBytes = <E, R>(stream: Stream.Stream<Uint8Array, E, R>): Effect.Effect<Uint8Array, E, R> =>
  Effect.map(Stream.runCollect(stream), (chunks) => {
    const parts = Chunk.toReadonlyArray(chunks)
    if (parts.length === 1) return parts[0]!
    let size = 0
    for (const part of parts) size += part.length
    const bytes = new Uint8Array(size)
    let offset = 0
    for (const part of parts) {
      bytes.set(part, offset)
      offset += part.length
    }
    return bytes
  })

/** A decoder for `encoding`, or a `BadArgument` for an encoding `TextDecoder` does not know (never a defect). */
const decoderFor = (
  encoding: string | undefined,
  method: string
): Effect.Effect<TextDecoder, PlatformError.BadArgument> =>
  Effect.try({
    try: () => new TextDecoder(encoding),
    catch: () =>
      new PlatformError.BadArgument({
        module: "Command",
        method,
        description: `unknown encoding ${JSON.stringify(String(encoding).slice(0, 50))}`
      })
  })

/**
 * The executor, on the `ProcessSpawner` it is given.
 *
 * @internal
 */
export const make = (spawner: ProcessSpawner.ProcessSpawnerService): CommandExecutor.CommandExecutor => {
  const start = (command: Command.Command) => launch(spawner, command, "pipe")
  /** A run to completion: an empty stdin unless the command has one, and the release when it is over. */
  const completed = (command: Command.Command) => launch(spawner, command, "ignore")
  const stream = (command: Command.Command): Stream.Stream<Uint8Array, PlatformError.PlatformError> =>
    Stream.unwrapScoped(Effect.map(completed(command), (process) => process.stdout))
  const streamLines = (command: Command.Command, encoding?: string) =>
    Stream.flatMap(Stream.fromEffect(decoderFor(encoding, "streamLines")), (decoder) => {
      // One decoder per run, in streaming mode: a character split between two chunks stays whole.
      const text = Stream.mapChunks(stream(command), Chunk.map((bytes) => decoder.decode(bytes, { stream: true })))
      const rest = Stream.suspend(() => {
        const last = decoder.decode()
        return last === "" ? Stream.empty : Stream.make(last)
      })
      return Stream.splitLines(Stream.concat(text, rest))
    })
  return {
    [CommandExecutor.TypeId]: CommandExecutor.TypeId,
    start,
    exitCode: (command) => Effect.scoped(Effect.flatMap(completed(command), (process) => process.exitCode)),
    stream,
    streamLines,
    string: (command, encoding = "utf-8") =>
      Effect.flatMap(decoderFor(encoding, "string"), (decoder) =>
        Effect.scoped(
          Effect.flatMap(
            completed(command),
            (process) => Effect.map(collectBytes(process.stdout), (bytes) => decoder.decode(bytes))
          )
        )),
    lines: (command, encoding = "utf-8") => Effect.map(Stream.runCollect(streamLines(command, encoding)), Chunk.toArray)
  }
}

/**
 * The executor as a layer, on the given spawner.
 *
 * @internal
 */
export const layerWith = (
  spawner: ProcessSpawner.ProcessSpawnerService
): Layer.Layer<CommandExecutor.CommandExecutor> => Layer.succeed(CommandExecutor.CommandExecutor, make(spawner))
