// The Effect 4 Node spawner against real processes: output, exit, group signals, typed spawn failures, the
// reaper's token; every test checks by an environment marker that nothing it started survives.
import { NodeProcess } from "@effect-process/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ProcessError, ProcessSpawner } from "effect-process"
import * as fs from "node:fs"

const MARKER = "EFFECT_PROCESS_E4_TEST_MARKER"

const marked = (marker: string): Array<number> => {
  const out: Array<number> = []
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, "utf8")
      const state = fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.[0]
      if (environ.split("\0").includes(`${MARKER}=${marker}`) && state !== "Z") out.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return out
}

/** Waits (up to 3 s) until nothing carries `marker`; fails with the survivors, killed. */
const noSurvivors = (marker: string) =>
  Effect.promise(async () => {
    for (let i = 0; i < 150; i++) {
      if (marked(marker).length === 0) return []
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const left = marked(marker)
    for (const pid of left) process.kill(pid, "SIGKILL")
    return left
  })

const request = (command: Array<string>, marker: string, cwd?: string): ProcessSpawner.SpawnRequest => ({
  command,
  cwd,
  env: { extend: true, unset: [], set: { [MARKER]: marker } },
  stdin: "pipe",
  stdout: "pipe",
  stderr: "pipe"
})

/** Spawns `command`, collects its output until both pipes end and it exited. */
const collect = (command: Array<string>, marker: string) =>
  Effect.gen(function*() {
    const spawner = yield* ProcessSpawner.ProcessSpawner
    let stdout = ""
    let stderr = ""
    let ends = 0
    let exit: ProcessSpawner.ExitStatus | undefined
    let done: () => void = () => {}
    const finished = new Promise<void>((resolve) => (done = resolve))
    const check = () => {
      if (ends === 2 && exit !== undefined) done()
    }
    const proc = yield* spawner.spawn(request(command, marker), {
      onStdout: (chunk) => (stdout += Buffer.from(chunk).toString()),
      onStdoutEnd: () => (ends++, check()),
      onStderr: (chunk) => (stderr += Buffer.from(chunk).toString()),
      onStderrEnd: () => (ends++, check()),
      onExit: (status) => ((exit = status), check())
    })
    yield* Effect.promise(() => finished)
    yield* proc.closePipes
    return { pid: proc.pid, stdout, stderr, exit: exit! }
  })

describe("NodeProcess (Effect 4): the spawner", () => {
  it.effect("drains stdout and stderr into the listeners and reports the exit; the child carries the token", () =>
    Effect.gen(function*() {
      const marker = crypto.randomUUID()
      const result = yield* collect(["sh", "-c", "echo $EFFECT_PROCESS_REAPER; echo err >&2; exit 3"], marker)
      expect(result.exit).toEqual({ exitCode: 3, signal: undefined })
      expect(result.stdout).toMatch(/^ep[0-9a-f]{24}\n$/)
      expect(result.stderr).toBe("err\n")
      expect(yield* noSurvivors(marker)).toEqual([])
    }).pipe(Effect.provide(NodeProcess.layer)))

  it.effect("without the reaper, no token", () =>
    Effect.gen(function*() {
      const marker = crypto.randomUUID()
      const result = yield* collect(["sh", "-c", "echo \"[$EFFECT_PROCESS_REAPER]\""], marker)
      expect(result.stdout).toBe("[]\n")
    }).pipe(Effect.provide(NodeProcess.layerWithoutReaper)))

  it.effect("each child leads its own group: a group signal reaches its descendants", () =>
    Effect.gen(function*() {
      const marker = crypto.randomUUID()
      const spawner = yield* ProcessSpawner.ProcessSpawner
      const ignore = () => {}
      const proc = yield* spawner.spawn(request(["sh", "-c", "sleep 30 & sleep 30 & wait"], marker), {
        onStdout: ignore,
        onStdoutEnd: ignore,
        onStderr: ignore,
        onStderrEnd: ignore,
        onExit: ignore
      })
      // the shell and its two sleeps, once they have started (polled: a loaded machine forks slowly)
      yield* Effect.promise(async () => {
        for (let i = 0; i < 150 && marked(marker).length < 3; i++) await new Promise((r) => setTimeout(r, 20))
      })
      expect(marked(marker).length).toBe(3)
      expect(yield* proc.groupAlive).toBe(true)
      expect(yield* proc.signal("SIGTERM", "group")).toBe(true)
      expect(yield* noSurvivors(marker)).toEqual([])
      expect(yield* proc.groupAlive).toBe(false)
      yield* proc.closePipes
    }).pipe(Effect.provide(NodeProcess.layer)))

  it.effect("a missing program and a missing cwd are typed SpawnFailed, told apart; nothing starts", () =>
    Effect.gen(function*() {
      const marker = crypto.randomUUID()
      const spawner = yield* ProcessSpawner.ProcessSpawner
      const ignore = () => {}
      const listeners = { onStdout: ignore, onStdoutEnd: ignore, onStderr: ignore, onStderrEnd: ignore, onExit: ignore }
      const missing = yield* Effect.flip(spawner.spawn(request(["no-such-program-e4"], marker), listeners))
      expect(missing).toBeInstanceOf(ProcessError)
      expect(missing).toMatchObject({ _tag: "ProcessError", reason: "SpawnFailed", errno: "ENOENT" })
      expect(missing.message).toContain("not found on PATH")
      const cwd = yield* Effect.flip(spawner.spawn(request(["true"], marker, "/no/such/dir"), listeners))
      expect(cwd.message).toContain("working directory \"/no/such/dir\"")
      expect(yield* noSurvivors(marker)).toEqual([])
    }).pipe(Effect.provide(NodeProcess.layer)))

  it.effect("stdin: a write reaches the child; after the exit it fails with the system error", () =>
    Effect.gen(function*() {
      const marker = crypto.randomUUID()
      const spawner = yield* ProcessSpawner.ProcessSpawner
      let stdout = ""
      let exited: () => void = () => {}
      let ended: () => void = () => {}
      // The exit can be reported before the last output: wait for both.
      const exit = new Promise<void>((resolve) => (exited = resolve))
      const end = new Promise<void>((resolve) => (ended = resolve))
      const ignore = () => {}
      const proc = yield* spawner.spawn(request(["head", "-n", "1"], marker), {
        onStdout: (chunk) => (stdout += Buffer.from(chunk).toString()),
        onStdoutEnd: () => ended(),
        onStderr: ignore,
        onStderrEnd: ignore,
        onExit: () => exited()
      })
      yield* proc.write(new TextEncoder().encode("one\n"))
      yield* Effect.promise(() => Promise.all([exit, end]))
      yield* proc.closeStdin
      const error = yield* Effect.flip(proc.write(new Uint8Array([1])))
      expect(error.code).toMatch(/EPIPE|ERR_STREAM_DESTROYED/)
      yield* proc.closePipes
      expect(stdout).toBe("one\n")
      expect(yield* noSurvivors(marker)).toEqual([])
    }).pipe(Effect.provide(NodeProcess.layer)))
})
