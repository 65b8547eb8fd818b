declare module 'vitest' {
  export interface ProvidedContext {
    /** File holding a migrated PGlite data directory that each test database starts from. */
    pgliteSnapshot: string;
    /** A migrated PostgreSQL database that each test database is cloned from. */
    postgresTemplate: string;
  }
}

export {};
