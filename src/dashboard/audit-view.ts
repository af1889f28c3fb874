import { errors, input, table } from './console-markup.js';

/** The Audit view: the policy log, newest first, filtered by actor, action and target. */
export const AUDIT_MARKUP = `
<section id="view-audit" aria-labelledby="nav-audit" hidden>
  <form id="audit-form" class="toolbar" aria-label="Filter the audit" novalidate>
    ${input('Actor', 'audit-actor', 'placeholder="e.g. ada@example.com"', 'actor')}
    ${input('Action', 'audit-action', 'list="audit-actions" placeholder="e.g. key.rotate, or key"', 'action')}
    ${input('Target', 'audit-target', 'placeholder="e.g. key:key_1, integration:openai-prod"', 'target')}
    <datalist id="audit-actions">${['key', 'integration', 'provisioning', 'key.create', 'key.update', 'key.rotate', 'key.revoke', 'integration.create', 'integration.update', 'integration.disable', 'integration.enable', 'provisioning.provision', 'provisioning.revoke', 'provisioning.set-models', 'provisioning.rotate-credentials', 'provisioning.override'].map((a) => `<option value="${a}"></option>`).join('')}</datalist>
    <button type="submit">Apply filters</button>
    ${errors}
  </form>
  <section class="panel">
    <h2>Audit, newest first</h2>
    ${table('audit-rows', 'Audit entries', ['when', 'actor', 'action', 'target', 'reason', 'what changed'])}
  </section>
</section>`;

/** The Audit view's script, run in the browser after CONSOLE_SCRIPT. */
export const AUDIT_SCRIPT = String.raw`
  async function loadAudit() {
    const params = new URLSearchParams({ limit: '200' });
    for (const [id, name] of [['audit-actor', 'actor'], ['audit-action', 'action'], ['audit-target', 'target']]) if ($(id).value.trim()) params.set(name, $(id).value.trim());
    const entries = await api('GET', '/audit?' + params);
    fill($('audit-rows'), entries.map((e) => row([e.at ? when(e.at) : '', e.actor || '', e.action, e.target, e.reason || '', e.summary])), 'No changes.', 6);
  }
  views.audit = { show: loadAudit };
  $('audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submitting($('audit-form'), loadAudit);
  });
`;
