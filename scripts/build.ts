// `bun run build`: one self-contained executable, dist/sluice, with migrations and assets embedded. Split into
// chunks so that the start-up re-exec (see main.ts) loads only the small entry chunk before replacing itself.
const result = Bun.spawnSync(
  [process.execPath, "build", "--compile", "--minify", "--bytecode", "--format=esm", "--splitting", "--sourcemap", "src/main.ts", "--outfile", "dist/sluice"],
  { stdio: ["ignore", "inherit", "inherit"] }
)
process.exit(result.exitCode)
