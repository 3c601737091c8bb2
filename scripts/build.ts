// `bun run build`: one self-contained executable, dist/sluice, with migrations and assets embedded.
const result = Bun.spawnSync(
  [process.execPath, "build", "--compile", "--minify", "--bytecode", "--format=esm", "--sourcemap", "src/main.ts", "--outfile", "dist/sluice"],
  { stdio: ["ignore", "inherit", "inherit"] }
)
process.exit(result.exitCode)
