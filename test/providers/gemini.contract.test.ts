import { gemini } from "../../src/providers/gemini.ts"
import { runContract } from "./contract.ts"
import { fixtures } from "./fixtures/gemini.ts"

runContract("gemini", gemini, fixtures)
