// The Effect 4 line's modules that are the Effect 3 line's with Effect 4's names: generated from packages/core/src,
// so that a fix made there lands in both lines. `node scripts/effect4-sources.mjs` writes them into
// packages/effect4-core/src; `--check` (part of `pnpm lint`) fails when a generated file differs from what the
// Effect 3 source gives, i.e. when a fix was made on one side only. The other modules of packages/effect4-core/src
// differ in more than names (Result for Either as an Effect, References for FiberRefs, Schedule steps, ChildProcess
// commands, Schema 4) and are written by hand, as thin as their differences allow.
import { ESLint } from "eslint"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
const from = path.join(root, "packages", "core", "src")
const to = path.join(root, "packages", "effect4-core", "src")

/** The modules generated, relative to src/. */
export const GENERATED = [
  "index.ts",
  "OutputPattern.ts",
  "ProcessManager.ts",
  "Readiness.ts",
  "TestSpawner.ts",
  "internal/awaitChange.ts",
  "internal/collect.ts",
  "internal/control.ts",
  "internal/errors.ts",
  "internal/handle.ts",
  "internal/managedProcess.ts",
  "internal/matching.ts",
  "internal/once.ts",
  "internal/optionChecks.ts",
  "internal/outputPattern.ts",
  "internal/process.ts",
  "internal/processManager.ts",
  "internal/readiness.ts",
  "internal/reading.ts",
  "internal/run.ts",
  "internal/settings.ts",
  "internal/stderrRelay.ts",
  "internal/telemetry.ts",
  "internal/terminate.ts"
]

/** Effect 3's names and their Effect 4 counterparts, in the order they are applied. */
const RULES = [
  [/"@effect-process\/core\//g, "\"effect-process/"],
  [/from "@effect-process\/core"/g, "from \"effect-process\""],
  [/"@effect-process\/node"/g, "\"@effect-process/platform-node\""],
  [/"@effect\/platform\/HttpClient"/g, "\"effect/http/HttpClient\""],
  [/"@effect\/platform\/HttpClientResponse"/g, "\"effect/http/HttpClientResponse\""],
  [/Stream\.unwrapScoped\(/g, "Stream.unwrap("],
  [/Stream\.catchAll\(/g, "Stream.catch("],
  [/Effect\.either\(/g, "Effect.result("],
  [/Either\.isRight\(/g, "Result.isSuccess("],
  [/Either\.all\(/g, "Result.all("],
  [/Either\.map\(/g, "Result.map("],
  [/Either\.mapLeft\(/g, "Result.mapError("],
  [/Duration\.decodeUnknown\(/g, "Duration.fromInput("],
  [/Duration\.decode\(/g, "Duration.fromInputUnsafe("],
  [/Effect\.async\b/g, "Effect.callback"],
  [/Deferred\.unsafeMake\b/g, "Deferred.makeUnsafe"],
  [/Deferred\.unsafeDone\b/g, "Deferred.doneUnsafe"],
  [/Duration\.DurationInput\b/g, "Duration.Input"],
  [/Context\.Tag</g, "Context.Key<"],
  [/Layer\.scoped\(/g, "Layer.effect("],
  [/Layer\.unwrapEffect\(/g, "Layer.unwrap("],
  [/Effect\.forkDaemon\b/g, "Effect.forkDetach"],
  [/\bit\.scoped\(/g, "it.effect("],
  [/Effect\.zipRight\(/g, "Effect.andThen("],
  [/Effect\.catchAllCause\(/g, "Effect.catchCause("],
  [/Stream\.catchAllCause\(/g, "Stream.catchCause("],
  [/Effect\.catchAll\(/g, "Effect.catch("],
  [/Cause\.isInterruptedOnly\(/g, "Cause.hasInterruptsOnly("],
  [/Stream\.execute\(/g, "Stream.fromEffectDrain("],
  [/import \* as Either from "effect\/Either"/g, "import * as Result from \"effect/Result\""],
  [/Either\.Either</g, "Result.Result<"],
  [/Either\.left\(/g, "Result.fail("],
  [/Either\.right\(/g, "Result.succeed("],
  [/Either\.isLeft\(/g, "Result.isFailure("],
  [/\.left\b/g, ".failure"],
  [/\.right\b/g, ".success"]
]

// The renamed text is formatted by the repository's own lint rules (import order, line breaks), as if written there.
const eslint = new ESLint({ cwd: root, fix: true })

const generate = async (file) => {
  let text = fs.readFileSync(path.join(from, file), "utf8")
  for (const [pattern, replacement] of RULES) text = text.replace(pattern, replacement)
  text = `// Generated from packages/core/src/${file} by scripts/effect4-sources.mjs: edit that file, not this one.\n` +
    text
  const [result] = await eslint.lintText(text, { filePath: path.join(to, file) })
  return result.output ?? text
}

const check = process.argv.includes("--check")
const stale = []
for (const file of GENERATED) {
  const target = path.join(to, file)
  const text = await generate(file)
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined
  if (current === text) continue
  if (check) stale.push(file)
  else fs.writeFileSync(target, text)
}
if (stale.length > 0) {
  console.error(
    `effect4-sources: packages/effect4-core/src differs from what packages/core/src gives for ${stale.join(", ")}: ` +
      "make the change in packages/core/src and run `node scripts/effect4-sources.mjs`"
  )
  process.exit(1)
}
console.log(`effect4-sources: ${GENERATED.length} modules ${check ? "match" : "written"}`)
