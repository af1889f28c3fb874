export { sqliteStore, SqliteStore, type SqliteStoreOptions } from './stores/sqlite/sqlite-store.js';
