/** Files imported `with { type: "text" }` (migrations) arrive as their contents. */
declare module "*.sql" {
  const contents: string;
  export default contents;
}
