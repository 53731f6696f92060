// A throwaway PostgreSQL server for tests and benchmarks: a fresh data directory under the system's temporary
// directory, initialised with trust authentication, listening on 127.0.0.1 only (and on a Unix socket inside that
// temporary directory), tuned for speed rather than durability, and removed again on stop. It never touches a
// system cluster (such as the one Debian's package starts on port 5432): it has its own data directory and port.
//
// The server binaries (pg_ctl, initdb, postgres) are looked up in PATH and in /usr/lib/postgresql/<version>/bin
// (highest version first); when none are found, Debian's postgresql package is installed with apt-get (as root, or
// through `sudo -n`). PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
// (or `effectpg`, created on demand) through runuser (or su).
//
// As a module:  `const pg = await startPostgres({ port, database, log })`, then `pg.url`, and `await pg.stop()`.
// As a CLI:
//
//   node scripts/postgres.mjs start [--port N] [--database NAME]  starts a server, prints {"url","dataDir","port"}
//                                                                  as one JSON line and exits, leaving it running
//   node scripts/postgres.mjs stop --data-dir DIR                  stops the server of DIR and removes its temp dir
//   node scripts/postgres.mjs check [--port N]                     self-test: start, `SELECT 1` with psql, stop
//
// Only Node's standard library is used.
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const DEFAULT_PORT = 54329
const DEFAULT_DATABASE = "effect_process_cluster"
const HOST = "127.0.0.1"
/** The database superuser made by initdb (`-U`), whatever operating-system user runs the server. */
const SUPERUSER = "postgres"
const TEMP_PREFIX = "effect-process-pg-"
const METADATA_FILE = "server.json"
const DEBIAN_INSTALL_ROOT = "/usr/lib/postgresql"
const SERVER_BINARIES = ["pg_ctl", "initdb", "postgres"]
const SYSTEM_USERS = ["postgres", "effectpg"]
const APT_TIMEOUT_MS = 600_000
const COMMAND_TIMEOUT_MS = 30_000
const STOP_KILL_WAIT_MS = 5_000
const ERROR_TAIL_CHARS = 2000
const OUTPUT_KEEP_CHARS = 64 * 1024
const SERVER_SETTINGS = [
  "listen_addresses=127.0.0.1",
  "fsync=off",
  "synchronous_commit=off",
  "full_page_writes=off",
  "max_connections=200"
]

/**
 * @typedef {object} PostgresOptions
 * @property {number} [port] TCP port on 127.0.0.1 (default 54329); starting fails if something already listens there
 * @property {string} [database] database created after start (default "effect_process_cluster")
 * @property {(line: string) => void} [log] receives one line per step (binaries found, initdb, start, stop)
 */

/**
 * @typedef {object} PostgresServer
 * @property {string} url `postgres://postgres@127.0.0.1:<port>/<database>` (trust authentication, no password)
 * @property {number} port
 * @property {"127.0.0.1"} host
 * @property {string} user the database superuser, "postgres"
 * @property {string} database
 * @property {string} dataDir the server's data directory (inside a temp dir that stop removes)
 * @property {string} logFile the server's log file (inside the same temp dir)
 * @property {() => Promise<void>} stop stops the server (immediate mode) and removes its temp dir; idempotent
 */

/**
 * Starts a throwaway PostgreSQL server in a fresh temporary data directory and creates `database` in it.
 *
 * Installs Debian's postgresql package first when no server binaries are found. A `process.on("exit")` hook stops
 * the server and removes its directory if the process ends without calling `stop()` (it cannot run on a signal
 * that kills the process, nor on SIGKILL).
 *
 * @param {PostgresOptions} [options]
 * @returns {Promise<PostgresServer>}
 */
export async function startPostgres(options = {}) {
  return launchPostgres(options, { stopOnExit: true })
}

/**
 * Stops the server whose data directory is `dataDir` (one made by {@link startPostgres} or the `start` command, here
 * or in another process) and removes its temp dir. Does nothing if that directory is already gone.
 *
 * @param {string} dataDir
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<void>}
 */
