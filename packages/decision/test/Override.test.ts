import { Schema } from "effect"
import { Policy } from "@pilotproof/domain"
import { describe, expect, it } from "vitest"
import { DEFAULT_POLICY, type DecisionPolicy, overrideAllowed, type Verdict } from "../src/index.js"

const VERDICTS: ReadonlyArray<Verdict> = ["GO", "NO_GO", "EXTEND", "ITERATE"]

describe("overrideAllowed", () => {
  it("allows every override", () => {
    for (const computed of VERDICTS) for (const override of VERDICTS) expect(overrideAllowed(computed, override).allowed).toBe(true)
  })

  it("warns when a NO_GO, ITERATE or EXTEND is overridden to GO", () => {
    expect(overrideAllowed("NO_GO", "GO").warning).toMatch(/^Overriding NO_GO to GO .*harm/)
    expect(overrideAllowed("ITERATE", "GO").warning).toMatch(/^Overriding ITERATE to GO /)
    expect(overrideAllowed("EXTEND", "GO").warning).toMatch(/not gathered enough evidence/)
  })

  it("does not warn when stopping, extending or iterating instead, nor when confirming GO", () => {
    for (const computed of VERDICTS) {
      for (const override of VERDICTS.filter((v) => v !== "GO")) expect(overrideAllowed(computed, override)).toEqual({ allowed: true })
    }
    expect(overrideAllowed("GO", "GO")).toEqual({ allowed: true })
  })
})

describe("DEFAULT_POLICY", () => {
  it("equals the defaults of a pilot file's policy block, which is a DecisionPolicy", () => {
    const decoded: DecisionPolicy = Schema.decodeUnknownSync(Policy)({})
    expect(decoded).toEqual(DEFAULT_POLICY)
    expect(DEFAULT_POLICY).toEqual({ minProbNpvPositive: 0.8, minProbPayback: 0.7, srmAlpha: 0.001 })
  })
})
