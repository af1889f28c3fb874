import type { Budget, RateLimit } from '../config/limits-schema.js';
import type { ScopeLimits } from '../config/policy.js';
import type { CounterSpec } from '../stores/store.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { budgetId, modelsId } from './budget-identity.js';
import { usdToMicros } from './money.js';
import { budgetPeriod, windowAt, type Span } from '../util/periods.js';
import { flatConcat } from '../util/flat-concat.js';

/**
 * What a limit is, whatever scope has it: its kind, unit and thresholds. Shared by every scope
 * whose limits are the same objects (100,000 keys configured alike hold one per limit).
 */
interface LimitDefinition {
  readonly kind: 'budget' | 'rateLimit';
  readonly type: 'cost' | 'tokens' | 'requests' | 'concurrency';
  readonly limit: number;
  readonly budget: Budget | null;
  readonly rateLimit: RateLimit | null;
  readonly budgetId: string | null;
  readonly alertAt: number | undefined;
  readonly thresholds: readonly number[] | null;
  readonly rateId: string | null;
  /** When the budget was set (registered in the store); 0 for rate limits. */
  readonly setAt: number;
}

/**
 * One limit a call is checked against, in one scope, with its counter of the current period
 * kept. What the limit is lives in its shared definition; this holds what is the scope's.
 */
export class PlannedLimit {
  /** The counter of the current period, reused until the period ends (two fields, not an object: one less per limit of 100,000 keys). */
  spec: CounterSpec | null = null;
  /** The period of `spec`. */
  span: Span | null = null;

  constructor(
    readonly definition: LimitDefinition,
    readonly scope: string,
  ) {}

  /** Where a budget is registered: its scope, unless it came from another (see OriginLimit); null for a rate limit. */
  get origin(): string | null {
    return this.definition.kind === 'budget' ? this.scope : null;
  }

  /**
   * The prefix of its counters' keys where it is not derived from the other fields (see
   * keyPrefix): a templated limit's, with the place of its value or the value. Null otherwise,
   * so that 100,000 keys do not each hold their limits' prefixes besides their counters' keys.
   */
  get prefix(): string | null {
    return null;
  }

  /**
   * A templated limit bound to a value: ranked among the values of its template (see
   * CounterSpec.rank), per period, for `limits.nearest`. Null for other limits.
   */
  get rank(): { index: string; member: string } | null {
    return null;
  }

  get kind(): LimitDefinition['kind'] {
    return this.definition.kind;
  }

  get type(): LimitDefinition['type'] {
    return this.definition.type;
  }

  /** In the counter's unit: micro-dollars, tokens or requests. */
  get limit(): number {
    return this.definition.limit;
  }

  get budget(): Budget | null {
    return this.definition.budget;
  }

  get rateLimit(): RateLimit | null {
    return this.definition.rateLimit;
  }

  /** The budget's identity at its origin (budgetId); null for rate limits. */
  get budgetId(): string | null {
    return this.definition.budgetId;
  }

  /** The alert threshold the store announces (a budget's `alertThreshold`), in the counter's unit. */
  get alertAt(): number | undefined {
    return this.definition.alertAt;
  }

  /**
   * A budget's `alertThresholds`, in the counter's unit: each announced by the settlement whose
   * usage crosses it (the store adds usage atomically, so exactly one does, in every process).
   */
  get thresholds(): readonly number[] | null {
    return this.definition.thresholds;
  }

  /** A rate limit's identity in its scope (type, limit, window, models); null for budgets. */
  get rateId(): string | null {
    return this.definition.rateId;
  }

  /** When the budget was set (registered in the store); 0 for rate limits. */
  get setAt(): number {
    return this.definition.setAt;
  }
}

/** A budget registered at an origin other than its scope (a `'*'` grant's, applied to each workspace). */
class OriginLimit extends PlannedLimit {
  readonly #origin: string | null;

  constructor(definition: LimitDefinition, scope: string, origin: string | null) {
    super(definition, scope);
    this.#origin = origin;
  }

  override get origin(): string | null {
    return this.#origin;
  }
}