export async function stopPostgres(dataDir, options = {}) {
  const log = options.log ?? (() => {})
  const absoluteDataDir = path.resolve(dataDir)
  const tempDir = path.dirname(absoluteDataDir)
  if (!path.basename(tempDir).startsWith(TEMP_PREFIX)) {
    throw new Error(
      `${absoluteDataDir} is not a data directory made by scripts/postgres.mjs (its parent directory's `
        + `name does not start with ${TEMP_PREFIX}); refusing to stop it or remove anything`
    )
  }
  if (!fs.existsSync(tempDir)) {
    log(`${tempDir} does not exist: nothing to stop`)
    return
  }
  const server = await describeExistingServer(absoluteDataDir)
  await stopServer(server, log)
}

// ---------------------------------------------------------------------------------------------------------------
// Starting

async function launchPostgres(options, { stopOnExit }) {
  const port = options.port ?? DEFAULT_PORT
  const database = options.database ?? DEFAULT_DATABASE
  const log = options.log ?? (() => {})
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`startPostgres: port must be an integer from 1 to 65535, got ${String(port)}`)
  }
  if (typeof database !== "string" || database.length === 0) {
    throw new Error(`startPostgres: database must be a non-empty string, got ${String(database)}`)
  }
  if (await isPortInUse(port)) {
    throw new Error(
      `startPostgres: port ${port} on ${HOST} is already in use; choose another port (option port, `
        + `or --port N)`
    )
  }

  const binDir = await ensureServerBinDir(log)
  const runAs = isRoot() ? await resolveServerUser(log) : undefined
  const tempDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), TEMP_PREFIX))
  const server = describeServer({ binDir, runAs, tempDir })
  try {
    await prepareDirectories(server, { port, database })
    log(`initdb ${server.dataDir} (binaries: ${binDir}${runAs ? `, as user ${runAs.name}` : ""})`)
    await runServerCommand(server, "initdb", [
      "-D",
      server.dataDir,
      "-A",
      "trust",
      "-U",
      SUPERUSER,
      "--no-sync",
      "-E",
      "UTF8",
      "--locale=C"
    ])
    log(`starting on ${HOST}:${port}`)
    await startServer(server, port)
    await createDatabase(server, port, database, log)
  } catch (error) {
    await stopServer(server, log).catch((stopError) => log(`cleanup after a failed start: ${stopError.message}`))
    throw error
  }
  if (stopOnExit) registerExitStop(server)

  let stopping
  const stop = () => {
    stopping ??= (async () => {
      unregisterExitStop(server)
      await stopServer(server, log)
    })()
    return stopping
  }
  log(`ready: ${connectionUrl(port, database)}`)
  return {
    url: connectionUrl(port, database),
    port,
    host: HOST,
    user: SUPERUSER,
    database,
    dataDir: server.dataDir,
    logFile: server.logFile,
    stop
  }
}

function describeServer({ binDir, runAs, tempDir }) {
  return {
    binDir,
    runAs,
    tempDir,
    dataDir: path.join(tempDir, "data"),
    socketDir: path.join(tempDir, "socket"),
    logFile: path.join(tempDir, "postgres.log")
  }
}

async function prepareDirectories(server, { port, database }) {
  await fs.promises.mkdir(server.dataDir, { mode: 0o700 })
  await fs.promises.mkdir(server.socketDir, { mode: 0o700 })
  await fs.promises.chmod(server.dataDir, 0o700)
  const metadata = { binDir: server.binDir, osUser: server.runAs?.name ?? null, port, database, ownerPid: process.pid }
  await fs.promises.writeFile(path.join(server.tempDir, METADATA_FILE), JSON.stringify(metadata, null, 2) + "\n")
  if (server.runAs) await chownRecursive(server.tempDir, server.runAs.uid, server.runAs.gid)
}

async function startServer(server, port) {
  const serverOptions = [
    "-p",
    String(port),
    "-k",
    shellQuote(server.socketDir),
    ...SERVER_SETTINGS.flatMap((setting) => ["-c", setting])
  ].join(" ")
  try {
    await runServerCommand(server, "pg_ctl", [
      "-D",
      server.dataDir,
      "-l",
      server.logFile,
      "-o",
      serverOptions,
      "-w",
      "start"
    ])
  } catch (error) {
    const serverLog = readTail(server.logFile)
    throw new Error(error.message + (serverLog ? `\nserver log (${server.logFile}):\n${serverLog}` : ""))
  }
}

