// npm test: the key table's index by workspace, made on first use and kept up to date after; milliseconds.
import { describe, expect, it } from 'vitest';
import { KeyTable } from '../../src/config/key-table.js';
import { keySchema } from '../../src/config/config-schema.js';
import type { ParsedKey } from '../../src/config/parsed-config.js';

const key = (id: string, workspace: string): ParsedKey => keySchema.parse({ id, workspace, integration: 'openai' }) as ParsedKey;
const ids = (table: KeyTable, workspace: string) => [...table.inWorkspace(workspace)].map((entry) => entry.config.id).sort();

describe('KeyTable.inWorkspace', () => {
  it("lists a workspace's keys, and follows keys added, replaced and revoked after it was first read", () => {
    const table = new KeyTable([key('a1', 'team-a'), key('b1', 'team-b'), key('a2', 'team-a')]);
    expect(ids(table, 'team-a')).toEqual(['a1', 'a2']);
    expect(ids(table, 'team-c')).toEqual([]);

    table.put(key('a3', 'team-a'), '2026-12-07T00:00:00.000Z');
    table.put(key('c1', 'team-c'), null);
    table.put({ ...key('a1', 'team-a'), name: 'renamed' }, null);
    table.revoke('a2');
    expect(ids(table, 'team-a')).toEqual(['a1', 'a3']);
    expect(ids(table, 'team-c')).toEqual(['c1']);
    expect([...table.inWorkspace('team-a')].find((entry) => entry.config.id === 'a1')?.config.name).toBe('renamed');
  });

  it('lists keys added before its first read', () => {
    const table = new KeyTable();
    table.put(key('a1', 'team-a'), null);
    table.revoke('a1');
    table.put(key('a2', 'team-a'), null);
    expect(ids(table, 'team-a')).toEqual(['a2']);
  });
});
