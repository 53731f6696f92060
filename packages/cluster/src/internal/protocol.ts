/**
 * The messages a process entity understands and the values they carry over the wire. None of them is persisted:
 * what keeps an instance alive across runners is the cluster's keep-alive message (see `instance.ts`), and whether
 * it should run is in the desired-state table (`desiredState.ts`).
 *
 * @internal
 */
import { truncate } from "@effect-process/engine/Quote"
import * as Rpc from "@effect/rpc/Rpc"
import * as Schema from "effect/Schema"

/** @internal */
export const InstanceState = Schema.Literal("Stopped", "Starting", "Running", "Restarting", "Failed")

/** @internal */
export const LastExit = Schema.Struct({
  exitCode: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String),
  uptimeMillis: Schema.Number
})

/** @internal */
export class InstanceStatus extends Schema.Class<InstanceStatus>("@effect-process/cluster/InstanceStatus")({
  entityType: Schema.String,
  entityId: Schema.String,
  runner: Schema.String,
  state: InstanceState,
  pid: Schema.NullOr(Schema.Number),
  uptimeMillis: Schema.NullOr(Schema.Number),
  restarts: Schema.Number,
  lastExit: Schema.NullOr(LastExit),
  failure: Schema.NullOr(Schema.String)
}) {}

/** @internal */
export class InstanceError extends Schema.TaggedError<InstanceError>("@effect-process/cluster/InstanceError")(
  "InstanceError",
  {
    reason: Schema.Literal("StartFailed", "GaveUp", "NotRunning", "InvalidRequest", "Timeout", "StorageFailed"),
    entityType: Schema.String,
    entityId: Schema.String,
    detail: Schema.String
  }
) {
  override get message(): string {
    return `${this.entityType}(${truncate(this.entityId, 100)}): ${this.reason}: ${this.detail}`
  }
}

/** @internal */
export const Start = Rpc.make("Start", {
  payload: { timeoutMillis: Schema.Number },
  success: InstanceStatus,
  error: InstanceError
})

/** @internal */
export const Stop = Rpc.make("Stop", { success: InstanceStatus, error: InstanceError })

/** @internal */
export const Status = Rpc.make("Status", { success: InstanceStatus })

/** @internal */
export const Tail = Rpc.make("Tail", {
  payload: { lines: Schema.Number, pipe: Schema.Literal("stdout", "stderr") },
  success: Schema.Array(Schema.String),
  error: InstanceError
})

/** @internal */
export const Signal = Rpc.make("Signal", {
  payload: { signal: Schema.String },
  success: InstanceStatus,
  error: InstanceError
})

/** @internal */
export const rpcs = [Start, Stop, Status, Tail, Signal] as const
