export { redisStore, RedisStore, REDIS_SCRIPT_SHAS, type RedisStoreOptions, type RedisScriptClient } from './stores/redis/redis-store.js';
