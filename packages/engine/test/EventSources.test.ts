/**
 * Reading event files: every record and every unparseable row comes out once, in file order,
 * with the line it ends on (a quoted field may span lines), whatever the batch size.
 */
import { describe, expect, it } from "@effect/vitest"
import { eventFileSource, isRawReject, type SourceItem } from "@pilotproof/engine"
import { Chunk, Effect, Stream } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const dir = mkdtempSync(join(tmpdir(), "pilotproof-sources-"))

const read = (path: string, batchSize: number) =>
  Effect.gen(function*() {
    const source = yield* eventFileSource(path, { batchSize })
    const batches = Chunk.toReadonlyArray(yield* Stream.runCollect(source.batches))
    return { batches: batches.map((b) => b.length), items: batches.flat() as Array<SourceItem> }
  })

const summary = (item: SourceItem) =>
  isRawReject(item) ? { line: item.line, reject: item.reason.slice(0, 19) } : { line: item.line, unit: item.fields["unit_id"], note: item.fields["note"] }

describe("eventFileSource (CSV)", () => {
  const lines = [
    "\uFEFFunit_id;type;ts;Note", // BOM, `;` delimiter, header case folded
    "a;exposure;2026-03-01T10:00Z;plain", // 2
    "", // 3: empty, skipped
    "b;deal_won;2026-03-01T10:00Z;\"two", // 4…
    "lines\"", // … 5: a quoted field across two lines ends on line 5
    "c;deal_won;2026-03-01T10:00Z", // 6: one column short
    "d;deal_won;2026-03-01T10:00Z;\"with ;\"\"quotes\"\"\"", // 7
    "e;deal_won;2026-03-01T10:00Z;x;extra", // 8: one column too many
    "f;deal_won;2026-03-01T10:00Z;last" // 9, no final newline
  ]
  const expected = (eol: string) => [
    { line: 2, unit: "a", note: "plain" },
    { line: 5, unit: "b", note: `two${eol}lines` },
    { line: 6, reject: "not a valid CSV row" },
    { line: 7, unit: "d", note: "with ;\"quotes\"" },
    { line: 8, reject: "not a valid CSV row" },
    { line: 9, unit: "f", note: "last" }
  ]

  for (const eol of ["\n", "\r\n"]) {
    it.effect(`numbers records and rejects by the line they end on, in order (${JSON.stringify(eol)})`, () =>
      Effect.gen(function*() {
        const path = join(dir, `lines-${eol.length}.csv`)
        writeFileSync(path, lines.join(eol))
        for (const batchSize of [1, 2, 5000]) {
          const { batches, items } = yield* read(path, batchSize)
          expect(items.map(summary)).toEqual(expected(eol))
          expect(batches.every((n, i) => n === batchSize || i === batches.length - 1)).toBe(true)
        }
      }))
  }

  it.effect("counts a CR LF inside quotes as one line in the header, accepted rows and rejected rows (LF file)", () =>
    Effect.gen(function*() {
      const path = join(dir, "crlf-in-quotes.csv")
      // the header's last name holds a quoted CR LF (trimmed away: the column is ts)
      writeFileSync(path, ["unit_id,type,\"ts\r\n\"", "a,\"x\r\ny\",t", "\"b\r\nb\",2,3,4", "c,2,3", "d,2,3"].join("\n") + "\n")
      const { items } = yield* read(path, 5000)
      expect(items.map((item) => [item.line, isRawReject(item)])).toEqual([[4, false], [6, true], [7, false], [8, false]])
    }))

  it.effect("keeps counting lines across the parser's input chunks (a file of 200,000 rows)", () =>
    Effect.gen(function*() {
      const path = join(dir, "long.csv")
      const rows = ["unit_id,type,ts"]
      for (let i = 0; i < 200_000; i++) rows.push(i === 150_000 ? `u${i},"deal_won\n",2026-03-01T10:00Z` : `u${i},deal_won,2026-03-01T10:00Z`)
      writeFileSync(path, rows.join("\n") + "\n")
      const { items } = yield* read(path, 5000)
      expect(items).toHaveLength(200_000)
      expect(items.every((item, i) => item.line === (i < 150_000 ? i + 2 : i + 3))).toBe(true)
    }))
})
