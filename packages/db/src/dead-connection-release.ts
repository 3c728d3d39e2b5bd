// The structural slice of pg's Pool and PoolClient used here (pg comes with MikroORM's driver).
interface PooledClient {
  release(err?: Error | boolean): void;
  on(event: "error" | "end", listener: (err?: Error) => void): unknown;
}
interface ClientPool {
  on(event: "connect" | "acquire", listener: (client: PooledClient) => void): unknown;
  on(event: "release", listener: (err: Error | undefined, client: PooledClient) => void): unknown;
}

/**
 * Gives the pool back the connections that die while checked out. A transaction whose connection
 * the server ended (idle_in_transaction_session_timeout, a restart, a network cut) can neither
 * commit nor roll back, and Kysely releases a transaction's connection only after one of them
 * succeeded: without this, every such death would hold a pool slot until the process ends.
 */
export function releaseDeadConnections(pool: ClientPool): void {
  const checkedOut = new Set<PooledClient>();
  pool.on("acquire", (client) => checkedOut.add(client));
  pool.on("release", (_err, client) => checkedOut.delete(client));
  pool.on("connect", (client) => {
    const dead = (err?: Error) => {
      if (!checkedOut.delete(client)) return; // idle: the pool drops it on its own
      const release = client.release.bind(client);
      // Whoever holds it may still call release(); once is all the pool accepts.
      client.release = () => {};
      release(err ?? new Error("connection ended"));
    };
    client.on("error", dead);
    client.on("end", dead);
  });
}
