// A cluster runner for the tests and the benchmark: `node runner.mjs '{"port":…,"url":…}'` joins the cluster whose
// runner and message storage are the PostgreSQL database at `url`, listens on 127.0.0.1:port, runs the Worker
// entity's instances whose shards it owns, and prints "ready" once its sharding is up. SIGTERM or SIGINT shuts it
// down gracefully (its instances are terminated, its shards released); SIGKILL leaves the rest to the cluster and
// to the parent-death reaper of NodeProcess.layer.
import { ProcessEntity } from "@effect-process/cluster"
import { NodeProcess } from "@effect-process/node"
import { RunnerAddress } from "@effect/cluster"
import { NodeClusterSocket, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { shardingConfig } from "./config.mjs"
import { Worker } from "./worker.mjs"

const options = JSON.parse(process.argv[2])

const Cluster = NodeClusterSocket.layer({
  storage: "sql",
  shardingConfig: {
    ...shardingConfig,
    runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", options.port))
  }
}).pipe(Layer.provideMerge(PgClient.layer({ url: Redacted.make(options.url), maxConnections: 8 })))

const Runner = ProcessEntity.layer(Worker).pipe(
  // The reaper's grace (SIGTERM to SIGKILL after this runner dies) is shorter than the cluster takes to declare a
  // dead runner so (about 2.5 s here): a child that ignores SIGTERM is gone before its instance starts elsewhere.
  Layer.provide(NodeProcess.layerWithReaper({ grace: "1 second" })),
  Layer.provideMerge(Cluster)
)

const main = Effect.gen(function*() {
  yield* Effect.sync(() => console.log(`ready ${process.pid}`))
  return yield* Effect.never
})

main.pipe(
  Effect.provide(Runner),
  Logger.withMinimumLogLevel(
    options.logLevel === "debug" || process.env.RUNNER_DEBUG ? LogLevel.Debug : LogLevel.Warning
  ),
  NodeRuntime.runMain
)
