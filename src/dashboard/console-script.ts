/**
 * What every view of the page shares, run in the browser: element helpers, the admin API client,
 * the caller (`api/me`, which decides which controls exist), the views' routing by `#hash`, the
 * confirmation dialog, errors shown next to the form that caused them (each field the API names
 * marked `aria-invalid`), the limits fields, and the panel that shows a new token once.
 *
 * Text goes into the page with `textContent` only, never as HTML: names are the config's and the
 * admins', and a page must not run them. Plain ES2020 in a string (no template literals inside:
 * this is one), so the package serves it with no build step of the user's.
 */
export const CONSOLE_SCRIPT = String.raw`
  const $ = (id) => document.getElementById(id);
  const base = location.pathname.replace(/\/+$/, '');
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const row = (cells) => {
    const tr = el('tr');
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', c));
    return tr;
  };
  const fill = (body, rows, empty, columns) => {
    body.replaceChildren(...rows);
    if (rows.length === 0) {
      const td = el('td', empty, 'empty');
      td.colSpan = columns || 1;
      body.appendChild(row([td]));
    }
  };
  const button = (label, name, onClick) => {
    const b = el('button', label);
    b.type = 'button';
    if (name) b.setAttribute('aria-label', name);
    b.addEventListener('click', onClick);
    return b;
  };
  /** A cell of controls (a row's actions). */
  const cell = (...children) => {
    const td = el('td', undefined, 'actions');
    for (const c of children) if (c) td.appendChild(c);
    return td;
  };
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'never');
  const list = (items) => (items && items.length ? items.join(', ') : '');
  const money = (n) => '$' + (n < 1 ? n.toFixed(4) : n.toFixed(2));
  const budgetText = (b) => (b.type === 'cost' ? money(b.limit) : b.limit.toLocaleString('en-US') + ' tokens') + (b.reset && b.reset !== 'none' ? ' ' + b.reset : '') + (b.models ? ' (' + b.models.join(', ') + ')' : '');
  const rateText = (r) => r.limit.toLocaleString('en-US') + ' ' + r.type + (r.per ? ' per ' + r.per : ' at once');
  const limitsText = (scope) => [...(scope.budgets || []).map(budgetText), ...(scope.rateLimits || []).map(rateText)].join('; ') || 'none';

  /** The admin API: JSON in and out; a refusal throws an Error with the API's message, status and issues. */
  async function api(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: {} };
    if (method !== 'GET') init.headers['content-type'] = 'application/json';
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(base + '/api' + path, init);
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const error = new Error((data && data.error && data.error.message) || 'HTTP ' + res.status);
      error.status = res.status;
      error.issues = (data && data.error && data.error.issues) || [];
      throw error;
    }
    return data;
  }

  /** The caller: { actor, role, workspaces }. A control its role may not use is not made at all. */
  let me = { actor: null, role: 'viewer', workspaces: [] };
  const can = {
    admin: () => me.role === 'admin',
    keysOf: (workspace) => me.role === 'admin' || (me.role === 'manager' && me.workspaces.includes(workspace)),
    anyKeys: () => me.role === 'admin' || me.role === 'manager',
  };

  /** Errors next to the form that caused them: the message, each issue with its field, the fields marked. */
  function clearError(form) {
    form.querySelector('.errors').replaceChildren();
    for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
  }
  function showError(form, error) {
    clearError(form);
    const box = form.querySelector('.errors');
    box.appendChild(el('p', error.message));
    const issues = error.issues || [];
    if (issues.length) {
      const ul = el('ul');
      for (const issue of issues) ul.appendChild(el('li', (issue.path || '(request)') + ': ' + issue.message));
      box.appendChild(ul);
    }
    const fields = [...form.querySelectorAll('[data-field]')];
    for (const issue of issues) {
      // The field whose name is the longest start of the issue's path (budgets[0].alertThresholds[1] -> budgets[0].alertThresholds).
      const match = fields.filter((f) => issue.path === f.dataset.field || (issue.path || '').startsWith(f.dataset.field + '.') || (issue.path || '').startsWith(f.dataset.field + '['))
        .sort((a, b) => b.dataset.field.length - a.dataset.field.length)[0];
      if (match) match.setAttribute('aria-invalid', 'true');
    }
  }
  /** Runs a form's action: its errors shown next to it, its submit button disabled meanwhile. */
  async function submitting(form, action) {
    clearError(form);
    const submit = form.querySelector('[type=submit]');
    if (submit) submit.disabled = true;
    try {
      await action();
      return true;
    } catch (error) {
      showError(form, error);
      return false;
    } finally {
      if (submit) submit.disabled = false;
    }
  }

  const words = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);
  /** The budget and rate limit of a limits fieldset (see limitFields), as the API takes them. */
  function limitsFrom(prefix) {
    const v = (name) => $(prefix + '-' + name).value.trim();
    const out = { budgets: [], rateLimits: [] };
    if (v('budget-type')) {
      const budget = { type: v('budget-type'), limit: Number(v('budget-limit')), reset: v('budget-reset') };
      if (v('budget-alerts')) budget.alertThresholds = words(v('budget-alerts')).map(Number);
      out.budgets.push(budget);
    }
    if (v('rate-type')) {
      const rate = { type: v('rate-type'), limit: Number(v('rate-limit')) };
      if (v('rate-type') !== 'concurrency') rate.per = v('rate-per');
      out.rateLimits.push(rate);
    }
    return out;
  }
  function fillLimits(prefix, scope) {
    const set = (name, value) => ($(prefix + '-' + name).value = value === undefined || value === null ? '' : String(value));
    const b = (scope.budgets || [])[0];
    set('budget-type', b ? b.type : '');
    set('budget-limit', b ? b.limit : '');
    set('budget-reset', b ? b.reset || 'none' : 'none');
    set('budget-alerts', b ? (b.alertThresholds || (b.alertThreshold !== undefined ? [b.alertThreshold] : [])).join(', ') : '');
    const r = (scope.rateLimits || [])[0];
    set('rate-type', r ? r.type : '');
    set('rate-limit', r ? r.limit : '');
    set('rate-per', r && r.per ? r.per : 'minute');
  }

  /**
   * Asks before a change that cannot be undone: resolves with true, or false when cancelled. With
   * 'grace', the dialog also asks for a grace period and resolves with the seconds given.
   */
  function confirmChange(title, message, confirmLabel, grace) {
    const dialog = $('confirm-dialog');
    $('confirm-title').textContent = title;
    $('confirm-message').textContent = message;
    $('confirm-ok').textContent = confirmLabel;
    $('confirm-grace-field').hidden = !grace;
    $('confirm-grace').value = '0';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm' ? (grace ? Math.max(0, Number($('confirm-grace').value) || 0) : true) : false), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
    });
  }

  /** Shows a new token once, to copy; Done takes it out of the page. */
  function showToken(title, token) {
    $('token-title').textContent = title;
    $('token-value').value = token;
    $('token-copied').textContent = '';
    $('token-panel').hidden = false;
    $('token-value').focus();
    $('token-value').select();
  }
  $('token-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('token-value').value);
      $('token-copied').textContent = 'Copied.';
    } catch (e) {
      $('token-value').select();
      $('token-copied').textContent = 'Select the token and copy it (the clipboard is not available here).';
    }
  });
  $('token-done').addEventListener('click', () => {
    $('token-value').value = '';
    $('token-panel').hidden = true;
  });

  /** The views, by the name in the page's #hash: each shows itself (and loads what it lists). */
  const views = {};
  const VIEW_NAMES = ['overview', 'keys', 'integrations', 'workspaces', 'audit'];
  function route() {
    const name = VIEW_NAMES.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'overview';
    for (const view of VIEW_NAMES) {
      $('view-' + view).hidden = view !== name;
      const link = $('nav-' + view);
      if (view === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    views[name].show().catch((e) => ($('view-status').textContent = String(e.message || e)));
  }
`;

/** Starts the page once every view is defined: who the caller is, then the view of the #hash. */
export const CONSOLE_START = String.raw`
  window.addEventListener('hashchange', route);
  api('GET', '/me').then(
    (caller) => {
      me = caller;
      $('signed-in').textContent = (caller.actor || 'signed in') + ' (' + caller.role + ')';
      route();
    },
    (e) => ($('view-status').textContent = String(e.message || e)),
  );
`;
