/**
 * Reading pilot files from the command line: only regular files, at most
 * `MAX_PILOT_FILE_BYTES`, checked before reading and while reading.
 */
import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { MAX_PILOT_FILE_BYTES } from "@pilotproof/engine"
import { Effect, Layer, Stream } from "effect"
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EXPERIMENTS_DIR } from "../../../test/fixtures/Definitions.js"
import { readPilotFiles } from "../src/PilotFiles.js"

const dir = mkdtempSync(join(tmpdir(), "pilotproof-files-"))
const failure = (paths: ReadonlyArray<string>) => readPilotFiles(paths).pipe(Effect.flip, Effect.provide(NodeContext.layer))

describe("readPilotFiles", () => {
  it.effect("reads a directory's pilot files in name order, byte for byte", () =>
    Effect.gen(function*() {
      const files = yield* readPilotFiles([EXPERIMENTS_DIR])
      const names = files.map((f) => f.source.slice(EXPERIMENTS_DIR.length + 1))
      expect(names).toEqual(readdirSync(EXPERIMENTS_DIR).filter((f) => f.endsWith(".yaml")).sort())
      expect(names.slice(0, 4)).toEqual([
        "b2b-bot-robotic-answers.yaml",
        "bank-churn-retention-offers.yaml",
        "electronics-shop-chat-bot.yaml",
        "generative-banner-creatives.yaml"
      ])
      for (const f of files) expect(f.text).toBe(readFileSync(f.source, "utf8"))
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("refuses a device without reading it", () =>
    Effect.gen(function*() {
      const error = yield* failure(["/dev/zero"])
      expect(error._tag).toBe("InputError")
      expect(error.message).toBe("/dev/zero: not a regular file")
    }))

  it.effect.skipIf(process.platform === "win32")("refuses a FIFO found in a directory, which would block on open", () =>
    Effect.gen(function*() {
      const fifos = join(dir, "fifos")
      mkdirSync(fifos)
      execFileSync("mkfifo", [join(fifos, "pipe.yaml")])
      expect((yield* failure([fifos])).message).toBe(`${join(fifos, "pipe.yaml")}: not a regular file`)
    }))

  it.effect("refuses a file over the limit by its size, before reading it", () =>
    Effect.gen(function*() {
      const big = join(dir, "big.yaml")
      writeFileSync(big, "")
      truncateSync(big, 50 * 1024 * 1024) // sparse: 50 MiB on paper, nothing on disk
      expect((yield* failure([big])).message).toBe(`${big}: 50 MiB is more than the 256 KiB a pilot file may have`)
      const edge = join(dir, "edge.yaml")
      writeFileSync(edge, "#".repeat(MAX_PILOT_FILE_BYTES + 1))
      expect((yield* failure([edge])).message).toBe(`${edge}: 262,145 bytes is more than the 256 KiB a pilot file may have`)
      writeFileSync(edge, "#".repeat(MAX_PILOT_FILE_BYTES))
      const [full] = yield* readPilotFiles([edge]).pipe(Effect.provide(NodeContext.layer))
      expect(full!.text.length).toBe(MAX_PILOT_FILE_BYTES)
    }))

  it.effect("stops reading a file that grows past its stat (or reports size 0) at the limit + 1 byte", () =>
    Effect.gen(function*() {
      const asked: Array<unknown> = []
      // A /proc-like file: stat says 0 bytes, reading never ends unless the reader stops.
      const endless = FileSystem.layerNoop({
        stat: () => Effect.succeed({ type: "File", size: FileSystem.Size(0) } as FileSystem.File.Info),
        stream: (_, options) => {
          asked.push(options?.bytesToRead)
          return Stream.repeatValue(new Uint8Array(64 * 1024)).pipe(Stream.take(Math.ceil((MAX_PILOT_FILE_BYTES + 1) / (64 * 1024))))
        }
      })
      const error = yield* readPilotFiles(["/proc/endless"]).pipe(Effect.flip, Effect.provide(Layer.merge(endless, Path.layer)))
      expect(error.message).toBe("/proc/endless: more than the 256 KiB a pilot file may have")
      expect(asked).toEqual([MAX_PILOT_FILE_BYTES + 1])
    }))
})
