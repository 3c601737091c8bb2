import { azure } from "../../src/providers/azure.ts"
import { openaiCompatible } from "../../src/providers/openaiCompatible.ts"
import { runContract } from "./contract.ts"
import { openaiFixtures } from "./fixtures/openai.ts"

runContract("openai-compatible", openaiCompatible(), openaiFixtures("/base/chat/completions"))
runContract("azure", azure, openaiFixtures("/base/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"))