async function createDatabase(server, port, database, log) {
  if (database === SUPERUSER) return // initdb made it
  log(`creating database ${database}`)
  const connection = ["-h", HOST, "-p", String(port), "-U", SUPERUSER]
  const createdb = clientBinary(server.binDir, "createdb")
  if (createdb) {
    await runCommand(createdb, [...connection, database])
    return
  }
  const psql = clientBinary(server.binDir, "psql")
  if (!psql) throw new Error(`neither createdb nor psql found in ${server.binDir} or PATH: cannot create ${database}`)
  const identifier = `"${database.replaceAll("\"", "\"\"")}"`
  await runCommand(psql, [
    "-X",
    ...connection,
    "-d",
    SUPERUSER,
    "-v",
    "ON_ERROR_STOP=1",
    "-c",
    `CREATE DATABASE ${identifier}`
  ])
}

function connectionUrl(port, database) {
  return `postgres://${SUPERUSER}@${HOST}:${port}/${encodeURIComponent(database)}`
}

// ---------------------------------------------------------------------------------------------------------------
// Stopping

async function stopServer(server, log) {
  const pid = readPostmasterPid(server.dataDir)
  let stopError
  if (pid !== undefined) {
    try {
      await runServerCommand(server, "pg_ctl", ["-D", server.dataDir, "-m", "immediate", "-w", "stop"])
      log(`stopped (pid ${pid})`)
    } catch (error) {
      stopError = error
      if (isPostmaster(pid, server.dataDir)) {
        log(`pg_ctl stop failed, killing the postmaster (pid ${pid}): ${error.message}`)
        killPostmaster(pid)
        await waitUntil(() => !isPostmaster(pid, server.dataDir), STOP_KILL_WAIT_MS)
      }
    }
  }
  await fs.promises.rm(server.tempDir, { recursive: true, force: true })
  if (pid !== undefined && isPostmaster(pid, server.dataDir)) {
    throw new Error(`could not stop the PostgreSQL server of ${server.dataDir} (pid ${pid}): ${stopError?.message}`)
  }
}

/** The exit hook's synchronous counterpart of stopServer (no promises run in a `process.on("exit")` listener). */
function stopServerSync(server) {
  const pid = readPostmasterPid(server.dataDir)
  if (pid !== undefined) {
    const [command, args] = serverArgv(server, "pg_ctl", ["-D", server.dataDir, "-m", "immediate", "-w", "stop"])
    spawnSync(command, args, {
      stdio: "ignore",
      timeout: COMMAND_TIMEOUT_MS,
      env: childEnvironment(),
      cwd: server.tempDir
    })
    if (isPostmaster(pid, server.dataDir)) killPostmaster(pid)
  }
  try {
    fs.rmSync(server.tempDir, { recursive: true, force: true })
  } catch {
    // the process is exiting: nothing more to do
  }
}

const serversToStopOnExit = new Set()

function stopAllOnExit() {
  for (const server of serversToStopOnExit) stopServerSync(server)
  serversToStopOnExit.clear()
}

function registerExitStop(server) {
  if (serversToStopOnExit.size === 0) process.on("exit", stopAllOnExit)
  serversToStopOnExit.add(server)
}

function unregisterExitStop(server) {
  serversToStopOnExit.delete(server)
  if (serversToStopOnExit.size === 0) process.off("exit", stopAllOnExit)
}

function readPostmasterPid(dataDir) {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0], 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Whether `pid` is alive and (where /proc tells) the postmaster of `dataDir`, not a process that reused the pid. */
function isPostmaster(pid, dataDir) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(dataDir)
  } catch {
    if (fs.existsSync("/proc/self")) return false
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === "EPERM"
  }
}

/** SIGKILLs the postmaster and, when it leads its own process group (pg_ctl starts it with setsid), its children. */
function killPostmaster(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const processGroup = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2])
    if (processGroup === pid) process.kill(-pid, "SIGKILL")
  } catch {
    // no /proc, or already gone: the postmaster alone below
  }
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // already gone
  }
}

