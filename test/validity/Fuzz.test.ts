/**
 * Hostile input, fuzzed (full): 10 000 generated cases per surface — pilot files, event files,
 * HTTP bodies — with the properties of test/fixtures/Fuzz.ts. Other seeds than the small run's.
 */
import { fuzzEventFiles, fuzzHttpBodies, fuzzPilotFiles } from "../fixtures/Fuzz.js"

fuzzPilotFiles(10_000, 2201)
fuzzEventFiles(10_000, 2202)
fuzzHttpBodies(10_000, 2203)
