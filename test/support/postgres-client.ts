import pg from 'pg';

/**
 * Whether a PostgreSQL URL lets a client in and run `SELECT 1` (false on any refusal: a wrong password, a dropped
 * role, a server gone). Used by the add-on tests to prove credentials work, or no longer do. Waits 10 s at most
 * for the connection.
 */
export async function canConnectPostgres(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a server going away mid-session fails the query in hand
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
