import pg from 'pg';

/** Runs `work` on a connection of its own to the database at `url`. */
async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Whether the database already holds Agentry's schema (or its queue's). */
export const hasAgentryTables = (url: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ found: boolean }>(
      `select exists (select 1 from information_schema.tables
                       where table_schema in ('public', 'drizzle', 'pgboss')) as found`,
    );
    return rows[0]?.found ?? false;
  });

/**
 * The Agentry processes running on the database: those whose lease (ops/process-tables.ts) had a
 * heartbeat within `leaseSeconds`. A restore must not pull the data from under them.
 */
export const liveAgentryProcesses = (url: string, leaseSeconds: number) =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ live: number }>(
      `select case when to_regclass('public.process_leases') is null then 0
              else (select count(*)::int from process_leases
                     where heartbeat_at > now() - make_interval(secs => $1)) end as live`,
      [leaseSeconds],
    );
    return rows[0]?.live ?? 0;
  });

/** Empties the database for a forced restore: Agentry's schemas go, with everything in them. */
export const dropAgentrySchemas = (url: string) =>
  withClient(url, async (client) => {
    await client.query(
      'drop schema if exists drizzle cascade; drop schema if exists pgboss cascade; drop schema public cascade; create schema public',
    );
  });
