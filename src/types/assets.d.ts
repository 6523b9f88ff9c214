/** Files imported `with { type: "text" }` (migrations) arrive as their contents. */
declare module "*.sql" {
  const contents: string;
  export default contents;
}

/** Files imported `with { type: "file" }` arrive as a path (inside the binary once compiled). */
declare module "*.tar.gz" {
  const path: string;
  export default path;
}
declare module "@electric-sql/pglite/pglite.data" {
  const path: string;
  export default path;
}
declare module "@electric-sql/pglite/pglite.wasm" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string;
  export default path;
}
declare module "*.f64" {
  const path: string;
  export default path;
}
