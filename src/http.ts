export { createFetchHandler, type FetchHandler } from './http/fetch-handler.js';
export type { FetchHandlerOptions } from './http/handler-options.js';
export type { AnsweredRequest } from './http/answered-request.js';
export { toNodeListener, type NodeListener } from './http/node-listener.js';
export type { OpenAIErrorBody } from './http/openai-error.js';
export { generateKey, hashKey } from './config/key-token.js';
export { createFetch, type CreateFetchOptions, type InProcessFetch } from './http/create-fetch.js';
