/**
 * The test projects of a vitest configuration: the given tests on PGlite and, when
 * TEST_DATABASE_URL is set, again on PostgreSQL (the same tests against both adapters of the
 * database port). `databaseFree` tests touch no database: they run once, in the PGlite project.
 * `isolated` tests (database-free too) run once in a project of their own with a fresh module
 * registry per file, for a configuration that otherwise shares modules between the files of a
 * worker: they measure their own thread or hold process-wide pools that another file may have used.
 */
export function databaseProjects(tests: {
  include: string[];
  exclude?: string[];
  databaseFree?: string[];
  isolated?: string[];
}) {
  const { databaseFree = [], isolated = [], ...selection } = tests;
  const excluded = [...(selection.exclude ?? []), ...isolated];
  const project = (name: 'pglite' | 'postgres') => ({
    extends: true as const,
    test: {
      name,
      ...selection,
      exclude: name === 'postgres' ? [...excluded, ...databaseFree] : excluded,
      env: { AGENTRY_TEST_DATABASE: name },
      globalSetup: [`test/support/${name}-setup.ts`],
    },
  });
  const isolatedProject = {
    extends: true as const,
    test: {
      name: 'isolated',
      include: isolated,
      isolate: true,
      env: { AGENTRY_TEST_DATABASE: 'pglite' },
      globalSetup: ['test/support/pglite-setup.ts'],
    },
  };
  return [
    project('pglite'),
    ...(process.env.TEST_DATABASE_URL ? [project('postgres')] : []),
    ...(isolated.length > 0 ? [isolatedProject] : []),
  ];
}
