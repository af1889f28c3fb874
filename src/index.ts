export { createGateway } from './gateway/create-gateway.js';
export type { Gateway, GatewayStats } from './gateway/gateway.js';
export type { KeyIdentity } from './gateway/key-access.js';
export type { Provisioning } from './policy/provisioning.js';
export type { KeyCreateInput, KeyUpdate, KeyInfo } from './policy/runtime-keys.js';
export type { Integrations, IntegrationInfo, IntegrationUpdate } from './policy/integrations.js';
export type { Audit, AuditFilter } from './policy/audit.js';
export type { ChangeOptions } from './policy/change-options.js';
export type { SecretView } from './policy/encoded-secrets.js';
export type { AuditEntry, AuditAction } from './events/audit-entry.js';
export type { AdmittedCall, AdmittedCallEnd } from './gateway/run-admit.js';
export type {
  ChatRequest,
  ChatOptions,
  WaitOptions,
  ChatContext,
  ChatOutcome,
  ChatMiddleware,
  GatewayChatCompletion,
  GatewayStream,
  GatewayInfo,
  TargetInfo,
  EmbeddingsRequest,
  GatewayEmbeddingResponse,
  ResponsesRequest,
  GatewayResponse,
  GatewayResponsesStream,
} from './gateway/types.js';

export { secret, type Secret, type SecretResolver } from './secrets/secret.js';
export { memoryStore, type MemoryStoreOptions } from './stores/memory-store.js';
export type { AnalyticsQuery, AnalyticsResult, AnalyticsRow, LatencyPercentiles } from './analytics/analytics-query.js';
export type { AnalyticsStats } from './analytics/analytics-recorder.js';
export type { AnalyticsCell, AnalyticsCounts, AnalyticsDims, AnalyticsDimension } from './analytics/analytics-cell.js';
export type {
  Store,
  CounterStore,
  PolicyLogStore,
  AnalyticsStore,
  LedgerStore,
  CapacityNoticeStore,
  CounterSpec,
  CounterState,
  AdmitInput,
  AdmitResult,
  SettleInput,
  LedgerEntry,
  SettledCounter,
  BudgetOrigin,
  BudgetRegistration,
  MaybePromise,
  PolicyChangeInput,
  PolicyChangeRecord,
  UnsettledCall,
} from './stores/store.js';
export type { AnalyticsGranularity, AnalyticsRetention } from './analytics/granularity.js';
export type { AnalyticsWrite, AnalyticsRead } from './analytics/analytics-storage.js';
export type { LimitStatus, StatusQuery } from './limits/limit-status.js';
export type { LimitScope } from './limits/limit-scopes.js';
export type { NearestLimit, NearestQuery } from './limits/nearest-limits.js';
export type { StoreStats } from './limits/guarded-store.js';
export type {
  BudgetAlertEvent,
  BudgetExhaustedEvent,
  BudgetOvershootEvent,
  BudgetChangedEvent,
  RateLimitExceededEvent,
  ProviderLimitedEvent,
  StoreDegradedEvent,
} from './events/limit-events.js';
export type { GatewayConfig } from './gateway/gateway-config.js';
export { defineConfig, type TollgateConfig, type ServerConfig } from './server/server-config.js';
export type {
  IntegrationConfig,
  OpenAIIntegrationConfig,
  AzureIntegrationConfig,
  OpenAICompatibleIntegrationConfig,
  VendorIntegrationConfig,
  AnthropicIntegrationConfig,
  BedrockIntegrationConfig,
  GeminiIntegrationConfig,
  VertexIntegrationConfig,
  MockIntegrationConfig,
  KeyConfig,
  GrantConfig,
  LimitsConfig,
  BudgetConfig,
  RateLimitConfig,
  ModelPrice,
  CustomModelConfig,
  RetryConfig,
  EventsConfig,
  LimitsOptionsConfig,
  AnalyticsConfig,
} from './config/types.js';
export type { MockOptions } from './providers/mock/mock-options.js';

export * from './errors/index.js';

export { USAGE_EVENT_SCHEMA_VERSION, type UsageEvent, type UsageTokens, type CostBreakdown, type LimitSnapshot } from './events/usage-event.js';
export type {
  Sink,
  SinkFunction,
  SinkObject,
  SinkStats,
  SinkErrorEvent,
  SinkNotice,
  SinkNoticeMap,
  SinkNoticeType,
  SinkDelivery,
  SinkCap,
  SinkSampling,
} from './events/sink.js';
export type { GatewayEventMap, GatewayEventName, KeyChangeEvent, ProvisioningChangeEvent, IntegrationChangeEvent } from './events/gateway-events.js';

export type {
  ChatMessage,
  ContentPart,
  ChatCompletion,
  ChatCompletionChunk,
  EmbeddingRequestBody,
  EmbeddingResponse,
  CompletionUsage,
  FinishReason,
  FunctionTool,
  ToolCall,
  ToolChoice,
  ResponseFormat,
} from './usage/chat-types.js';
export type { Usage } from './usage/usage.js';
export type { ResponsesRequestBody, ResponseObject, ResponsesEvent, ResponsesUsage } from './usage/responses-types.js';
export type {
  ChatAdapter,
  ProviderCall,
  ProviderResult,
  ProviderStream,
  StreamPart,
  EmbeddingCall,
  EmbeddingResult,
  ResponsesAdapter,
  ResponsesCall,
  ResponsesResult,
} from './providers/spec.js';
