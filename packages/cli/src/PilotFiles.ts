/**
 * Reading pilot files named on the command line: a file, or a directory whose `*.yaml`,
 * `*.yml` and `*.json` files are read in name order. Each must be a regular file of at most
 * `MAX_PILOT_FILE_BYTES`, so a device or a runaway file cannot exhaust memory.
 */
import { FileSystem, Path } from "@effect/platform"
import { InputError } from "@pilotproof/domain"
import { MAX_PILOT_FILE_BYTES, tooLargeDetail } from "@pilotproof/engine"
import { Chunk, Effect, Stream } from "effect"
import { Buffer } from "node:buffer"

export interface PilotFileText {
  readonly source: string
  readonly text: string
}

const isPilotFile = (name: string) => /\.(ya?ml|json)$/i.test(name)

export const readPilotFiles = Effect.fn("readPilotFiles")(function*(paths: ReadonlyArray<string>) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const files: Array<PilotFileText> = []
  for (const given of paths) {
    const info = yield* fs.stat(given).pipe(
      Effect.mapError(() => new InputError({ source: given, detail: "no such file or directory" }))
    )
    const names =
      info.type === "Directory"
        ? (yield* fs.readDirectory(given).pipe(
          Effect.mapError((e) => new InputError({ source: given, detail: `cannot list the directory: ${e.message}` }))
        ))
          .filter(isPilotFile)
          .sort()
          .map((name) => path.join(given, name))
        : [given]
    if (info.type === "Directory" && names.length === 0) {
      return yield* new InputError({ source: given, detail: "the directory has no .yaml, .yml or .json pilot files" })
    }
    for (const name of names) files.push({ source: name, text: yield* readPilotFile(name) })
  }
  return files
})

/**
 * One pilot file's text. The size is checked by `stat` first, and again while reading (a file
 * may grow, and some report size 0), so at most the limit + 1 byte is ever read.
 */
const readPilotFile = Effect.fn("readPilotFile")(function*(name: string) {
  const fs = yield* FileSystem.FileSystem
  const cannotRead = (e: { readonly message: string }) => new InputError({ source: name, detail: `cannot read the file: ${e.message}` })
  const info = yield* fs.stat(name).pipe(Effect.mapError(cannotRead))
  // Reading a device or a FIFO may never end (or block on open).
  if (info.type !== "File") return yield* new InputError({ source: name, detail: "not a regular file" })
  if (Number(info.size) > MAX_PILOT_FILE_BYTES) {
    return yield* new InputError({ source: name, detail: tooLargeDetail(Number(info.size)) })
  }
  const chunks = yield* fs.stream(name, { bytesToRead: MAX_PILOT_FILE_BYTES + 1 }).pipe(Stream.runCollect, Effect.mapError(cannotRead))
  const bytes = Buffer.concat(Chunk.toReadonlyArray(chunks))
  if (bytes.length > MAX_PILOT_FILE_BYTES) return yield* new InputError({ source: name, detail: tooLargeDetail() })
  return new TextDecoder().decode(bytes)
})
