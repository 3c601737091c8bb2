import { anthropic } from "../../src/providers/anthropic.ts"
import { runContract } from "./contract.ts"
import { anthropicFixtures } from "./fixtures/anthropic.ts"

runContract("anthropic", anthropic, anthropicFixtures)
