/**
 * The HashiCorp go-plugin handshake: a plugin process prints one line on stdout,
 * `CORE-PROTOCOL-VERSION|APP-PROTOCOL-VERSION|NETWORK-TYPE|NETWORK-ADDR|PROTOCOL[|SERVER-CERT[|MUX]]`, and the host
 * connects to the address it announces. This module parses that line with `Schema`, waits for it as readiness
 * (skipping noise printed before it, failing on a malformed one), and builds the environment a plugin expects.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as pattern_ from "./internal/outputPattern.js"
import * as readiness_ from "./internal/readiness.js"
import type * as OutputPattern from "./OutputPattern.js"
import type * as Readiness from "./Readiness.js"

/** `"true"` or `"false"`, as a boolean (Effect 4's Schema has no `BooleanFromString`). */
const BooleanFromString = Schema.Literals(["true", "false"]).pipe(
  Schema.decodeTo(Schema.Boolean, {
    decode: SchemaGetter.transform((text) => text === "true"),
    encode: SchemaGetter.transform((flag): "true" | "false" => flag ? "true" : "false")
  })
)

/**
 * The fields of a handshake line, decoded.
 *
 * @example
 * import { Schema } from "effect"
 * import { Handshake } from "effect-process"
 *
 * Schema.decodeUnknownSync(Handshake.HandshakeLine)({
 *   coreProtocolVersion: "1", appProtocolVersion: "5", networkType: "tcp", networkAddress: "127.0.0.1:1234", protocol: "grpc"
 * })
 *
 * @since 0.1.0
 * @category schemas
 */
export const HandshakeLine = Schema.Struct({
  coreProtocolVersion: Schema.NumberFromString.check(
    Schema.isInt(),
    Schema.makeFilter((n) => n === 1 || "the core protocol version must be 1")
  ),
  appProtocolVersion: Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThan(0)),
  networkType: Schema.Literals(["tcp", "unix"]),
  networkAddress: Schema.NonEmptyString,
  protocol: Schema.Literals(["netrpc", "grpc"]),
  /** Base64 DER of the plugin's TLS certificate, when it serves TLS (AutoMTLS). */
  serverCert: Schema.optionalKey(Schema.String),
  /** Whether the plugin multiplexes gRPC brokers over one connection. */
  multiplexing: Schema.optionalKey(BooleanFromString)
})

/**
 * A decoded handshake.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handshake extends Schema.Schema.Type<typeof HandshakeLine> {}

/**
 * A line that looks like a handshake (it starts with a number and `|`) but is not a valid one.
 *
 * @example
 * import { Effect } from "effect"
 * import { Handshake } from "effect-process"
 *
 * const program = Handshake.parse("1|x|tcp").pipe(Effect.catchTag("HandshakeError", (error) => Effect.fail(error.message)))
 *
 * @since 0.1.0
 * @category errors
 */
export class HandshakeError extends Data.TaggedError("HandshakeError")<{
  readonly line: string
  readonly issue: string
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `malformed go-plugin handshake ${JSON.stringify(this.line)}: ${this.issue}`
  }
}

const FIELDS = [
  "coreProtocolVersion",
  "appProtocolVersion",
  "networkType",
  "networkAddress",
  "protocol",
  "serverCert",
  "multiplexing"
] as const

const decodeFields = Schema.decodeUnknownResult(HandshakeLine, { onExcessProperty: "error" })

const decodeLine = (line: string): Result.Result<Handshake, HandshakeError> => {
  const parts = line.trim().split("|")
  if (parts.length < 5 || parts.length > FIELDS.length) {
    return Result.fail(
      new HandshakeError({ line, issue: `expected 5 to 7 fields separated by "|", got ${parts.length}` })
    )
  }
  const record: Record<string, string> = {}
  parts.forEach((part, index) => {
    // An empty certificate field means "no TLS" (go-plugin prints it when a later field follows).
    if (!(index === 5 && part === "")) record[FIELDS[index]!] = part
  })
  return Result.mapError(
    decodeFields(record),
    (error) => new HandshakeError({ line, issue: error.message })
  )
}

/**
 * Parses one handshake line.
 *
 * @example
 * import { Effect } from "effect"
 * import { Handshake } from "effect-process"
 *
 * const address = Handshake.parse("1|5|tcp|127.0.0.1:1234|grpc").pipe(Effect.map((h) => h.networkAddress))
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (line: string): Effect.Effect<Handshake, HandshakeError> => Effect.fromResult(decodeLine(line))

const looksLikeHandshake = /^\s*\d+\|/

/**
 * An output pattern for the handshake line: lines before it that do not look like a handshake are noise and
 * skipped; a line that looks like one but is malformed fails (`ReadinessFailed`, with the parse issue).
 *
 * @example
 * import { ManagedProcess, Handshake } from "effect-process"
 *
 * const plugin = (proc: ManagedProcess.ManagedProcess) => proc.waitForOutput(Handshake.pattern)
 *
 * @since 0.1.0
 * @category patterns
 */
export const pattern: OutputPattern.OutputPattern<Handshake> = pattern_.lineDecider(
  "a go-plugin handshake line",
  "stdout",
  (line) =>
    looksLikeHandshake.test(line)
      ? Option.some(Result.match(decodeLine(line), {
        onFailure: (error) => ({ _tag: "Fail" as const, detail: error.issue }),
        onSuccess: (value) => ({ _tag: "Match" as const, value })
      }))
      : Option.none()
)

/**
 * Readiness that waits for the handshake; the handle's `ready` is the decoded handshake.
 *
 * @example
 * import { ManagedProcess, Handshake } from "effect-process"
 *
 * const plugin = ManagedProcess.make(["./terraform-provider-null"], {
 *   env: Handshake.environment({ magicCookieKey: "TF_PLUGIN_MAGIC_COOKIE", magicCookieValue: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2", protocolVersions: [5, 6] }),
 *   readiness: Handshake.readiness
 * })
 *
 * @since 0.1.0
 * @category readiness
 */
export const readiness: Readiness.Readiness<Handshake> = readiness_.output(pattern)

/**
 * The environment a go-plugin plugin expects from its host: the magic cookie (the plugin refuses to run without
 * it), the protocol versions the host speaks, and optionally the port range it may listen on.
 *
 * @example
 * import { Handshake } from "effect-process"
 *
 * Handshake.environment({ magicCookieKey: "BASIC_PLUGIN", magicCookieValue: "hello", protocolVersions: [1] })
 * // { BASIC_PLUGIN: "hello", PLUGIN_PROTOCOL_VERSIONS: "1" }
 *
 * @since 0.1.0
 * @category constructors
 */
export const environment = (options: {
  readonly magicCookieKey: string
  readonly magicCookieValue: string
  readonly protocolVersions?: ReadonlyArray<number> | undefined
  readonly minPort?: number | undefined
  readonly maxPort?: number | undefined
}): Record<string, string> => ({
  [options.magicCookieKey]: options.magicCookieValue,
  ...(options.protocolVersions === undefined ? {} : {
    PLUGIN_PROTOCOL_VERSIONS: options.protocolVersions.join(",")
  }),
  ...(options.minPort === undefined ? {} : { PLUGIN_MIN_PORT: String(options.minPort) }),
  ...(options.maxPort === undefined ? {} : { PLUGIN_MAX_PORT: String(options.maxPort) })
})
