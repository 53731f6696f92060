import { ManagedProcess } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { isAlive } from "./utils.js"

const example = (name: string) => {
  const file = fileURLToPath(new URL(`../../../scratchpad/dist/${name}`, import.meta.url))
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first (\`pnpm check\` does)`)
  return file
}

const pidsIn = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((match) => Number(match[1]))

describe("the scratchpad examples run and leave nothing behind", () => {
  it.live("the demo", () =>
    Effect.gen(function*() {
      const result = yield* ManagedProcess.run(["node", example("demo.js")], { timeout: "30 seconds" })
      expect(result.stdout).toMatch(/ready after \d+ ms on port \d+/)
      expect(result.stdout).toContain(`GET / -> 200 "hello from the fixture"`)
      expect(result.stdout).toMatch(/terminated: Exited/)
      const [pid] = pidsIn(result.stdout, /launched pid (\d+)/g)
      expect(pid).toBeGreaterThan(0)
      expect(isAlive(pid!)).toBe(false)
    }).pipe(Effect.provide(NodeProcess.layer)))

  it.live("the go-plugin host", () =>
    Effect.gen(function*() {
      const result = yield* ManagedProcess.run(["node", example("plugin-host.js")], { timeout: "30 seconds" })
      expect(result.stdout).toMatch(/speaks grpc protocol 6 on tcp 127\.0\.0\.1:\d+/)
      expect(result.stdout).toContain(`connected: "hello from the plugin (protocol 6)"`)
      const [pid] = pidsIn(result.stdout, /plugin pid (\d+)/g)
      expect(isAlive(pid!)).toBe(false)
    }).pipe(Effect.provide(NodeProcess.layer)))
})
