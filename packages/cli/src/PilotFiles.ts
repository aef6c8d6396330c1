/**
 * Reading pilot files named on the command line: a file, or a directory whose `*.yaml`,
 * `*.yml` and `*.json` files are read in name order.
 */
import { FileSystem, Path } from "@effect/platform"
import { InputError } from "@pilotproof/domain"
import { Effect } from "effect"

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
    for (const name of names) {
      const text = yield* fs.readFileString(name).pipe(
        Effect.mapError((e) => new InputError({ source: name, detail: `cannot read the file: ${e.message}` }))
      )
      files.push({ source: name, text })
    }
  }
  return files
})
