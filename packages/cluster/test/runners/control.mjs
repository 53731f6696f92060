// A client-only node of the cluster: `node control.mjs '{"url":…}'` reads one JSON request per line on stdin
// ({"id":1,"op":"start","entityId":"w-1"}, ops start / stop / status / tail / signal) and writes one JSON line per
// answer ({"id":1,"ok":true,"value":…} or {"id":1,"ok":false,"error":…}). It runs no instances itself.
import { ProcessEntity } from "@effect-process/cluster"
import { NodeClusterSocket, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Logger, LogLevel, Queue, Redacted, Stream } from "effect"
import * as readline from "node:readline"
import { shardingConfig } from "./config.mjs"
import { Worker } from "./worker.mjs"

const options = JSON.parse(process.argv[2])

const Cluster = NodeClusterSocket.layer({ clientOnly: true, storage: "sql", shardingConfig }).pipe(
  Layer.provide(PgClient.layer({ url: Redacted.make(options.url), maxConnections: 8 }))
)

const answer = (id, exit) => console.log(JSON.stringify({ id, ...exit }))

const main = Effect.gen(function*() {
  const workers = yield* ProcessEntity.client(Worker)
  const requests = yield* Queue.unbounded()
  const lines = readline.createInterface({ input: process.stdin })
  lines.on("line", (line) => Queue.unsafeOffer(requests, JSON.parse(line)))
  lines.on("close", () => Queue.unsafeOffer(requests, { op: "exit" }))
  console.log("ready")
  yield* Stream.fromQueue(requests).pipe(
    Stream.takeWhile((request) => request.op !== "exit"),
    Stream.runForEach((request) => {
      const call = request.op === "start"
        ? workers.start(request.entityId, { timeout: request.timeout })
        : request.op === "stop"
        ? workers.stop(request.entityId)
        : request.op === "status"
        ? workers.status(request.entityId)
        : request.op === "tail"
        ? workers.tail(request.entityId, request.lines, { pipe: request.pipe })
        : workers.signal(request.entityId, request.signal)
      return call.pipe(
        Effect.map((value) => ({ ok: true, value })),
        Effect.catchAll((error) =>
          Effect.succeed({ ok: false, error: { tag: error._tag, reason: error.reason, message: error.message } })
        ),
        Effect.tap((result) => Effect.sync(() => answer(request.id, result))),
        Effect.fork
      )
    })
  )
})

main.pipe(
  Effect.provide(Cluster),
  // Standard input ended: the cluster client is closed; exit without waiting for its idle sockets.
  Effect.zipRight(Effect.sync(() => process.exit(0))),
  Logger.withMinimumLogLevel(LogLevel.Warning),
  NodeRuntime.runMain
)
