/**
 * Pre-registered segments: 4 000 simulated pilots per case, four segments of 1 000 units per arm,
 * a binomial primary at 10 % in control. With the same lift everywhere Cochran's Q must reject at
 * most in [4 %, 6 %] of pilots, and a segment may show a Holm-significant effect on the wrong
 * side at most 2.5 % + 2 MC SE of the time (Holm holds the family's two-sided error at α, so one
 * side's at about α/2);
 * with the last segment's lift the opposite one, the share of pilots where Q rejects is the
 * interaction test's power and the share where that segment is found significantly worse is
 * printed beside it.
 */
import { describe, expect, it } from "vitest"
import { segmentFlags, showRate, table } from "./Simulation.js"

const PILOTS = 4000

describe("pre-registered segments", () => {
  it("the same lift in every segment: Q rejects at 5 %, no segment is found worse", () => {
    const same = segmentFlags({ pilots: PILOTS, seed: 701, segments: 4, n: 1000, p: 0.1, lift: 0.3 })
    const none = segmentFlags({ pilots: PILOTS, seed: 702, segments: 4, n: 1000, p: 0.1, lift: 0 })
    console.log(table("Segments: four of 1 000 units per arm, rate 0.1", [
      ["lift +30 % everywhere: Cochran's Q p < 0.05", showRate(same.heterogeneity)],
      ["lift +30 % everywhere: a segment Holm-significantly worse", showRate(same.wrongSide)],
      ["no effect (A/A): Cochran's Q p < 0.05", showRate(none.heterogeneity)],
      ["no effect (A/A): a segment Holm-significantly worse", showRate(none.wrongSide)]
    ]))
    for (const r of [same, none]) {
      expect(r.heterogeneity.rate).toBeGreaterThanOrEqual(0.04)
      expect(r.heterogeneity.rate).toBeLessThanOrEqual(0.06)
      expect(r.wrongSide.rate).toBeLessThanOrEqual(0.025 + 2 * Math.sqrt((0.025 * 0.975) / PILOTS))
    }
  })

  it("one segment with the opposite lift: Q and the segment's own test find it", () => {
    const r = segmentFlags({ pilots: PILOTS, seed: 703, segments: 4, n: 1000, p: 0.1, lift: 0.3, lastLift: -0.2 })
    console.log(table("Segments: four of 1 000 units per arm, rate 0.1, lift +30 % but −20 % in the last", [
      ["Cochran's Q p < 0.05", showRate(r.heterogeneity)],
      ["the last segment Holm-significantly worse", showRate(r.wrongSide)]
    ]))
    expect(r.heterogeneity.rate).toBeGreaterThan(0.6)
  })
})
