/** Every database a test run creates starts with this, so teardown finds them all. */
export const RUN_PREFIX = `agentry_test_${process.ppid}_${Date.now().toString(36)}`;

export function databaseUrl(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
