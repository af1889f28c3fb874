import { errors, input, limitFields } from './console-markup.js';

/** The Workspaces view: per integration, the workspaces it is provisioned to, each with its grant; the grant dialog. */
export const WORKSPACES_MARKUP = `
<section id="view-workspaces" aria-labelledby="nav-workspaces" hidden>
  <div id="workspaces-list"></div>
  <dialog id="grant-dialog" aria-labelledby="grant-title">
    <form id="grant-form" method="dialog" novalidate>
      <h2 id="grant-title">Edit budget &amp; rate limits</h2>
      <div class="grid">
        ${input('Workspace', 'grant-workspace', 'required', 'workspace')}
        ${input('Models', 'grant-models', 'placeholder="every model of the integration, or e.g. gpt-4o-mini"', 'models')}
      </div>
      ${limitFields('grant')}
      <label class="check"><input id="grant-all" type="checkbox"> Apply to every workspace</label>
      <p class="hint">Applied to every workspace, the grant is the integration's grant to <code>*</code>: each workspace gets these models and limits for itself, except those given their own.</p>
      ${errors}
      <div class="actions"><button type="submit" id="grant-save">Save</button> <button type="button" id="grant-cancel">Cancel</button></div>
    </form>
  </dialog>
</section>`;

/** The Workspaces view's script, run in the browser after CONSOLE_SCRIPT. */
export const WORKSPACES_SCRIPT = String.raw`
  let grantTarget = null;

  function openGrant(integration, workspace, grant) {
    grantTarget = { integration: integration.slug, grant: grant || {} };
    clearError($('grant-form'));
    $('grant-title').textContent = workspace === null ? 'Provision a workspace on ' + integration.slug : 'Edit budget & rate limits of ' + (workspace === '*' ? 'every workspace' : workspace) + ' on ' + integration.slug;
    $('grant-workspace').value = workspace === null ? '' : workspace;
    $('grant-workspace').readOnly = workspace !== null;
    $('grant-models').value = grant && grant.models ? grant.models.join(', ') : '';
    fillLimits('grant', grant || {});
    $('grant-all').checked = workspace === '*';
    $('grant-dialog').showModal();
    (workspace === null ? $('grant-workspace') : $('grant-models')).focus();
  }

  async function loadWorkspaces() {
    const integrations = await api('GET', '/integrations');
    const host = $('workspaces-list');
    host.replaceChildren();
    for (const integration of integrations) {
      const section = el('section', undefined, 'panel');
      const title = el('h2', integration.slug + (integration.disabled ? ' (disabled)' : ''));
      title.id = 'ws-title-' + integration.slug;
      section.setAttribute('aria-labelledby', title.id);
      section.appendChild(title);
      const grants = integration.workspaces === 'all' ? { '*': {} } : integration.workspaces;
      const names = Object.keys(grants).filter((w) => grants[w] !== false);
      section.appendChild(el('p', 'Provisioned to: ' + (integration.workspaces === 'all' || names.includes('*') ? 'all workspaces' + (names.length > 1 ? ', and these with grants of their own' : '') : names.length ? 'specific workspaces' : 'no workspace')));
      const table = el('table');
      const caption = el('caption', 'Workspaces of ' + integration.slug, 'visually-hidden');
      const head = el('thead');
      head.appendChild(row(['workspace', 'models', 'budgets and rate limits', 'actions'].map((h) => Object.assign(el('th', h), { scope: 'col' }))));
      const body = el('tbody');
      table.append(caption, head, body);
      fill(body, names.sort((a, b) => (a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b))).map((w) => {
        const grant = grants[w];
        const label = w === '*' ? 'every workspace (*)' : w;
        const actions = can.admin()
          ? cell(
              button('Edit budget & rate limits', 'Edit budget & rate limits of ' + label + ' on ' + integration.slug, () => openGrant(integration, w, grant)),
              document.createTextNode(' '),
              button('Revoke', 'Revoke ' + label + ' on ' + integration.slug, () => revokeGrant(integration, w)),
            )
          : cell();
        return row([label, grant.models ? grant.models.join(', ') : 'all', limitsText(grant), actions]);
      }), 'No workspace reaches it.', 4);
      section.appendChild(table);
      if (can.admin()) section.appendChild(button('Provision a workspace', 'Provision a workspace on ' + integration.slug, () => openGrant(integration, null, null)));
      host.appendChild(section);
    }
  }

  async function revokeGrant(integration, workspace) {
    const label = workspace === '*' ? 'every workspace not named' : workspace;
    if (!(await confirmChange('Revoke ' + label + ' on ' + integration.slug, 'Its calls, and its keys\u2019, are refused by every gateway from now on.', 'Revoke'))) return;
    try {
      await api('DELETE', '/integrations/' + encodeURIComponent(integration.slug) + '/workspaces/' + encodeURIComponent(workspace));
      await loadWorkspaces();
    } catch (e) {
      $('view-status').textContent = 'Revoking ' + label + ' failed: ' + e.message;
    }
  }

  views.workspaces = { show: loadWorkspaces };
  $('grant-cancel').addEventListener('click', () => $('grant-dialog').close());
  $('grant-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = $('grant-form');
    const workspace = $('grant-all').checked ? '*' : $('grant-workspace').value.trim();
    const limits = limitsFrom('grant');
    // The grant's other budgets and rate limits (the dialog edits the first of each) are kept.
    const body = {
      budgets: [...limits.budgets, ...(grantTarget.grant.budgets || []).slice(1)],
      rateLimits: [...limits.rateLimits, ...(grantTarget.grant.rateLimits || []).slice(1)],
    };
    if (grantTarget.grant.each && grantTarget.grant.each.length) body.each = grantTarget.grant.each;
    if ($('grant-models').value.trim()) body.models = words($('grant-models').value);
    const ok = await submitting(form, async () => {
      if (!workspace) throw Object.assign(new Error('Name the workspace'), { issues: [{ path: 'workspace', message: 'is required' }] });
      await api('PUT', '/integrations/' + encodeURIComponent(grantTarget.integration) + '/workspaces/' + encodeURIComponent(workspace), body);
    });
    if (ok) {
      $('grant-dialog').close();
      await loadWorkspaces();
    }
  });
`;
