/**
 * Markup the console's views share: labelled fields (every control has its accessible name), the
 * limits fieldset of a key or a grant, the confirmation dialog and the panel that shows a token
 * once. Static text only: what comes from the gateway is set by the scripts, as text.
 */

const named = (id: string, apiField: string | undefined) => `id="${id}"${apiField ? ` data-field="${apiField}"` : ''}`;

/** An input with its label; `apiField` is the API's name of what it sets (errors are matched to it). */
// A label apart from its control (for=): wrapped, a select's options would join its accessible name.
export const input = (label: string, id: string, attributes = '', apiField?: string) => `<div class="field"><label for="${id}">${label}</label><input ${named(id, apiField)} ${attributes}></div>`;

/** A select with its label and options (`[value, text]`). */
export const select = (label: string, id: string, values: Array<[string, string]>, apiField?: string) =>
  `<div class="field"><label for="${id}">${label}</label><select ${named(id, apiField)}>${values.map(([value, text]) => `<option value="${value}">${text}</option>`).join('')}</select></div>`;

/** A textarea with its label. */
export const textarea = (label: string, id: string, attributes = '', apiField?: string) => `<div class="field"><label for="${id}">${label}</label><textarea ${named(id, apiField)} ${attributes}></textarea></div>`;

/** One budget and one rate limit, as a key or a grant takes them: ids `${prefix}-budget-type`... */
export const limitFields = (prefix: string) => `
<fieldset class="grid"><legend>Budget</legend>
  ${select('Budget type', `${prefix}-budget-type`, [['', 'none'], ['cost', 'USD'], ['tokens', 'tokens']], 'budgets[0].type')}
  ${input('Budget limit', `${prefix}-budget-limit`, 'type="number" min="0" step="any"', 'budgets[0].limit')}
  ${select('Budget reset', `${prefix}-budget-reset`, [['none', 'never'], ['weekly', 'weekly'], ['monthly', 'monthly']], 'budgets[0].reset')}
  ${input('Alert thresholds', `${prefix}-budget-alerts`, 'placeholder="e.g. 50, 80"', 'budgets[0].alertThresholds')}
</fieldset>
<fieldset class="grid"><legend>Rate limit</legend>
  ${select('Rate limit type', `${prefix}-rate-type`, [['', 'none'], ['requests', 'requests'], ['tokens', 'tokens'], ['concurrency', 'calls at once']], 'rateLimits[0].type')}
  ${input('Rate limit', `${prefix}-rate-limit`, 'type="number" min="0" step="1"', 'rateLimits[0].limit')}
  ${select('Per', `${prefix}-rate-per`, [['minute', 'minute'], ['hour', 'hour'], ['day', 'day']], 'rateLimits[0].per')}
</fieldset>`;

/** A table whose body the script fills. */
export const table = (id: string, caption: string, heads: string[]) =>
  `<table><caption class="visually-hidden">${caption}</caption><thead><tr>${heads.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody id="${id}"></tbody></table>`;

/** Where a form's errors go: announced when they appear. */
export const errors = '<div class="errors" role="alert"></div>';

/** The confirmation every irreversible change asks for (rotate, revoke, disable); rotation also asks for a grace. */
export const CONFIRM_DIALOG = `
<dialog id="confirm-dialog" aria-labelledby="confirm-title" aria-describedby="confirm-message">
  <form method="dialog">
    <h2 id="confirm-title"></h2>
    <p id="confirm-message"></p>
    <p id="confirm-grace-field" hidden>${input('Grace period (seconds)', 'confirm-grace', 'type="number" min="0" step="1" value="0"')}<small>How long the old token keeps working; 0 stops it at once.</small></p>
    <div class="actions"><button id="confirm-ok" value="confirm"></button> <button value="cancel" formnovalidate>Cancel</button></div>
  </form>
</dialog>`;

/** A new token, shown once: it is in no other answer, and Done takes it out of the page. */
export const TOKEN_PANEL = `
<div id="token-panel" class="panel notice" role="region" aria-labelledby="token-title" hidden>
  <h2 id="token-title"></h2>
  <p><strong>Copy this token now: it will not be shown again.</strong> Only its SHA-256 is kept.</p>
  ${input('New token', 'token-value', 'readonly size="60" autocomplete="off" spellcheck="false"')}
  <button id="token-copy" type="button">Copy token</button>
  <button id="token-done" type="button">Done</button>
  <span id="token-copied" role="status"></span>
</div>`;
