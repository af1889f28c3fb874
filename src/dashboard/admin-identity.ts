import { z } from 'zod';

/**
 * Who a dashboard request is made by, as `authorize` says: a viewer reads everything the
 * dashboard shows; a manager reads too, and manages the keys of its `workspaces`; an admin does
 * everything (keys, integrations, provisioning). `actor` names them in the audit.
 */
export interface AdminIdentity {
  actor: string;
  role: 'admin' | 'manager' | 'viewer';
  /** A manager's workspaces: the ones whose keys it creates, changes, rotates and revokes. */
  workspaces?: string[];
}

/** What `authorize` may answer: true (a viewer with no name), false or null (401), or an identity. */
export type AuthorizeResult = boolean | null | AdminIdentity;

const identitySchema = z.strictObject({
  actor: z.string().min(1).max(256),
  role: z.enum(['admin', 'manager', 'viewer']),
  workspaces: z.array(z.string().min(1)).optional(),
});

/** The caller, or null when `authorize` refused it; throws (a programming error) for an answer of another shape. */
export function identityOf(result: unknown): Caller | null {
  if (result === false || result === null || result === undefined) return null;
  if (result === true) return new Caller(null, 'viewer', []);
  const parsed = identitySchema.safeParse(result);
  if (!parsed.success) {
    throw new TypeError(`createDashboardHandler: authorize must return true, false, null or { actor, role: 'admin' | 'manager' | 'viewer', workspaces? } (${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')})`);
  }
  return new Caller(parsed.data.actor, parsed.data.role, parsed.data.workspaces ?? []);
}

/** An authorized caller and what its role lets it do. */
export class Caller {
  constructor(
    /** Null for `authorize` answering `true`. */
    readonly actor: string | null,
    readonly role: AdminIdentity['role'],
    readonly workspaces: readonly string[],
  ) {}

  get isAdmin(): boolean {
    return this.role === 'admin';
  }

  /** Whether it may create, change, rotate or revoke the keys of `workspace`. */
  managesKeysOf(workspace: string): boolean {
    return this.role === 'admin' || (this.role === 'manager' && this.workspaces.includes(workspace));
  }
}
