/**
 * Effect 4's own spawner: `@effect/platform-node`'s `NodeChildProcessSpawner.layer`, given the `FileSystem` and
 * `Path` it needs, driven by drivers/childProcess.ts.
 */
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Layer from "effect/Layer"
import { makeDriver } from "./childProcess.js"

export const driver = makeDriver(
  NodeChildProcessSpawner.layer.pipe(Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer)))
)
