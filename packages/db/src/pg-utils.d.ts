// pg's own value mapping (what it binds a query's values with), exported by pg as `pg/lib/utils.js`.
declare module "pg/lib/utils.js" {
  const utils: {
    /** A value as pg sends it: a Buffer (binary), a string (text), or null. */
    prepareValue(value: unknown): Buffer | string | null;
  };
  export default utils;
}
