// swagger-ui-dist's assets, imported `with { type: "file" }`: a path that `bun build --compile` embeds in the binary.
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string
  export default path
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string
  export default path
}
