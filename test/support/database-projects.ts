/**
 * The test projects of a vitest configuration: the given tests on PGlite and, when
 * TEST_DATABASE_URL is set, again on PostgreSQL (the same tests against both adapters of the
 * database port). `databaseFree` tests touch no database: they run once, in the PGlite project.
 */
export function databaseProjects(tests: { include: string[]; exclude?: string[]; databaseFree?: string[] }) {
  const { databaseFree = [], ...selection } = tests;
  const project = (name: 'pglite' | 'postgres') => ({
    extends: true as const,
    test: {
      name,
      ...selection,
      ...(name === 'postgres' ? { exclude: [...(selection.exclude ?? []), ...databaseFree] } : {}),
      env: { AGENTRY_TEST_DATABASE: name },
      globalSetup: [`test/support/${name}-setup.ts`],
    },
  });
  return [project('pglite'), ...(process.env.TEST_DATABASE_URL ? [project('postgres')] : [])];
}
