// Names the samples of README.md and docs/ may use without building them first; see
// scripts/check-docs.mjs. Not part of the package.
import type { ChatRequest, Gateway, IntegrationConfig } from 'tollgate';

declare global {
  /** A gateway made by createGateway, as in the quickstart. */
  const gateway: Gateway;
  /** A chat request: workspace, model and messages. */
  const request: ChatRequest & { stream?: false };
  const messages: ChatRequest['messages'];
  /** The integrations of a gateway's config. */
  const integrations: IntegrationConfig[];
}
