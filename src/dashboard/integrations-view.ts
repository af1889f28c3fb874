import { errors, input, select, table, textarea } from './console-markup.js';

/** The Integrations view: each integration with its credentials by reference; Create integration; disable and enable. */
export const integrationsMarkup = (providers: readonly string[]) => `
<section id="view-integrations" aria-labelledby="nav-integrations" hidden>
  <div class="toolbar"><span id="integrations-new-slot"></span></div>
  <form id="integration-form" class="panel" aria-labelledby="integration-form-title" hidden novalidate>
    <h2 id="integration-form-title">Create integration</h2>
    <div class="grid">
      ${select('Provider', 'integration-provider', providers.map((p) => [p, p]), 'provider')}
      ${input('Slug', 'integration-slug', 'required placeholder="e.g. openai-prod"', 'slug')}
      ${input('Name', 'integration-name', '', 'name')}
      ${input('Description', 'integration-description', '', 'description')}
      ${input('Endpoint', 'integration-endpoint', 'type="url" placeholder="the provider\'s own, or e.g. https://llm.internal/v1"', 'baseURL')}
      ${input('Models', 'integration-models', 'placeholder="all, or e.g. gpt-4o-mini, gpt-4o"', 'models')}
    </div>
    ${textarea('Credential references', 'integration-credentials', 'rows="3" placeholder="apiKey=env:OPENAI_API_KEY"', 'credentials')}
    <p class="hint">One per line: <code>name=env:VARIABLE</code> (an environment variable of every gateway), <code>name=resolver:secret-name</code> (a registered secret resolver), or <code>name=value</code> for a field that is not a secret (an organization id). Never a key itself.</p>
    ${textarea('Provider options (JSON)', 'integration-options', 'rows="2" placeholder="{ &quot;region&quot;: &quot;us-east-1&quot; }"')}
    ${errors}
    <div class="actions"><button type="submit">Create integration</button> <button type="button" id="integration-form-cancel">Cancel</button></div>
  </form>
  <section class="panel">
    <h2>Integrations</h2>
    ${table('integrations-rows', 'Integrations', ['slug', 'name', 'provider', 'endpoint', 'models', 'credentials', 'workspaces', 'limits', 'state', 'actions'])}
  </section>
</section>`;

/** The Integrations view's script, run in the browser after CONSOLE_SCRIPT. */
export const INTEGRATIONS_SCRIPT = String.raw`
  const referenceText = (value) => (typeof value === 'string' ? value : value.env ? 'env ' + value.env : value.resolver ? value.resolver + ' ' + value.name : 'a secret ' + value.secret);
  const grantsText = (workspaces) => (workspaces === 'all' ? 'all workspaces' : Object.entries(workspaces).filter(([, g]) => g !== false).map(([w]) => (w === '*' ? 'every workspace (*)' : w)).join(', ') || 'none');

  async function loadIntegrations() {
    const integrations = await api('GET', '/integrations');
    fill($('integrations-rows'), integrations.map((i) => {
      const actions = can.admin()
        ? cell(i.disabled ? button('Enable', 'Enable integration ' + i.slug, () => toggleIntegration(i, 'enable')) : button('Disable', 'Disable integration ' + i.slug, () => toggleIntegration(i, 'disable')))
        : cell();
      const credentials = Object.entries(i.credentials).map(([name, value]) => name + ': ' + referenceText(value)).join('; ') || 'none';
      return row([i.slug, i.name || '', i.provider, i.baseURL || 'the provider\u2019s', i.models === 'all' ? 'all' : i.models.join(', '), credentials, grantsText(i.workspaces), limitsText(i), i.disabled ? 'disabled' : 'enabled', actions]);
    }), 'No integrations.', 10);
  }

  async function toggleIntegration(integration, action) {
    if (action === 'disable' && !(await confirmChange('Disable integration ' + integration.slug, 'Every gateway refuses its calls from now on, until it is enabled again. Its grants, keys and spend stay.', 'Disable'))) return;
    try {
      await api('POST', '/integrations/' + encodeURIComponent(integration.slug) + '/' + action);
      await loadIntegrations();
    } catch (e) {
      $('view-status').textContent = action + ' ' + integration.slug + ' failed: ' + e.message;
    }
  }

  /** Credential lines as the API takes them: { env }, { resolver, name }, or a plain value. */
  function credentialsFrom(text) {
    const out = {};
    text.split('\n').map((l) => l.trim()).filter(Boolean).forEach((line, i) => {
      const eq = line.indexOf('=');
      if (eq < 1) throw Object.assign(new Error('Credential references: line ' + (i + 1) + ' is not name=reference'), { issues: [{ path: 'credentials', message: 'line ' + (i + 1) + ' must be name=env:VARIABLE, name=resolver:secret-name or name=value' }] });
      const name = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      const colon = value.indexOf(':');
      if (value.startsWith('env:')) out[name] = { env: value.slice(4) };
      else if (colon > 0 && !/^https?:/.test(value)) out[name] = { resolver: value.slice(0, colon), name: value.slice(colon + 1) };
      else out[name] = value;
    });
    return out;
  }

  let integrationsReady = false;
  views.integrations = {
    async show() {
      if (!integrationsReady) {
        integrationsReady = true;
        if (can.admin()) $('integrations-new-slot').appendChild(button('New integration', null, () => {
          $('integration-form').hidden = false;
          $('integration-provider').focus();
        }));
      }
      await loadIntegrations();
    },
  };
  $('integration-form-cancel').addEventListener('click', () => {
    clearError($('integration-form'));
    $('integration-form').hidden = true;
  });
  $('integration-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = $('integration-form');
    await submitting(form, async () => {
      const options = $('integration-options').value.trim();
      let extra = {};
      if (options) {
        try {
          extra = JSON.parse(options);
        } catch (e) {
          throw Object.assign(new Error('Provider options are not valid JSON'), { issues: [] });
        }
      }
      const body = { ...extra, provider: $('integration-provider').value, slug: $('integration-slug').value.trim(), workspaces: {} };
      for (const [id, name] of [['integration-name', 'name'], ['integration-description', 'description'], ['integration-endpoint', 'baseURL']]) if ($(id).value.trim()) body[name] = $(id).value.trim();
      const models = $('integration-models').value.trim();
      if (models && models !== 'all') body.models = words(models);
      const credentials = credentialsFrom($('integration-credentials').value);
      if (Object.keys(credentials).length) body.credentials = credentials;
      await api('POST', '/integrations', body);
      form.reset();
      form.hidden = true;
      await loadIntegrations();
    });
  });
`;
