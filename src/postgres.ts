export { postgresStore, postgresSchema, PostgresStore, type PostgresStoreOptions, type PostgresPool } from './stores/postgres/postgres-store.js';
