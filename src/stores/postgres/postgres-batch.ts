import type { AdmitInput, AdmitResult, LedgerEntry, SettledCounter, SettleInput } from '../store.js';

/** An admission (kind 0) or a settlement (kind 1) in a batch for `apply`. */
export type BatchOp = { kind: 0; input: AdmitInput } | { kind: 1; input: SettleInput };

/**
 * The parameters of `apply(...)` for a batch, in the order of its signature (see the schema):
 * per op, its kind, reservation id, ttl, whether it settles a reservation, how many counters and
 * guards it owns and whether its counters are distinct; then every op's counters, one after
 * the other, its guards, the reservation ids settled and the ledger rows (JSON); last, the
 * batch's counter keys, each once, and where each op's counter is among them (1-based), so that
 * `apply` works on each counter in memory without sorting or matching keys itself.
 */
export function encodeBatch(ops: readonly BatchOp[], now: number): unknown[] {
  const perOp = { kinds: [] as number[], ids: [] as string[], ttls: [] as number[], reserved: [] as boolean[], counts: [] as number[], gcounts: [] as number[], distinct: [] as boolean[], notes: [] as Array<string | null> };
  const perCounter = { keys: [] as string[], limits: [] as number[], amounts: [] as number[], expires: [] as number[], announce: [] as number[], alert: [] as number[], release: [] as boolean[], rankIdx: [] as Array<string | null>, rankMember: [] as Array<string | null> };
  const guards: string[] = [];
  const settled: string[] = [];
  const ledger: Array<LedgerEntry & { op: number }> = [];
  const unique = new Map<string, number>();
  const positions: number[] = [];
  for (const { kind, input } of ops) {
    const { counters } = input;
    perOp.kinds.push(kind);
    perOp.ids.push(input.reservationId);
    perOp.counts.push(counters.length);
    perOp.distinct.push(new Set(counters.map((c) => c.key)).size === counters.length);
    for (const c of counters) {
      let at = unique.get(c.key);
      if (at === undefined) unique.set(c.key, (at = unique.size + 1));
      positions.push(at);
      perCounter.keys.push(c.key);
      perCounter.limits.push(c.limit);
      perCounter.expires.push(c.expiresAt ?? -1);
      perCounter.announce.push(c.announceAtLimit ? (c.exhaustedAt ?? c.limit) : -1);
      perCounter.alert.push(c.alertAt ?? -1);
      perCounter.release.push(c.releaseOnExpiry === true);
      perCounter.rankIdx.push(kind === 1 && c.rank ? c.rank.index : null);
      perCounter.rankMember.push(kind === 1 && c.rank ? c.rank.member : null);
    }
    if (kind === 0) {
      perOp.ttls.push(input.ttlMs);
      perOp.reserved.push(false);
      perOp.gcounts.push(input.guards?.length ?? 0);
      perCounter.amounts.push(...input.amounts);
      if (input.guards) guards.push(...input.guards);
      perOp.notes.push(counters.length > 0 && input.note ? input.note() : null);
    } else {
      perOp.ttls.push(0);
      perOp.reserved.push(input.reserved);
      perOp.gcounts.push(0);
      perCounter.amounts.push(...input.actual);
      if (input.reserved) settled.push(input.reservationId);
      if (input.entry) ledger.push({ ...input.entry, op: perOp.kinds.length });
      perOp.notes.push(null);
    }
  }
  const { kinds, ids, ttls, reserved, counts, gcounts, distinct, notes } = perOp;
  const { keys, limits, amounts, expires, announce, alert, release, rankIdx, rankMember } = perCounter;
  return [now, kinds, ids, ttls, reserved, counts, gcounts, keys, limits, amounts, expires, announce, alert, guards, settled, JSON.stringify(ledger), distinct, release, notes, rankIdx, rankMember, [...unique.keys()], positions];
}

/** `apply`'s answer, op by op: five numbers per admission, four per counter of a settlement. */
export function decodeBatch(ops: readonly BatchOp[], answer: readonly string[]): Array<AdmitResult | SettledCounter[]> {
  const r = answer.map(Number);
  let at = 0;
  return ops.map(({ kind, input }) => {
    if (kind === 0) {
      const [status, index, used, held, first] = r.slice(at, (at += 5));
      if (status === 1) return { admitted: true };
      if (status === 2) return { admitted: false, revoked: input.guards![index!]! };
      return { admitted: false, index: index!, state: { used: used!, reserved: held! }, first: first === 1 };
    }
    return input.counters.map(() => {
      const [used, held, alerted, exhausted] = r.slice(at, (at += 4));
      // alerted -1: settled before, nothing recorded (see the schema's apply).
      return { used: used!, reserved: held!, alerted: alerted === 1, exhausted: exhausted === 1, ...(alerted === -1 ? { applied: false } : {}) };
    });
  });
}
