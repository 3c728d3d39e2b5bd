import type { MikroORM } from "@mikro-orm/postgresql";
import pgUtils from "pg/lib/utils.js";
import { TENANT_SETTING } from "./unit-of-work.js";

/**
 * One statement for one tenant in one round trip, its values apart from the SQL. The tenant
 * setting (`select set_config('app.tenant_id', $1, true)`) and the statement go as two extended-
 * protocol statements before one Sync: Postgres runs everything before a Sync as one implicit
 * transaction, so the setting ends with it (it cannot leak to the next user of the pooled
 * connection) and a failure rolls both back. Placeholders are Postgres's own (`$1`, `$2`, …); the
 * values are bound as pg binds a query's (a Uint8Array as binary, an array as a Postgres array, a
 * Date as a timestamp), never inlined into the SQL, so nothing is escaped or parsed twice. For hot
 * paths where BEGIN, the setting, the statement and COMMIT as four round trips cost more than the
 * statement (ingress's group commits); anything that reads entities or runs several dependent
 * statements uses `withTenant`.
 */
export async function runTenantStatement(
  orm: MikroORM,
  tenantSetting: string,
  sql: string,
  params: readonly unknown[],
  options: TenantStatementOptions = {},
): Promise<void> {
  // Postgres refuses several commands in one extended-protocol statement too; this says it first.
  if (sql.includes(";")) throw new TypeError("runTenantStatement takes one statement (no ';')");
  const statements: Statement[] = [
    { text: `select set_config('${TENANT_SETTING}', $1, true)`, values: [tenantSetting] },
    ...(options.asynchronousCommit
      ? [{ text: "select set_config('synchronous_commit', 'off', true)", values: [] }]
      : []),
    { text: sql, values: params },
  ];
  const pool = (await orm.em.getConnection().getNativeClient()) as NativePool;
  const client = await pool.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      client.query(
        createTenantPipeline(statements, (err) => {
          if (err === undefined) resolve();
          else reject(err);
        }),
      );
    });
  } finally {
    // After an error from Postgres the connection is fine and is reused; one whose socket failed is
    // no longer queryable, and the pool drops it itself.
    client.release();
  }
}

export interface TenantStatementOptions {
  /**
   * Commit without waiting for the WAL flush: for writes a crash may lose because something redoes
   * them (ingress's accept marks: the sweeper republishes a row still queued).
   */
  asynchronousCommit?: boolean;
}

interface Statement {
  text: string;
  values: readonly unknown[];
}

// The slices of pg's Pool, client and connection used here (pg comes with MikroORM's driver).
interface NativePool {
  connect(): Promise<PooledClient>;
}
interface PooledClient {
  query(submittable: Submittable): unknown;
  release(): void;
}
interface WireConnection {
  parse(message: { text: string }): void;
  bind(message: { values: readonly unknown[]; valueMapper: (value: unknown) => unknown }): void;
  execute(message: Record<string, never>): void;
  sync(): void;
  sendCopyFail(message: string): void;
  stream: { cork?(): void; uncork?(): void };
}

/** pg's custom-query interface (what pg-cursor implements): it writes the messages, pg routes the answers. */
interface Submittable {
  submit(connection: WireConnection): null;
  handleRowDescription(): void;
  handleDataRow(): void;
  handleCommandComplete(): void;
  handleEmptyQuery(): void;
  handlePortalSuspended(): void;
  handleCopyInResponse(connection: WireConnection): void;
  handleCopyData(): void;
  handleError(err: Error): void;
  handleReadyForQuery(): void;
}

/**
 * Parse, Bind and Execute per statement (unnamed, so nothing stays prepared), then one Sync, in one
 * socket write. Rows are not read: these are writes and the setting's select. The first error
 * settles it; Postgres skips the rest up to the Sync.
 */
function createTenantPipeline(statements: readonly Statement[], done: (err?: Error) => void): Submittable {
  let failed = false;
  const ignore = () => undefined;
  return {
    submit(connection) {
      connection.stream.cork?.();
      try {
        for (const { text, values } of statements) {
          connection.parse({ text });
          connection.bind({ values, valueMapper: pgUtils.prepareValue });
          connection.execute({});
        }
        connection.sync();
      } finally {
        connection.stream.uncork?.();
      }
      return null;
    },
    handleRowDescription: ignore,
    handleDataRow: ignore,
    handleCommandComplete: ignore,
    handleEmptyQuery: ignore,
    handlePortalSuspended: ignore,
    handleCopyInResponse(connection) {
      connection.sendCopyFail("a tenant statement takes no COPY");
    },
    handleCopyData: ignore,
    handleError(err) {
      if (failed) return;
      failed = true;
      done(err);
    },
    handleReadyForQuery() {
      if (!failed) done();
    },
  };
}