/** A limit of a templated scope (`each`): its key prefix holds the place of the value, or, bound, the value; and its rank. */
class TemplatedLimit extends OriginLimit {
  readonly #prefix: string;
  readonly #rank: { index: string; member: string } | null;

  constructor(definition: LimitDefinition, scope: string, origin: string | null, prefix: string, rank: { index: string; member: string } | null) {
    super(definition, scope, origin);
    this.#prefix = prefix;
    this.#rank = rank;
  }

  override get prefix(): string {
    return this.#prefix;
  }

  override get rank(): { index: string; member: string } | null {
    return this.#rank;
  }
}

export interface LimitPlan {
  readonly limits: readonly PlannedLimit[];
  /** The first scope with a rate limit of 0 (every call refused), if any. */
  readonly disabledScope: string | null;
  /** The first cost budget, if any: a call needs a price. */
  readonly costLimit: PlannedLimit | null;
  /** Whether a limit counts tokens or cost: then the output a call may produce is reserved, and capped upstream. */
  readonly metersOutput: boolean;
  /** A concurrency limit is among them: settling gives slots back (waiters may take them). */
  readonly hasConcurrency: boolean;
  /** Templated scopes, bound per call (see bindPlan); empty in a bound plan. */
  readonly templates: readonly TemplatePlan[];
}

/**
 * A templated scope of a plan (`each` on a scope): its limits are completed per call by the
 * value of the request attribute it is keyed by (see bindPlan).
 */
export interface TemplatePlan {
  /** The scope that declares it. */
  readonly scope: string;
  /** `user` or `metadata.<field>`. */
  readonly by: string;
  /** The limits every value gets, unbound. */
  readonly limits: readonly PlannedLimit[];
  /** The limits of each tier, unbound: they replace `limits` for a request of that tier. */
  readonly tiers: ReadonlyMap<string, readonly PlannedLimit[]>;
  /** The limits of single values, unbound: they replace their tier's. */
  readonly overrides: ReadonlyMap<string, readonly PlannedLimit[]>;
}

/** Where an attribute value goes in a templated limit's scope and counter keys. */
const HOLE = '\u0000';

/** The limits of one scope for one model (all of them without one), and its templates: a part of plans. */
export interface ScopePlan {
  readonly scope: string;
  /** The model it was planned for; null: every limit. */
  readonly model: string | null;
  readonly limits: readonly PlannedLimit[];
  readonly templates: readonly TemplatePlan[];
}

/**
 * Every limit of every scope a call passes through. `setAtOf` gives when a budget was set; the
 * counter keys embed it, so a budget defined again later starts from zero. With `model`, limits
 * of other models (`models` on the limit) are left out; without (a status query), every limit is in.
 */
export function buildPlan(scopes: ReadonlyArray<readonly [string, ScopeLimits]>, setAtOf: (origin: string, id: string) => number, model: string | null = null): LimitPlan {
  return combinePlan(scopes.map(([scope, scopeLimits]) => planScope(scope, scopeLimits, setAtOf, model)));
}

/**
 * The plan of the scopes' parts, outermost first. Parts are shared between plans (a workspace's
 * limits are the same for every key in it), and so is the counter each limit keeps for its
 * current period: a plan holds references, not copies, so a gateway with many keys holds each
 * shared limit once.
 */
export function combinePlan(parts: readonly ScopePlan[]): LimitPlan {
  const limits: PlannedLimit[] = [];
  let templates: TemplatePlan[] | null = null;
  for (const part of parts) {
    for (const limit of part.limits) limits.push(limit);
    for (const template of part.templates) (templates ??= []).push(template);
  }
  // A copy of exactly its length: an array grown by push keeps room for 17 and more (a plan is
  // held per key, for as long as the key calls).
  return finishPlan(limits.slice(), templates ?? NO_TEMPLATES);
}

/** The templates of the many scopes that have none: one array for all. */
const NO_TEMPLATES: readonly TemplatePlan[] = Object.freeze([]);

