import type { ParsedKey } from '../config/parsed-config.js';
import type { IntegrationChange } from './integration-change.js';
import type { ProvisioningChange } from './provisioning-change.js';

/** A key as the policy log carries it: its config, never its token (the hash only); empty lists left out. */
export type LoggedKey = Omit<ParsedKey, 'budgets' | 'rateLimits' | 'each'> & Partial<Pick<ParsedKey, 'budgets' | 'rateLimits' | 'each'>>;

/** The fields of a key `keys.update` may change. */
export type KeyPatch = Partial<Pick<ParsedKey, 'name' | 'models' | 'budgets' | 'rateLimits' | 'metadata' | 'expiresAt'>>;

/**
 * A key's new token (its hash), and until when the one before it is accepted (null: from now).
 * `generation` counts its rotations: its admissions name that generation's guard (see keyGuard).
 */
export interface KeyRotationChange {
  type: 'key.rotate';
  origin: string;
  id: string;
  hash: string;
  generation: number;
  previousValidUntil: string | null;
}

/** A change as its maker gives it to the log, before the log stamps it. */
export type PolicyChangeInput =
  | { type: 'key.create'; origin: string; key: LoggedKey; createdAt: string }
  | { type: 'key.update'; origin: string; id: string; patch: KeyPatch }
  | { type: 'key.revoke'; origin: string; id: string }
  | KeyRotationChange
  | ProvisioningChange
  | IntegrationChange;

/**
 * One runtime change, as the log stores it (JSON): `origin` is the gateway that made it, `at` its
 * time by that gateway's clock, `actor` and `reason` what the mutation's options said (the audit).
 */
export type PolicyChange = PolicyChangeInput & { at?: string; actor?: string; reason?: string };
