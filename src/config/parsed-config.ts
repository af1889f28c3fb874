import type { z } from 'zod';
import type { integrationBaseShape, keySchema, rootSchema, workspacePolicySchema } from './config-schema.js';

type Root = z.output<typeof rootSchema>;

/** An integration after validation: common fields plus its provider's own (credentials, options). */
export type ParsedIntegration = z.output<z.ZodObject<typeof integrationBaseShape>> & {
  provider: string;
  credentials: Record<string, unknown>;
  [field: string]: unknown;
};
/** What a key carries once its token was rotated at runtime (`gateway.keys.rotate`): never configured. */
export interface KeyRotation {
  /** How many times its token was rotated: its admissions name the guard of this generation (see keyGuard). */
  generation?: number;
  /** The SHA-256 of the token it had before, accepted until `previousValidUntil`. */
  previousHash?: string;
  /** ISO time until which the previous token is accepted. */
  previousValidUntil?: string;
}
export type ParsedKey = z.output<typeof keySchema> & KeyRotation;
export type ParsedWorkspacePolicy = z.output<typeof workspacePolicySchema>;

export interface ParsedConfig extends Omit<Root, 'integrations' | 'keys' | 'workspaces'> {
  integrations: ParsedIntegration[];
  keys: ParsedKey[];
  workspaces: Record<string, ParsedWorkspacePolicy>;
}
