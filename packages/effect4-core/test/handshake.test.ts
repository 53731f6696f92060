import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Handshake, ManagedProcess, Readiness } from "effect-process"
import { scripted } from "./TestSpawner.js"

describe("Handshake", () => {
  it.effect("parses the five required fields and the optional certificate and multiplexing flag", () =>
    Effect.gen(function*() {
      expect(yield* Handshake.parse("1|5|tcp|127.0.0.1:1234|grpc")).toEqual({
        coreProtocolVersion: 1,
        appProtocolVersion: 5,
        networkType: "tcp",
        networkAddress: "127.0.0.1:1234",
        protocol: "grpc"
      })
      const full = yield* Handshake.parse("1|6|unix|/tmp/plugin.sock|netrpc|MIIB|true\n")
      expect(full.serverCert).toBe("MIIB")
      expect(full.multiplexing).toBe(true)
      const noCert = yield* Handshake.parse("1|6|tcp|127.0.0.1:1|grpc||false")
      expect(noCert.serverCert).toBeUndefined()
      expect(noCert.multiplexing).toBe(false)
    }))

  it.effect("rejects malformed lines with a HandshakeError saying why", () =>
    Effect.gen(function*() {
      for (const line of ["1|5|tcp", "2|5|tcp|a:1|grpc", "1|x|tcp|a:1|grpc", "1|5|udp|a:1|grpc", "1|5|tcp||grpc"]) {
        const error = yield* Effect.flip(Handshake.parse(line))
        expect(error._tag).toBe("HandshakeError")
        expect(error.line).toBe(line)
        expect(error.message).toContain("malformed go-plugin handshake")
      }
    }))

  it.effect("readiness skips noise before the line and yields the decoded handshake", () => {
    const script = scripted({
      dieOn: ["SIGTERM"],
      stdout: ["plugin starting\n2024/01/01 [DEBUG] whatever | with pipes\n1|5|tcp|127.0.0.1:4", "321|grpc\nrest\n"]
    })
    return Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(["plugin"], { readiness: Handshake.readiness })
      expect(proc.ready.networkAddress).toBe("127.0.0.1:4321")
      expect(yield* proc.readLine()).toBe("rest")
    }).pipe(Effect.provide(script.layer))
  })

  it.effect("a malformed handshake line fails readiness with the parse issue", () => {
    const script = scripted({ dieOn: ["SIGTERM"], stdout: ["1|5|tcp|127.0.0.1:4321|http\n"] })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(
        ManagedProcess.make(["plugin"], { readiness: Readiness.output(Handshake.pattern) })
      )
      expect(error._tag).toBe("ProcessError")
      if (error._tag !== "ProcessError") return
      expect(error.reason).toBe("ReadinessFailed")
      expect(error.message).toContain("1|5|tcp|127.0.0.1:4321|http")
      expect(script.alive).toBe(false)
    }).pipe(Effect.provide(script.layer))
  })

  it("builds the plugin environment", () => {
    expect(Handshake.environment({ magicCookieKey: "K", magicCookieValue: "v", protocolVersions: [5, 6], minPort: 10 }))
      .toEqual({ K: "v", PLUGIN_PROTOCOL_VERSIONS: "5,6", PLUGIN_MIN_PORT: "10" })
  })
})