async function describeExistingServer(dataDir) {
  const tempDir = path.dirname(dataDir)
  let metadata = {}
  try {
    metadata = JSON.parse(fs.readFileSync(path.join(tempDir, METADATA_FILE), "utf8"))
  } catch {
    // older or partial directory: find the binaries and the user again
  }
  const binDir = metadata.binDir && hasServerBinaries(metadata.binDir) ? metadata.binDir : findServerBinDir()
  if (!binDir) throw new Error(`cannot stop ${dataDir}: no PostgreSQL server binaries (pg_ctl) found`)
  let runAs
  if (isRoot()) {
    const owner = fs.existsSync(dataDir) ? fs.statSync(dataDir).uid : 0
    if (owner !== 0) {
      const name = metadata.osUser ?? (await runCommand("id", ["-nu", String(owner)])).stdout.trim()
      runAs = await lookupSystemUser(name)
      if (!runAs) throw new Error(`cannot stop ${dataDir}: its owner ${name} (uid ${owner}) is not a known user`)
    }
  }
  return describeServer({ binDir, runAs, tempDir })
}

// ---------------------------------------------------------------------------------------------------------------
// Finding or installing the server binaries

function pathDirectories() {
  return (process.env.PATH ?? "").split(path.delimiter).filter((dir) => dir.length > 0)
}

function debianBinDirectories() {
  let versions
  try {
    versions = fs.readdirSync(DEBIAN_INSTALL_ROOT).filter((name) => /^\d+(\.\d+)*$/.test(name))
  } catch {
    return []
  }
  const parts = (version) => version.split(".").map(Number)
  const compareDescending = (a, b) => {
    const [pa, pb] = [parts(a), parts(b)]
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pb[i] ?? 0) - (pa[i] ?? 0)
    }
    return 0
  }
  return versions.sort(compareDescending).map((version) => path.join(DEBIAN_INSTALL_ROOT, version, "bin"))
}

