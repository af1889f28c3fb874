export { GatewayError } from './gateway-error.js';
export { ConfigError, type ConfigIssue } from './config-error.js';
export { RequestValidationError } from './request-validation-error.js';
export {
  IntegrationNotFoundError,
  IntegrationDisabledError,
  KeyNotFoundError,
  KeyRevokedError,
  KeyExpiredError,
  WorkspaceNotProvisionedError,
  ModelNotAllowedError,
  ScopeDisabledError,
} from './access-errors.js';
export { RateLimitExceededError, BudgetExceededError, PricingUnknownError } from './limit-errors.js';
export { ProviderError, type ProviderErrorFields } from './provider-error.js';
export { StoreUnavailableError, CredentialsUnavailableError, RequestAbortedError, GatewayClosedError, AnalyticsUnavailableError } from './runtime-errors.js';
