import type { z } from 'zod';
import type { integrationBaseShape, keySchema, rootSchema, workspacePolicySchema } from './config-schema.js';

type Root = z.output<typeof rootSchema>;

/** An integration after validation: common fields plus its provider's own (credentials, options). */
export type ParsedIntegration = z.output<z.ZodObject<typeof integrationBaseShape>> & {
  provider: string;
  credentials: Record<string, unknown>;
  [field: string]: unknown;
};
export type ParsedKey = z.output<typeof keySchema>;
export type ParsedWorkspacePolicy = z.output<typeof workspacePolicySchema>;

export interface ParsedConfig extends Omit<Root, 'integrations' | 'keys' | 'workspaces'> {
  integrations: ParsedIntegration[];
  keys: ParsedKey[];
  workspaces: Record<string, ParsedWorkspacePolicy>;
}
