import { errors, input, limitFields, select, table } from './console-markup.js';

/** The Keys view: every key, a filter by workspace, the Create key form, Rotate and Revoke on each row. */
export const KEYS_MARKUP = `
<section id="view-keys" aria-labelledby="nav-keys" hidden>
  <div class="toolbar">
    ${select('Filter by workspace', 'keys-filter', [['', 'All workspaces']])}
    <span id="keys-new-slot"></span>
  </div>
  <form id="key-form" class="panel" aria-labelledby="key-form-title" hidden novalidate>
    <h2 id="key-form-title">Create key</h2>
    <div class="grid">
      ${input('Workspace', 'key-workspace', 'list="key-workspaces" required', 'workspace')}
      ${select('Integration', 'key-integration', [['', 'the one the workspace reaches']], 'integration')}
      ${input('Name', 'key-name', '', 'name')}
      ${input('Models', 'key-models', 'placeholder="all the grant allows, or e.g. gpt-4o-mini, gpt-4o"', 'models')}
      ${input('Expires at', 'key-expires', 'type="datetime-local"', 'expiresAt')}
    </div>
    <datalist id="key-workspaces"></datalist>
    ${limitFields('key')}
    ${errors}
    <div class="actions"><button type="submit">Create key</button> <button type="button" id="key-form-cancel">Cancel</button></div>
  </form>
  <section class="panel">
    <h2>Keys</h2>
    ${table('keys-rows', 'Keys', ['id', 'name', 'workspace', 'integration', 'models', 'limits', 'expires', 'created', 'state', 'actions'])}
  </section>
</section>`;

/** The Keys view's script, run in the browser after CONSOLE_SCRIPT. */
export const KEYS_SCRIPT = String.raw`
  async function loadKeys() {
    const filter = $('keys-filter').value;
    const [keys, integrations] = await Promise.all([api('GET', '/keys' + (filter ? '?workspace=' + encodeURIComponent(filter) : '')), api('GET', '/integrations')]);
    // Workspaces for the filter and the form: those the integrations name, and those of the keys.
    const workspaces = new Set(keys.map((k) => k.workspace));
    for (const i of integrations) if (i.workspaces !== 'all') for (const w of Object.keys(i.workspaces)) if (w !== '*') workspaces.add(w);
    const known = [...$('keys-filter').options].map((o) => o.value);
    for (const w of [...workspaces].sort()) if (!known.includes(w)) $('keys-filter').appendChild(Object.assign(el('option', w), { value: w }));
    $('key-workspaces').replaceChildren(...[...workspaces].sort().filter((w) => can.keysOf(w)).map((w) => Object.assign(el('option'), { value: w })));
    $('key-integration').replaceChildren(Object.assign(el('option', 'the one the workspace reaches'), { value: '' }), ...integrations.map((i) => Object.assign(el('option', i.slug), { value: i.slug })));
    const now = Date.now();
    fill($('keys-rows'), keys.map((k) => {
      const state = k.expiresAt && Date.parse(k.expiresAt) <= now ? 'expired' : k.previousValidUntil && Date.parse(k.previousValidUntil) > now ? 'rotated; the old token works until ' + when(k.previousValidUntil) : 'active';
      const actions = can.keysOf(k.workspace)
        ? cell(button('Rotate', 'Rotate key ' + k.id, () => rotateKey(k)), document.createTextNode(' '), button('Revoke', 'Revoke key ' + k.id, () => revokeKey(k)))
        : cell();
      return row([k.id, k.name || '', k.workspace, k.integration, k.models ? k.models.join(', ') : 'all', limitsText(k), k.expiresAt ? when(k.expiresAt) : 'never', k.createdAt ? when(k.createdAt) : 'configured', state, actions]);
    }), 'No keys.', 10);
  }

  async function rotateKey(key) {
    const grace = await confirmChange('Rotate key ' + key.id, 'A new token is made at once. The current one keeps working for the grace period below, then stops.', 'Rotate', true);
    if (grace === false) return;
    try {
      const answer = await api('POST', '/keys/' + encodeURIComponent(key.id) + '/rotate', { graceSeconds: grace });
      showToken('New token of key ' + key.id, answer.token);
      await loadKeys();
    } catch (e) {
      $('view-status').textContent = 'Rotating ' + key.id + ' failed: ' + e.message;
    }
  }

  async function revokeKey(key) {
    if (!(await confirmChange('Revoke key ' + key.id, 'Every gateway refuses it from now on. This cannot be undone.', 'Revoke'))) return;
    try {
      await api('DELETE', '/keys/' + encodeURIComponent(key.id));
      await loadKeys();
    } catch (e) {
      $('view-status').textContent = 'Revoking ' + key.id + ' failed: ' + e.message;
    }
  }

  let keysReady = false;
  views.keys = {
    async show() {
      if (!keysReady) {
        keysReady = true;
        if (can.anyKeys()) $('keys-new-slot').appendChild(button('New key', null, () => {
          $('key-form').hidden = false;
          $('key-workspace').focus();
        }));
      }
      await loadKeys();
    },
  };
  $('keys-filter').addEventListener('change', () => loadKeys().catch((e) => ($('view-status').textContent = e.message)));
  $('key-form-cancel').addEventListener('click', () => {
    clearError($('key-form'));
    $('key-form').hidden = true;
  });
  $('key-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = $('key-form');
    const body = { workspace: $('key-workspace').value.trim(), ...limitsFrom('key') };
    if ($('key-integration').value) body.integration = $('key-integration').value;
    if ($('key-name').value.trim()) body.name = $('key-name').value.trim();
    if ($('key-models').value.trim()) body.models = words($('key-models').value);
    if ($('key-expires').value) body.expiresAt = new Date($('key-expires').value).toISOString();
    if (body.budgets.length === 0) delete body.budgets;
    if (body.rateLimits.length === 0) delete body.rateLimits;
    await submitting(form, async () => {
      const answer = await api('POST', '/keys', body);
      form.reset();
      form.hidden = true;
      showToken('Token of key ' + answer.key.id, answer.token);
      await loadKeys();
    });
  });
`;
