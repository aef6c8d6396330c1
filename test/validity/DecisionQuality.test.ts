/**
 * Decision quality: 1 000 simulated pilots of experiments/support-bot-lead-qualification.yaml,
 * each with true effects drawn from a prior (`drawEffects`: many null or small, some large,
 * some that cost manager time, some that breach the complaint guardrail), so the true NPV is
 * known (`evaluate` at the true effects). The real policy (`decide(decisionInput(...))`) reads
 * each pilot at its planned sample size on day 30 and, if it says EXTEND, once more on day 60
 * (the file's maxDays) with twice the units; the naive rule "GO if the primary is better with
 * p < 0.05" reads it once, at the planned sample, with the fixed-horizon test.
 */
import { describe, expect, it } from "vitest"
import { decisionQuality, EXPERIMENT, showRate, table } from "./Simulation.js"

describe("decision quality on simulated pilots with a known true NPV", () => {
  it("the policy's wrong-GO rate is below the naive rule's", () => {
    const r = decisionQuality({ pilots: 1000, seed: 505 })
    const rows = (name: string, q: typeof r.policy): Array<readonly [string, string]> => [
      [`${name}: GO rate`, showRate(q.go)],
      [`${name}: wrong GO (GO and true NPV < 0)`, showRate(q.wrongGo)],
      [`${name}: harmful GO (GO and guardrail truly beyond margin)`, showRate(q.harmfulGo)],
      [`${name}: bad share of its GOs`, showRate(q.badShareOfGos)],
      [`${name}: missed GO (not GO among clearly worthwhile)`, showRate(q.missedGo)]
    ]
    console.log(table(`Decision quality (${EXPERIMENT}, ${r.pilots} pilots, ${r.plannedPerArm} per arm at day 30, twice that at day 60)`, [
      ["pilots with true NPV < 0", String(r.npvNegative)],
      ["clearly worthwhile (no breach, true NPV ≥ NPV at the MDE)", `${r.clearlyWorthwhile} (NPV ≥ ${(r.clearNpv / 1e6).toFixed(1)} M RUB)`],
      ...rows("policy, day 30", r.policyFirst),
      ...rows("policy, final", r.policy),
      ...rows("naive", r.naive),
      ["final policy verdicts (decided by)", Object.entries(r.verdicts).map(([k, v]) => `${k} ${v}`).join(", ")],
      ...Object.entries(r.byScenario).map(([s, x]): readonly [string, string] => [
        `scenario ${s}`,
        `${x.pilots} pilots, ${x.npvNegative} with NPV < 0; GO: policy (final) ${x.policyGo}, naive ${x.naiveGo}`
      ])
    ]))
    expect(r.policy.wrongGo.rate).toBeLessThan(r.naive.wrongGo.rate)
    expect(r.policyFirst.wrongGo.rate).toBeLessThan(r.naive.wrongGo.rate)
    expect(r.policy.harmfulGo.rate).toBeLessThanOrEqual(r.naive.harmfulGo.rate)
  })
})