/** The part of plans one scope makes, for `model` (null: every limit). */
export function planScope(scope: string, scopeLimits: ScopeLimits, setAtOf: (origin: string, id: string) => number, model: string | null): ScopePlan {
  // Exactly its length (see combinePlan).
  const limits = planLimits([], scope, scopeLimits, setAtOf, model).slice();
  if (scopeLimits.each.length === 0) return { scope, model, limits, templates: NO_TEMPLATES };
  const templates: TemplatePlan[] = [];
  for (const each of scopeLimits.each) {
    // The value goes where HOLE is: `workspace:team-a/user:u-42`, and in every counter key.
    const templated = `${scope}/${each.by}:${HOLE}`;
    const tiers = new Map<string, PlannedLimit[]>();
    for (const [tier, tierLimits] of each.tiers) tiers.set(tier, planLimits([], templated, tierLimits, setAtOf, model));
    const overrides = new Map<string, PlannedLimit[]>();
    for (const [value, valueLimits] of each.overrides) overrides.set(value, planLimits([], templated, valueLimits, setAtOf, model));
    templates.push({ scope, by: each.by, limits: planLimits([], templated, each, setAtOf, model), tiers, overrides });
  }
  return { scope, model, limits, templates };
}

/** A plan of these limits: what admission needs to know of them at once. */
function finishPlan(limits: PlannedLimit[], templates: readonly TemplatePlan[]): LimitPlan {
  let disabledScope: string | null = null;
  let costLimit: PlannedLimit | null = null;
  let metersOutput = false;
  let hasConcurrency = false;
  for (const limit of limits) {
    if (limit.kind === 'rateLimit' && limit.limit === 0) disabledScope ??= limit.scope;
    if (limit.type === 'cost') costLimit ??= limit;
    if (limit.type === 'tokens' || limit.type === 'cost') metersOutput = true;
    if (limit.type === 'concurrency') hasConcurrency = true;
  }
  return { limits, disabledScope, costLimit, metersOutput, hasConcurrency, templates };
}

/** The limits of one scope that apply to `model` (all of them without one), added to `out`. */
function planLimits(
  out: PlannedLimit[],
  scope: string,
  scopeLimits: { budgets: ScopeLimits['budgets']; rateLimits: ScopeLimits['rateLimits'] },
  setAtOf: (origin: string, id: string) => number,
  model: string | null,
): PlannedLimit[] {
  const applies = (models: readonly string[] | undefined) => model === null || models === undefined || models.includes(model);
  const seen = new Set<string>();
  for (const { origin, budget } of scopeLimits.budgets) {
    if (!applies(budget.models)) continue;
    const id = budgetId(budget);
    if (seen.has(`${origin}|${id}`)) continue;
    seen.add(`${origin}|${id}`);
    const setAt = setAtOf(origin, id);
    const definition = budgetDefinition(budget, id, setAt);
    if (scope.includes(HOLE)) out.push(new TemplatedLimit(definition, scope, origin, flatConcat('b|', origin, '|', id, '|', setAt, '|', scope, '|'), null));
    else out.push(origin === scope ? new PlannedLimit(definition, scope) : new OriginLimit(definition, scope, origin));
  }
  for (const rateLimit of scopeLimits.rateLimits) {
    if (!applies(rateLimit.models)) continue;
    const definition = rateDefinition(rateLimit);
    const id = definition.rateId!;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(scope.includes(HOLE) ? new TemplatedLimit(definition, scope, null, flatConcat('r|', scope, '|', id, '|'), null) : new PlannedLimit(definition, scope));
  }
  return out;
}

/**
 * Definitions by budget or rate limit object: keys with the same parsed limits share them (a
 * budget's, while its scopes have the same set time: keys registered together).
 */
const definitions = new WeakMap<Budget | RateLimit, LimitDefinition>();

function budgetDefinition(budget: Budget, id: string, setAt: number): LimitDefinition {
  let definition = definitions.get(budget);
  if (definition?.setAt !== setAt) {
    const toUnits = budget.type === 'cost' ? usdToMicros : (n: number) => n;
    definition = {
      kind: 'budget',
      type: budget.type,
      limit: toUnits(budget.limit),
      budget,
      rateLimit: null,
      budgetId: id,
      alertAt: budget.alertThreshold === undefined ? undefined : toUnits(budget.alertThreshold),
      thresholds: budget.alertThresholds ? budget.alertThresholds.map(toUnits) : null,
      rateId: null,
      setAt,
    };
    definitions.set(budget, definition);
  }
  return definition;
}

