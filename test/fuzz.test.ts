/**
 * Hostile input, fuzzed (small): a few hundred generated pilot files, event files and HTTP bodies
 * per surface. `npm run validity` runs 10 000 of each (test/validity/Fuzz.test.ts); the
 * generators and properties are in test/fixtures/Fuzz.ts.
 */
import { fuzzEventFiles, fuzzHttpBodies, fuzzPilotFiles } from "./fixtures/Fuzz.js"

fuzzPilotFiles(300)
fuzzEventFiles(200)
fuzzHttpBodies(300)
