import type { ConfigIssue } from './config-error.js';
import { GatewayError, isInstanceOf } from './gateway-error.js';

/** The request is malformed: every problem, each with its path in the request body. */
export class RequestValidationError extends GatewayError {
  static override isInstance = isInstanceOf<RequestValidationError>('invalid_request');
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `${i.path || '(request)'}: ${i.message}`);
    super('invalid_request', 400, `Invalid request: ${lines.join('; ')}`);
    this.issues = issues;
  }
}
