let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `new Date(ms).toISOString()` for epoch ms, reusing the formatted second: two timestamps per
 * usage event made `toISOString` a visible share of the gateway's per-call overhead.
 */
export function toIso(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString(); // 'YYYY-MM-DDTHH:MM:SS.000Z'
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const millis = Math.floor(ms) - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
