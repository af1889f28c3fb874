/** The value a label takes once its cap is reached (or for a value too long to be an id). */
export const OTHER_LABEL_VALUE = '__other__';

/**
 * Longer values are folded into `__other__`: model ids and ARNs are far shorter, and a label
 * value is kept in memory for every series that carries it.
 */
const MAX_LABEL_VALUE_LENGTH = 256;

/**
 * Keeps the number of distinct values of each label bounded: the first `cap` values seen are
 * kept for the life of the process (their series stay in the registry anyway, so a slot is never
 * freed), later ones become `__other__`. A missing value (null) is the empty string, which
 * Prometheus reads as "label absent", and takes no slot.
 */
export class LabelLimiter<L extends string> {
  readonly #seen = new Map<L, Set<string>>();

  constructor(
    private readonly caps: Readonly<Record<L, number>>,
    private readonly onOverflow: (label: L) => void,
  ) {}

  value(label: L, raw: string | null): string {
    if (raw === null || raw === '') return '';
    let seen = this.#seen.get(label);
    if (seen === undefined) this.#seen.set(label, (seen = new Set()));
    if (seen.has(raw)) return raw;
    if (seen.size < this.caps[label] && raw.length <= MAX_LABEL_VALUE_LENGTH) {
      seen.add(raw);
      return raw;
    }
    this.onOverflow(label);
    return OTHER_LABEL_VALUE;
  }
}
