// The Node spawn on its own, without an effect system: what every line of the library builds on.
import { describe, expect, it } from "vitest"
import { spawnChild, SpawnedChild, type SpawnOutcome } from "../src/node/Spawn.js"
import type { ExitStatus, SpawnRequest } from "../src/Spawn.js"

const request = (command: Array<string>, options: Partial<SpawnRequest> = {}): SpawnRequest => ({
  command,
  cwd: undefined,
  env: { extend: true, unset: [], set: {} },
  stdin: "pipe",
  stdout: "pipe",
  stderr: "pipe",
  ...options
})

interface Run {
  readonly outcome: SpawnOutcome
  readonly stdout: () => string
  readonly exited: Promise<ExitStatus>
  readonly ended: Promise<void>
}

const start = (req: SpawnRequest, hooks = {}): Promise<Run> =>
  new Promise((resolve) => {
    const chunks: Array<Uint8Array> = []
    let exit: (status: ExitStatus) => void = () => {}
    let end: () => void = () => {}
    const exited = new Promise<ExitStatus>((r) => (exit = r))
    const ended = new Promise<void>((r) => (end = r))
    spawnChild(req, hooks, {
      onStdout: (chunk) =>
        chunks.push(chunk),
      onStdoutEnd: () =>
        end(),
      onStderr: () => {},
      onStderrEnd: () => {},
      onExit: (status) => exit(status)
    }, (...args) =>
      new SpawnedChild(...args), (outcome) =>
      resolve({
        outcome,
        stdout: () =>
          Buffer.concat(chunks).toString("utf8"),
        exited,
        ended
      }))
  })

describe("spawnChild (Node, no effect system)", () => {
  it("starts a group leader, drains its stdout into the listener, reports its exit", async () => {
    const run = await start(request(["sh", "-c", "echo $ENGINE_TEST; exit 3"], {
      env: { extend: true, unset: [], set: { ENGINE_TEST: "set" } }
    }))
    expect(run.outcome._tag).toBe("Spawned")
    expect(await run.exited).toEqual({ exitCode: 3, signal: undefined })
    await run.ended
    expect(run.stdout()).toBe("set\n")
    if (run.outcome._tag === "Spawned") run.outcome.child.destroyPipes()
  })

  it("the child leads its own group: a group signal reaches its descendants; then the group is gone", async () => {
    const run = await start(request(["sh", "-c", "sleep 30 & sleep 30 & wait"]))
    if (run.outcome._tag !== "Spawned") throw new Error("not spawned")
    const child = run.outcome.child
    expect(child.isGroupAlive()).toBe(true)
    expect(child.sendSignal("SIGKILL", "group")).toBe("sent")
    expect((await run.exited).signal).toBe("SIGKILL")
    for (let i = 0; i < 100 && child.isGroupAlive(); i++) await new Promise((r) => setTimeout(r, 20))
    expect(child.isGroupAlive()).toBe(false)
    // zombies not yet reaped by their new parent still take a signal: "sent" or "gone", never an error
    expect(["sent", "gone"]).toContain(child.sendSignal("SIGTERM", "group"))
    child.destroyPipes()
  })

  it("tells a missing working directory from a missing program, and reports the reaper's hooks", async () => {
    const launched: Array<number> = []
    const released: Array<number> = []
    const hooks = {
      token: () => "eptest",
      onLaunch: (pgid: number) => launched.push(pgid),
      onRelease: (pgid: number) => released.push(pgid)
    }
    const cwd = await start(request(["true"], { cwd: "/no/such/dir" }), hooks)
    expect(cwd.outcome).toMatchObject({ _tag: "Failed", errno: "ENOENT" })
    expect(cwd.outcome._tag === "Failed" && cwd.outcome.detail).toContain("working directory \"/no/such/dir\"")
    const program = await start(request(["no-such-program-xyz"]), hooks)
    expect(program.outcome._tag === "Failed" && program.outcome.detail).toContain("not found on PATH")
    expect(launched).toEqual([])
    const run = await start(request(["sh", "-c", "echo $EFFECT_PROCESS_REAPER"]), hooks)
    if (run.outcome._tag !== "Spawned") throw new Error("not spawned")
    await run.exited
    await run.ended
    expect(run.stdout().trim().split(":").pop()).toBe("eptest")
    expect(launched).toEqual([run.outcome.child.pid])
    run.outcome.child.destroyPipes()
    run.outcome.child.destroyPipes()
    expect(released).toEqual([run.outcome.child.pid])
  })

  it("writes to stdin; a write after the exit is EPIPE, not an exception", async () => {
    const run = await start(request(["head", "-n", "1"]))
    if (run.outcome._tag !== "Spawned") throw new Error("not spawned")
    const child = run.outcome.child
    await new Promise<void>((resolve, reject) =>
      child.writeChunk(new TextEncoder().encode("one\n"), (error) => (error ? reject(error) : resolve()))
    )
    await run.exited
    await run.ended
    expect(run.stdout()).toBe("one\n")
    child.endStdin()
    const error = await new Promise((resolve) => child.writeChunk(new Uint8Array([1]), resolve))
    expect(error).toMatchObject({ code: expect.stringMatching(/EPIPE|ERR_STREAM_DESTROYED/) })
    child.destroyPipes()
  })
})
