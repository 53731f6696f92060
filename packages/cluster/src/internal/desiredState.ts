/**
 * Whether an instance should run, kept in the cluster's own SQL database so that it outlives the runner that owns
 * the instance. The cluster decides where an instance lives and wakes it up on its next owner (the pending
 * keep-alive message is delivered again, and the reconciler asks every instance that should run for its status);
 * this table says what the woken instance should do: run, or stay stopped.
 * PostgreSQL, SQLite and MySQL. Only the instance's owner writes its row, one request at a time, so the last request it handled wins.
 *
 * @internal
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

/** @internal */
export type Desired = "running" | "stopped"

/** @internal */
export interface DesiredState {
  readonly get: (entityType: string, entityId: string) => Effect.Effect<Desired, SqlError>
  readonly set: (entityType: string, entityId: string, desired: Desired) => Effect.Effect<void, SqlError>
  /** The ids of the instances of `entityType` that should run. */
  readonly running: (entityType: string) => Effect.Effect<ReadonlyArray<string>, SqlError>
}

/** @internal */
export const DEFAULT_TABLE = "effect_process_instances"

/** @internal */
export const make = (table: string = DEFAULT_TABLE): Effect.Effect<DesiredState, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const name = sql(table)
    // Runners create it concurrently when they start together: a lost race of `IF NOT EXISTS` is retried.
    // Entity ids are as long as the cluster allows: TEXT, but MySQL keys must be VARCHAR.
    yield* sql.onDialectOrElse({
      mysql: () =>
        sql`CREATE TABLE IF NOT EXISTS ${name} (
          entity_type VARCHAR(255) NOT NULL, entity_id VARCHAR(255) NOT NULL, desired VARCHAR(16) NOT NULL,
          PRIMARY KEY (entity_type, entity_id))`,
      orElse: () =>
        sql`CREATE TABLE IF NOT EXISTS ${name} (
          entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, desired TEXT NOT NULL,
          PRIMARY KEY (entity_type, entity_id))`
    }).pipe(
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.intersect(Schedule.recurs(5))))
    )

    const get = (entityType: string, entityId: string) =>
      Effect.map(
        sql<
          { desired: string }
        >`SELECT desired FROM ${name} WHERE entity_type = ${entityType} AND entity_id = ${entityId}`,
        (rows): Desired => rows[0]?.desired === "running" ? "running" : "stopped"
      )

    const set = (entityType: string, entityId: string, desired: Desired) =>
      sql.onDialectOrElse({
        mysql: () =>
          sql`INSERT INTO ${name} (entity_type, entity_id, desired) VALUES (${entityType}, ${entityId}, ${desired})
            ON DUPLICATE KEY UPDATE desired = VALUES(desired)`,
        orElse: () =>
          sql`INSERT INTO ${name} (entity_type, entity_id, desired) VALUES (${entityType}, ${entityId}, ${desired})
            ON CONFLICT (entity_type, entity_id) DO UPDATE SET desired = ${desired}`
      }).pipe(Effect.asVoid)

    const running = (entityType: string) =>
      Effect.map(
        sql<
          { entity_id: string }
        >`SELECT entity_id FROM ${name} WHERE entity_type = ${entityType} AND desired = 'running'`,
        (rows) => rows.map((row) => row.entity_id)
      )

    return { get, set, running }
  })