function isExecutableFile(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

function hasServerBinaries(dir) {
  return SERVER_BINARIES.every((name) => isExecutableFile(path.join(dir, name)))
}

/**
 * The first directory of PATH, then of /usr/lib/postgresql/<version>/bin (highest first), with all three binaries;
 * where pg_ctl there is a symbolic link into a directory that has them too, that directory, so that the clients
 * (createdb, psql) of the same installation are found next to them.
 */
function findServerBinDir() {
  const dir = [...pathDirectories(), ...debianBinDirectories()].find(hasServerBinaries)
  if (!dir) return undefined
  const realDir = path.dirname(fs.realpathSync(path.join(dir, "pg_ctl")))
  return hasServerBinaries(realDir) ? realDir : dir
}

function findExecutable(name, extraDirs = []) {
  for (const dir of [...pathDirectories(), ...extraDirs]) {
    const candidate = path.join(dir, name)
    if (isExecutableFile(candidate)) return candidate
  }
  return undefined
}

/** A client program (createdb, psql) of the server's own version, else the first one in PATH. */
function clientBinary(binDir, name) {
  const sameVersion = path.join(binDir, name)
  return isExecutableFile(sameVersion) ? sameVersion : findExecutable(name)
}

async function ensureServerBinDir(log) {
  const found = findServerBinDir()
  if (found) return found
  const how = isRoot() ? "as root" : "through sudo -n"
  log(`no PostgreSQL server binaries found; installing Debian's postgresql package (${how})`)
  let installError
  try {
    await installDebianPostgres(log)
  } catch (error) {
    installError = error
  }
  const installed = findServerBinDir()
  if (installed) return installed
  throw new Error(
    `PostgreSQL server binaries (${SERVER_BINARIES.join(", ")}) not found: searched PATH and `
      + `${DEBIAN_INSTALL_ROOT}/*/bin, then tried \`apt-get update\` and \`apt-get install -y `
      + `--no-install-recommends postgresql\` ${how}, which `
      + (installError ? `failed: ${installError.message}` : "succeeded but did not provide them")
  )
}

async function installDebianPostgres(log) {
  const prefix = isRoot() ? [] : ["sudo", "-n"]
  const steps = [
    ["apt-get", "update"],
    ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", "postgresql"]
  ]
  for (const step of steps) {
    const [command, ...args] = [...prefix, ...step]
    log(`running ${[command, ...args].join(" ")}`)
    await runCommand(command, args, { timeoutMs: APT_TIMEOUT_MS })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Running the server as an unprivileged user when we are root

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0
}

async function lookupSystemUser(name) {
  try {
    const uid = Number((await runCommand("id", ["-u", name])).stdout.trim())
    const gid = Number((await runCommand("id", ["-g", name])).stdout.trim())
    return { name, uid, gid, ...userSwitcher() }
  } catch {
    return undefined
  }
}

/** runuser, else su: how root runs a command as another user. */
function userSwitcher() {
  const sbin = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
  const runuser = findExecutable("runuser", sbin)
  if (runuser) return { switcher: "runuser", switcherPath: runuser }
  const su = findExecutable("su", sbin)
  if (su) return { switcher: "su", switcherPath: su }
  throw new Error("running as root, but neither runuser nor su is available to run PostgreSQL as another user")
}

/** The `postgres` system user (Debian's package makes it), else `effectpg`, created as a system user if missing. */
async function resolveServerUser(log) {
  for (const name of SYSTEM_USERS) {
    const user = await lookupSystemUser(name)
    if (user) return user
  }
  const name = SYSTEM_USERS[SYSTEM_USERS.length - 1]
  log(`creating system user ${name}`)
  const useradd = findExecutable("useradd", ["/usr/sbin", "/sbin"]) ?? "useradd"
  await runCommand(useradd, ["--system", "--no-create-home", name])
  const user = await lookupSystemUser(name)
  if (!user) throw new Error(`created system user ${name} with useradd, but \`id -u ${name}\` does not find it`)
  return user
}

async function chownRecursive(target, uid, gid) {
  await fs.promises.lchown(target, uid, gid)
  const stat = await fs.promises.lstat(target)
  if (!stat.isDirectory()) return
  for (const entry of await fs.promises.readdir(target)) {
    await chownRecursive(path.join(target, entry), uid, gid)
  }
}

/** The argv that runs a server binary of `server.binDir`, switched to `server.runAs` when there is one. */
function serverArgv(server, binary, args) {
  const command = path.join(server.binDir, binary)
  const { runAs } = server
  if (!runAs) return [command, args]
  if (runAs.switcher === "runuser") return [runAs.switcherPath, ["-u", runAs.name, "--", command, ...args]]
  return [runAs.switcherPath, ["-s", "/bin/sh", runAs.name, "-c", [command, ...args].map(shellQuote).join(" ")]]
}

function runServerCommand(server, binary, args) {
  const [command, argv] = serverArgv(server, binary, args)
  return runCommand(command, argv, { cwd: server.tempDir })
}

// ---------------------------------------------------------------------------------------------------------------
// Processes, ports and small helpers

/** The environment for child processes: ours without PG* variables, which would redirect the clients and tools. */
function childEnvironment() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PG")))
}

/**
 * Runs a command to completion with a timeout (SIGKILL to its process group); rejects on failure with an Error that
 * names the command and ends with the last 2000 characters of its stderr (or of its stdout when stderr is empty).
 */
function runCommand(command, args, { timeoutMs = COMMAND_TIMEOUT_MS, cwd } = {}) {
  const display = [command, ...args].join(" ")
  return new Promise((resolve, reject) => {
    let stdout = ""
    let stderr = ""
    let timedOut = false
    let settled = false
    let exitStatus
    let closeGrace
    const child = spawn(command, args, {
      cwd,
      env: childEnvironment(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const timer = setTimeout(() => {
      timedOut = true
      killProcessGroup(child)
    }, timeoutMs)
    const settle = (error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(closeGrace)
      child.stdout.destroy()
      child.stderr.destroy()
      if (error) {
        const output = (stderr.trim() || stdout.trim()).slice(-ERROR_TAIL_CHARS)
        reject(Object.assign(new Error(`${display}: ${error}${output ? `\n${output}` : ""}`), { stdout, stderr }))
      } else {
        resolve({ stdout, stderr })
      }
    }
    const finish = () => {
      const { code, signal } = exitStatus
      if (timedOut) settle(`timed out after ${timeoutMs / 1000} s`)
      else if (signal) settle(`killed by ${signal}`)
      else if (code !== 0) settle(`exited with code ${code}`)
      else settle()
    }
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout = (stdout + chunk).slice(-OUTPUT_KEEP_CHARS)
    })
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-OUTPUT_KEEP_CHARS)
    })
    child.on("error", (error) => settle(`could not run (${error.message})`))
    child.on("exit", (code, signal) => {
      exitStatus = { code, signal }
      // a daemon it started may still hold the pipes open: do not wait for them for long
      closeGrace = setTimeout(finish, 500)
    })
    child.on("close", (code, signal) => {
      exitStatus ??= { code, signal }
      finish()
    })
  })
}

function killProcessGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL")
  } catch {
    try {
      child.kill("SIGKILL")
    } catch {
      // already gone
    }
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function isPortInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port })
    socket.setTimeout(1000)
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("timeout", () => {
      socket.destroy()
      resolve(false)
    })
    socket.once("error", () => resolve(false))
  })
}

/** A port on 127.0.0.1 that is free right now (the kernel's pick). */
function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, HOST, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function waitUntil(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
}

function readTail(file) {
  try {
    return fs.readFileSync(file, "utf8").trim().slice(-ERROR_TAIL_CHARS)
  } catch {
    return ""
  }
}

function shellQuote(value) {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`
}

// ---------------------------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage:
  node scripts/postgres.mjs start [--port N] [--database NAME]
  node scripts/postgres.mjs stop --data-dir DIR
  node scripts/postgres.mjs check [--port N]`

function parsePort(value) {
  if (value === undefined) return undefined
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port: not a port number: ${value}`)
  return port
}

class UsageError extends Error {}

function parseCommandLine(argv) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { port: { type: "string" }, database: { type: "string" }, "data-dir": { type: "string" } }
    })
  } catch (error) {
    throw new UsageError(error.message)
  }
}

async function main(argv) {
  const { positionals, values } = parseCommandLine(argv)
  const log = (line) => process.stderr.write(`[postgres] ${line}\n`)
  const [command, ...rest] = positionals
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(" ")}`)
  switch (command) {
    case "start": {
      const server = await launchPostgres({ port: parsePort(values.port), database: values.database, log }, {
        stopOnExit: false
      })
      process.stdout.write(JSON.stringify({ url: server.url, dataDir: server.dataDir, port: server.port }) + "\n")
      return
    }
    case "stop": {
      if (!values["data-dir"]) throw new UsageError("stop needs --data-dir DIR")
      await stopPostgres(values["data-dir"], { log })
      return
    }
    case "check": {
      await selfTest({ port: parsePort(values.port) ?? (await findFreePort()), log })
      process.stdout.write("ok\n")
      return
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : "missing command")
  }
}

async function selfTest({ port, log }) {
  const server = await startPostgres({ port, log })
  try {
    const binDir = findServerBinDir()
    const psql = binDir ? clientBinary(binDir, "psql") : findExecutable("psql")
    if (!psql) throw new Error("psql not found (next to pg_ctl, nor in PATH)")
    const { stdout } = await runCommand(psql, [
      "-X",
      "-A",
      "-t",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      server.host,
      "-p",
      String(server.port),
      "-U",
      server.user,
      "-d",
      server.database,
      "-c",
      "SELECT 1"
    ])
    if (stdout.trim() !== "1") throw new Error(`SELECT 1 returned ${JSON.stringify(stdout)}`)
    log(`SELECT 1 on ${server.url}: 1`)
  } finally {
    await server.stop()
  }
  if (fs.existsSync(path.dirname(server.dataDir))) throw new Error(`stop left ${path.dirname(server.dataDir)} behind`)
}

const isMainModule = process.argv[1] !== undefined
  && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))

if (isMainModule) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error instanceof UsageError ? `${error.message}\n${USAGE}` : error.message}\n`)
    process.exitCode = error instanceof UsageError ? 2 : 1
  })
}