function rateDefinition(rateLimit: RateLimit): LimitDefinition {
  let definition = definitions.get(rateLimit);
  if (!definition) {
    const window = rateLimit.type === 'concurrency' ? '' : `:${rateLimit.per}`;
    const rateId = flatConcat(rateLimit.type, ':', rateLimit.limit, window, rateLimit.models ? `:m=${modelsId(rateLimit.models)}` : '');
    definition = { kind: 'rateLimit', type: rateLimit.type, limit: rateLimit.limit, budget: null, rateLimit, budgetId: null, alertAt: undefined, thresholds: null, rateId, setAt: 0 };
    definitions.set(rateLimit, definition);
  }
  return definition;
}

/**
 * The prefix of a limit's counter keys: `b|origin|budget id|set time|scope|` for a budget,
 * `r|scope|rate limit id|` for a rate limit (the period's start follows). Built when a period
 * starts, not held by every limit.
 */
function keyPrefix(limit: PlannedLimit): string {
  if (limit.prefix !== null) return limit.prefix;
  return limit.kind === 'budget'
    ? flatConcat('b|', limit.origin!, '|', limit.budgetId!, '|', limit.setAt, '|', limit.scope, '|')
    : flatConcat('r|', limit.scope, '|', limit.rateId!, '|');
}

/** The request attributes templated scopes are keyed by, and its tier. */
export interface CallAttributes {
  readonly user: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** The request's tier (the gateway's `tier(request)`, asked at most once); null: none. */
  tier(): string | null;
}

/** The longest attribute value a templated scope takes (it is part of store keys). */
export const MAX_ATTRIBUTE_LENGTH = 256;

/**
 * The plan of one call: its templated limits bound to the request's attribute values (and the
 * limits of its tier). A call lacking an attribute a template is keyed by is refused
 * (`RequestValidationError`): a shared bucket for requests without one would let one caller
 * spend every anonymous caller's allowance, or let anonymous calls go unlimited. With `partial`
 * (a status query), templates whose attribute is not given are left out instead.
 */
export function bindPlan(plan: LimitPlan, attributes: CallAttributes, partial = false): LimitPlan {
  if (plan.templates.length === 0) return plan;
  const limits = plan.limits.slice();
  for (const template of plan.templates) {
    const value = attributeValue(template, attributes, partial);
    if (value === null) continue;
    // One value's own limits, else its tier's, else every value's; the tier is asked only when it decides.
    let chosen = template.overrides.get(value);
    if (!chosen) {
      const tier = template.tiers.size > 0 ? attributes.tier() : null;
      chosen = (tier !== null && template.tiers.get(tier)) || template.limits;
    }
    const escaped = encodeURIComponent(value);
    for (const limit of chosen) {
      limits.push(new TemplatedLimit(limit.definition, limit.scope.replace(HOLE, value), limit.origin, keyPrefix(limit).replace(HOLE, escaped), { index: rankIndexOf(limit), member: value }));
    }
  }
  return finishPlan(limits, NO_TEMPLATES);
}

/** The index a templated limit's values are ranked in (its period's start is added): its counter keys, the value left out. */
export function rankIndexOf(unbound: PlannedLimit): string {
  return `n|${keyPrefix(unbound).replace(HOLE, '{value}')}`;
}

function attributeValue(template: TemplatePlan, attributes: CallAttributes, partial: boolean): string | null {
  const by = template.by;
  const value = by === 'user' ? attributes.user : (attributes.metadata[by.slice('metadata.'.length)] ?? null);
  const path = by === 'user' ? 'user' : by;
  if (value === null || value === '') {
    if (partial) return null;
    throw new RequestValidationError([{ path, message: `${template.scope} has limits for each ${by === 'user' ? 'user' : `${by} value`}: the request must give its ${path}` }]);
  }
  if (value.length > MAX_ATTRIBUTE_LENGTH) throw new RequestValidationError([{ path, message: `must be at most ${MAX_ATTRIBUTE_LENGTH} characters (${template.scope} keys limits by it)` }]);
  return value;
}

