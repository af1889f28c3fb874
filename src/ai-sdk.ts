export { tollgateMiddleware, type TollgateMiddleware, type TollgateMiddlewareOptions, type TollgateCallOptions } from './ai-sdk/tollgate-middleware.js';
export { createTollgate, type TollgateProvider, type TollgateProviderOptions, type TollgateLanguageModel, type TollgateEmbeddingModel } from './ai-sdk/tollgate-provider.js';
