/**
 * The README demo: a real HTTP server as a scoped resource.
 *
 * Launches `scratchpad/fixtures/http-server.js` with readiness on its `listening on <port>` line, makes a real HTTP
 * request, terminates it gracefully (SIGTERM to the process group, grace, SIGKILL) and checks that it is gone.
 * The server's stderr is relayed to the Effect logger, which prints it here as `[pid … stderr] …` lines.
 *
 * Run it with `pnpm demo` (build, then `node scratchpad/dist/demo.js`).
 */
import { ManagedProcess, OutputPattern, Readiness } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

// Resolved from the compiled file (scratchpad/dist/demo.js), so it works from any working directory.
const fixturePath = fileURLToPath(new URL("../fixtures/http-server.js", import.meta.url))
const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
/** A path as the reader of the output should see it: relative to the repository, never this machine's layout. */
const shown = (file: string): string => path.relative(repoRoot, file)

/** Whether a process with this pid (or, with a negative number, a process group) still exists. */
const exists = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH"
  }
}

const program = Effect.gen(function*() {
  const started = yield* Clock.currentTimeMillis
  // Acquire means ready: `make` completes once the server printed `listening on <port>` (or fails at once, typed,
  // if it exits first), and the match is the handle's `ready` value.
  const proc = yield* ManagedProcess.make(["node", fixturePath], {
    readiness: Readiness.output(OutputPattern.regex(/listening on (\d+)/)),
    readinessTimeout: "10 seconds",
    terminate: { signal: "SIGTERM", timeout: "3 seconds" }
  })
  const port = Number(proc.ready[1])
  console.log(`launched pid ${proc.pid}: node ${shown(fixturePath)}`)
  console.log(`ready after ${(yield* Clock.currentTimeMillis) - started} ms on port ${port}`)

  const response = yield* HttpClient.get(`http://127.0.0.1:${port}/`)
  const body = yield* response.text
  console.log(`GET / -> ${response.status} ${JSON.stringify(body)}`)

  const outcome = yield* proc.terminate()
  const exit = outcome.exit === undefined
    ? "no exit status"
    : outcome.exit.signal !== undefined
    ? `signal ${outcome.exit.signal}`
    : `exit code ${outcome.exit.exitCode}`
  console.log(`terminated: ${outcome._tag} in ${Math.round(Duration.toMillis(outcome.elapsed))} ms (${exit})`)

  if (exists(proc.pid)) return yield* Effect.fail(new Error(`pid ${proc.pid} is still alive after terminate`))
  if (exists(-proc.pid)) return yield* Effect.fail(new Error(`process group ${proc.pid} still has members`))
  console.log(`pid ${proc.pid} is gone (and so is its process group)`)
}).pipe(Effect.scoped)

/**
 * Prints log lines compactly. The stderr relay annotates each line with `pid` and `stream`; anything else the
 * library logs (a warning before SIGKILL, for instance) is printed with its level.
 */
const logger = Logger.make<unknown, void>(({ annotations, cause, logLevel, message }) => {
  const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
  const pid = HashMap.get(annotations, "pid")
  const stream = HashMap.get(annotations, "stream")
  const prefix = Option.isSome(stream) && Option.isSome(pid)
    ? `[pid ${pid.value} ${stream.value}]`
    : `[${logLevel.label}]`
  console.log(`  ${prefix} ${text}`)
  if (!Cause.isEmpty(cause)) console.log(Cause.pretty(cause))
})

program.pipe(
  Effect.provide(Layer.mergeAll(NodeProcess.layer, NodeHttpClient.layerUndici)),
  Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
  (effect) => NodeRuntime.runMain(effect, { disablePrettyLogger: true })
)
