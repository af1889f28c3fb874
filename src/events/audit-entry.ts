/** What a policy change did, as the audit names it. */
export type AuditAction =
  | 'key.create'
  | 'key.update'
  | 'key.revoke'
  | 'key.rotate'
  | 'integration.create'
  | 'integration.update'
  | 'integration.disable'
  | 'integration.enable'
  | 'provisioning.provision'
  | 'provisioning.revoke'
  | 'provisioning.set-models'
  | 'provisioning.rotate-credentials'
  | 'provisioning.override';

/**
 * One entry of the policy log as `gateway.audit.list` and the `policy.changed` event show it:
 * who changed what, when and why. Never a token, a token's hash or a secret's value: a credential
 * shows as the name of its reference (`env OPENAI_API_KEY`).
 */
export interface AuditEntry {
  /** The change's place in the store's policy log: 1, 2, 3..., one order for every gateway. */
  version: number;
  /** ISO time of the change, by the clock of the gateway that made it; null for a change logged before tollgate kept it. */
  at: string | null;
  /** Who made it: the mutation's `{ actor }`, or the admin API's authorized actor; null when none was given. */
  actor: string | null;
  action: AuditAction;
  /** What it changed: `key:<id>`, `integration:<slug>`, `grant:<slug>/<workspace>`, `workspace:<name>`. */
  target: string;
  /** The mutation's `{ reason }`; null when none was given. */
  reason: string | null;
  /** The gateway that made it (`host:pid:id`). */
  origin: string;
  /** What changed, in one sentence. */
  summary: string;
}
