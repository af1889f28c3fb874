export { tollgateMiddleware, type TollgateMiddleware, type TollgateMiddlewareOptions, type TollgateCallOptions } from './ai-sdk/tollgate-middleware.js';
