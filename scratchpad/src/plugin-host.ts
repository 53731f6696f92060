/**
 * A go-plugin host in a few lines: launch the plugin with its magic cookie, wait for the handshake (readiness skips
 * the noise it prints first), connect to the address it announces, and stop it when the scope closes.
 *
 * Run it with `pnpm build && node scratchpad/dist/plugin-host.js`.
 */
import { Handshake, ManagedProcess } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as net from "node:net"
import { fileURLToPath } from "node:url"

const plugin = fileURLToPath(new URL("../fixtures/fake-plugin.js", import.meta.url))

/** Reads the first line the plugin sends on a new connection. */
const greet = (host: string, port: number) =>
  Effect.async<string, Error>((resume) => {
    const socket = net.connect({ host, port })
    let text = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk) => (text += chunk))
    socket.on("end", () => resume(Effect.succeed(text.trim())))
    socket.on("error", (error) => resume(Effect.fail(error)))
    return Effect.sync(() => socket.destroy())
  })

const program = Effect.gen(function*() {
  const proc = yield* ManagedProcess.make(["node", plugin], {
    env: Handshake.environment({
      magicCookieKey: "FAKE_PLUGIN_COOKIE",
      magicCookieValue: "effect-process",
      protocolVersions: [5, 6]
    }),
    readiness: Handshake.readiness,
    readinessTimeout: "10 seconds"
  })
  const handshake = proc.ready
  console.log(
    `plugin pid ${proc.pid} speaks ${handshake.protocol} protocol ${handshake.appProtocolVersion}` +
      ` on ${handshake.networkType} ${handshake.networkAddress}`
  )
  const separator = handshake.networkAddress.lastIndexOf(":")
  const reply = yield* greet(
    handshake.networkAddress.slice(0, separator),
    Number(handshake.networkAddress.slice(separator + 1))
  )
  console.log(`connected: ${JSON.stringify(reply)}`)
  const outcome = yield* proc.terminate()
  console.log(`plugin stopped: ${outcome._tag}`)
}).pipe(Effect.scoped, Effect.provide(NodeProcess.layer))

NodeRuntime.runMain(program)
