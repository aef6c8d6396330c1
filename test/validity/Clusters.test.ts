/**
 * Cluster-randomized A/A pilots: 4 000 simulated pilots per design, managers with on average 30
 * deals (round(30·U(0.5, 1.5))), a won rate of 0.2 whose per-manager value is Beta-distributed
 * with intra-cluster correlation ICC. The cluster-level t (per-cluster totals, C − 2 df) must keep
 * the share of p < 0.05 in [4 %, 6 %] (± 2.9 MC SE at the nominal 5 %: SE 0.34 points) at 12, 20
 * and 50 managers per arm and ICC 0.05, 0.1 and 0.2; the naive analysis that treats every deal as
 * randomized on its own is printed beside it (it rejects far more often: the design effect).
 */
import { describe, expect, it } from "vitest"
import { aaClusters, nominalSe, pct, showRate, table } from "./Simulation.js"

const PILOTS = 4000

describe("A/A false-positive rate of cluster-randomized pilots", () => {
  for (const clustersPerArm of [12, 20, 50]) {
    for (const icc of [0.05, 0.1, 0.2]) {
      it(`${clustersPerArm} managers per arm, ICC ${icc}: 4 % ≤ share of p < 0.05 ≤ 6 % (cluster-level t)`, () => {
        const r = aaClusters({ pilots: PILOTS, seed: 400 + clustersPerArm * 10 + Math.round(icc * 100), clustersPerArm, icc })
        console.log(table(`A/A, cluster-randomized: ${clustersPerArm} managers per arm, ICC ${icc}, 30 deals per manager, won rate 0.2`, [
          [`cluster-level (${r.cluster.method})`, showRate(r.cluster)],
          [`naive per deal (${r.naive.method})`, showRate(r.naive)],
          ["nominal", `5.00% (MC SE at nominal ${pct(nominalSe(0.05, PILOTS))})`]
        ]))
        expect(r.cluster.rate).toBeGreaterThanOrEqual(0.04)
        expect(r.cluster.rate).toBeLessThanOrEqual(0.06)
        expect(r.naive.rate).toBeGreaterThan(0.1)
      })
    }
  }
})
