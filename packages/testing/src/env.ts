// Where the test stack lives. scripts/mocha.ts sets these variables; the defaults match scripts/lib/stack.ts.

export interface TestEnv {
  host: string;
  port: number;
  database: string;
  /** atendo_owner: owns every schema, runs migrations. */
  ownerUrl: string;
  /** atendo_admin, a superuser: for assertions that must see every tenant's rows. */
  adminUrl: string;
  redisUrl: string;
  natsUrl: string;
  /** atendo_<service>: the role a service logs in as (no BYPASSRLS, owns nothing). */
  appUrl(service: string): string;
}

function postgresUrl(host: string, port: number, database: string, role: string): string {
  // Local passwords equal the role names.
  const user = encodeURIComponent(role);
  return `postgres://${user}:${user}@${host}:${port}/${encodeURIComponent(database)}`;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`ATENDO_TEST_PG_PORT must be a port number (1-65535), got "${raw}"`);
  }
  return port;
}

export function testEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  const host = env.ATENDO_TEST_PG_HOST || "127.0.0.1";
  const port = parsePort(env.ATENDO_TEST_PG_PORT || "55432");
  const database = env.ATENDO_TEST_DATABASE || "atendo_test";
  return {
    host,
    port,
    database,
    ownerUrl: postgresUrl(host, port, database, "atendo_owner"),
    adminUrl: postgresUrl(host, port, database, "atendo_admin"),
    redisUrl: env.ATENDO_TEST_REDIS_URL || "redis://127.0.0.1:56379",
    natsUrl: env.ATENDO_TEST_NATS_URL || "nats://127.0.0.1:54222",
    appUrl(service: string) {
      if (!/^[a-z][a-z0-9_]*$/.test(service)) {
        throw new Error(
          `service name must be lowercase letters, digits and _ (e.g. "ingress"), got "${service}"`,
        );
      }
      return postgresUrl(host, port, database, `atendo_${service}`);
    },
  };
}