/** A concurrency limit's one span: calls in flight are counted, never reset. */
const FOREVER: Span = { start: 0, end: null };

/** The limit's period (budget) or window (rate limit) containing `now`. */
export function spanAt(limit: PlannedLimit, now: number): Span {
  const rateLimit = limit.rateLimit;
  if (rateLimit) return rateLimit.type === 'concurrency' ? FOREVER : windowAt(rateLimit.per, now);
  return budgetPeriod(limit.budget!.reset, limit.setAt, now);
}

/** Spans by start and end, held by counters' limits: every key's minute is one object, and its two times one pair of numbers. */
const spans = new Map<string, Span>();

function sharedSpan(span: Span): Span {
  const id = `${span.start}|${span.end}`;
  const known = spans.get(id);
  if (known) return known;
  // Spans in use are a few per period and limit kind; older ones go at once past a bound.
  if (spans.size >= 1_024) spans.clear();
  spans.set(id, span);
  return span;
}

/**
 * A limit's counter for one period, as stores get it: its key, and the rest read from the limit
 * and the period (shared by every key), so that 100,000 keys do not each hold a limit and an
 * expiry as numbers of their own. Immutable, but for the store's slot (`held`).
 */
class PeriodCounter implements CounterSpec {
  readonly key: string;
  held: unknown = null;
  readonly #limit: PlannedLimit;
  readonly #span: Span;
  readonly #margin: number;

  constructor(key: string, limit: PlannedLimit, span: Span, margin: number) {
    this.key = key;
    this.#limit = limit;
    this.#span = span;
    this.#margin = margin;
  }

  get limit(): number {
    return this.#limit.limit;
  }

  get expiresAt(): number | null {
    const end = this.#span.end;
    return end === null ? null : end + this.#margin;
  }

  get alertAt(): number | undefined {
    return this.#limit.alertAt;
  }

  get announceAtLimit(): boolean | undefined {
    return this.#limit.kind === 'budget' ? true : undefined;
  }

  /** A slot in flight is given back when its reservation expires: the call is over either way. */
  get releaseOnExpiry(): boolean | undefined {
    return this.#limit.type === 'concurrency' ? true : undefined;
  }

  get exhaustedAt(): number | undefined {
    return undefined;
  }

  get rank(): { index: string; member: string } | undefined {
    return undefined;
  }
}

/** A period's counter with an exhaustion point below its limit, or ranked (a templated limit's): those held as its own. */
class DetailedCounter extends PeriodCounter {
  readonly #exhaustedAt: number | undefined;
  readonly #rank: { index: string; member: string } | undefined;

  constructor(key: string, limit: PlannedLimit, span: Span, margin: number, exhaustedAt: number | undefined, rank: { index: string; member: string } | undefined) {
    super(key, limit, span, margin);
    this.#exhaustedAt = exhaustedAt;
    this.#rank = rank;
  }

  override get exhaustedAt(): number | undefined {
    return this.#exhaustedAt;
  }

  override get rank(): { index: string; member: string } | undefined {
    return this.#rank;
  }
}

/**
 * The counter for `now`. Counter specs are immutable (but for the store's slot) and shared by
 * every call of the same period, which keeps the hot path free of per-call key building.
 */
export function counterAt(limit: PlannedLimit, now: number, expiryMarginMs: number, exhaustedShare = 0): CounterSpec {
  const current = limit.span;
  if (current !== null && now >= current.start && (current.end === null || now < current.end)) return limit.spec!;
  const span = sharedSpan(spanAt(limit, now));
  const key = flatConcat(keyPrefix(limit), span.start);
  // `exhaustedAt` only where it is not the limit.
  const exhaustedAt = limit.kind === 'budget' && exhaustedShare > 0 ? limit.limit - Math.floor(limit.limit * exhaustedShare) : undefined;
  const rank = limit.rank ? { index: flatConcat(limit.rank.index, span.start), member: limit.rank.member } : undefined;
  const spec =
    exhaustedAt === undefined && rank === undefined ? new PeriodCounter(key, limit, span, expiryMarginMs) : new DetailedCounter(key, limit, span, expiryMarginMs, exhaustedAt, rank);
  limit.spec = spec;
  limit.span = span;
  return spec;
}
