// The shared watchdog (the reaper behind NodeProcess.layer) cannot be started at the first launch because the
// descriptors are used up; later, with descriptors back, a launch must start it after all.
// The packages (built, from dist) are imported first; then the program opens /dev/null until EMFILE and closes
// two of them again, launches once (the watchdog's start fails, and so does the launch, typed), gives every
// descriptor back, waits a little over a second, and launches twice more. It prints one line
// "report=<JSON>": { first: { ok } | { failure, errno }, tokens: [the EFFECT_PROCESS_REAPER each later child saw],
// warnings: [the messages of the warnings logged] }, then exits 0.
import { NodeProcess } from "@effect-process/platform-node"
import { Cause, Effect, Exit, Logger, Option } from "effect"
import { ManagedProcess } from "effect-process"
import * as fs from "node:fs"
import { release, useUpDescriptors } from "./descriptors.mjs"

const warnings = []
const logger = Logger.make(({ logLevel, message }) => {
  if (logLevel === "Warn") warnings.push(Array.isArray(message) ? message.join(" ") : String(message))
})

const program = Effect.gen(function*() {
  const filler = useUpDescriptors(2)
  const exit = yield* Effect.exit(ManagedProcess.run(["true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" }))
  release(filler)
  const first = Exit.isSuccess(exit)
    ? { ok: true }
    : {
      failure: Cause.findErrorOption(exit.cause).pipe(Option.getOrUndefined)?.reason,
      errno: Cause.findErrorOption(exit.cause).pipe(Option.getOrUndefined)?.errno
    }
  yield* Effect.sleep("1100 millis")
  const tokens = []
  for (let i = 0; i < 2; i++) {
    const result = yield* ManagedProcess.run(["sh", "-c", "printf %s \"$EFFECT_PROCESS_REAPER\""])
    tokens.push(result.stdout)
  }
  fs.writeSync(1, `report=${JSON.stringify({ first, tokens, warnings })}\n`)
}).pipe(Effect.provide(NodeProcess.layer), Effect.provide(Logger.layer([logger])))

Effect.runPromiseExit(program).then((exit) => {
  if (Exit.isFailure(exit)) {
    fs.writeSync(2, `the program failed: ${exit.cause}\n`)
    process.exitCode = 1
  }
})
