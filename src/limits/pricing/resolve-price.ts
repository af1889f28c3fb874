import type { IntegrationPolicy } from '../../config/policy.js';
import { toPriceMicros, type PriceMicros } from '../money.js';
import { familiesOf } from '../../catalog/catalog-families.js';
import { CATALOG, type CatalogPrice } from '../../catalog/catalog.js';

export type PriceSource = 'override' | 'custom' | 'catalog';

export interface ResolvedPrice {
  price: PriceMicros;
  source: PriceSource;
}

/**
 * Names under which a catalog may list a model id: the id itself, then without a dated snapshot
 * suffix (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`, `claude-3-5-sonnet@20240620`),
 * a Bedrock cross-region prefix (`us.anthropic...`), a Gemini `models/` prefix or version suffix,
 * Fireworks' `accounts/fireworks/models/` prefix.
 * Fine-tuned ids (`ft:...`) are never mapped to their base model: they cost more.
 */
export function catalogNames(model: string): string[] {
  if (model.startsWith('ft:')) return [model];
  const names = [model];
  let m = model.replace(/^(models|accounts\/fireworks\/models)\//, '').replace(/^(us|eu|apac|global|us-gov)\./, '');
  if (m !== model) names.push(m);
  const undated = m.replace(/(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8})$/, '');
  if (undated !== m) names.push((m = undated));
  const unversioned = m.replace(/-(latest|\d{3})$/, '');
  if (unversioned !== m) names.push(unversioned);
  return names;
}

function fromCatalog(provider: string, model: string): CatalogPrice | undefined {
  const families = familiesOf(provider);
  for (const name of catalogNames(model)) {
    for (const family of families) {
      const price = CATALOG[family][name];
      if (price) return price;
    }
  }
  return undefined;
}

/**
 * The price of `model` on an integration: its `pricing` override, else its custom model's price,
 * else the built-in catalog; null when none knows it (a cost budget then refuses the call).
 */
export function resolvePrice(integration: IntegrationPolicy, model: string): ResolvedPrice | null {
  const config = integration.config;
  const override = config.pricing[model];
  if (override) return { price: toPriceMicros(override), source: 'override' };
  const custom = config.customModels.find((m) => m.id === model);
  if (custom) return custom.pricing ? { price: toPriceMicros(custom.pricing), source: 'custom' } : null;
  const listed = fromCatalog(integration.provider, model);
  return listed ? { price: toPriceMicros(listed), source: 'catalog' } : null;
}
