import { describe, expect, it } from "vitest"
import { csvField, csvHeader, csvRow, jsonLine, toCsv, toJsonLines, type WireEvent } from "../src/index.js"

const event: WireEvent = {
  event_id: "lead-00010001-01",
  unit_id: "lead-00010001",
  type: "exposure",
  variant: "bot",
  ts: "2026-03-02T09:15:04+03:00",
  attributes: { phone: "8 (912) 345-67-89", email: 'a"b,c@example.com' }
}

describe("CSV (RFC 4180)", () => {
  it("quotes fields with commas, quotes and line breaks, doubling inner quotes", () => {
    expect(csvField("plain")).toBe("plain")
    expect(csvField("a,b")).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField("two\nlines")).toBe('"two\nlines"')
    expect(csvField("cr\r")).toBe('"cr\r"')
  })
  it("writes a fixed header and one row per event, empty cells for absent fields", () => {
    const columns = ["phone", "email", "channel"]
    expect(csvHeader(columns)).toBe("event_id,unit_id,type,variant,value,ts,phone,email,channel")
    expect(csvRow(event, columns)).toBe('lead-00010001-01,lead-00010001,exposure,bot,,2026-03-02T09:15:04+03:00,8 (912) 345-67-89,"a""b,c@example.com",')
    const text = toCsv([event, { ...event, type: "handled", value: 12.5, attributes: {} }], columns)
    expect(text.split("\n")).toHaveLength(4) // header, two rows, final newline
    expect(text.split("\n")[2]).toBe("lead-00010001-01,lead-00010001,handled,bot,12.5,2026-03-02T09:15:04+03:00,,,")
  })
  it("refuses an attribute outside the columns instead of dropping it", () => {
    expect(() => csvRow(event, ["phone"])).toThrow(/attribute "email"/)
  })
})

describe("JSON Lines", () => {
  it("one object per line, wire key order, absent fields left out", () => {
    expect(jsonLine({ ...event, attributes: {} })).toBe(
      '{"event_id":"lead-00010001-01","unit_id":"lead-00010001","type":"exposure","variant":"bot","ts":"2026-03-02T09:15:04+03:00","attributes":{}}'
    )
    expect(toJsonLines([event, event]).split("\n")).toHaveLength(3)
  })
})
