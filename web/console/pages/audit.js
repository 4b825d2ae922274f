// zhisuan console: the audit log (operators).

import { fmt } from '../lib.js';
import { state, L, el, api, errorBox, show, table } from '../core.js';
import { needToken } from '../widgets.js';

export async function auditView() {
  if (!state.token) return show(el('h1', {}, L('Audit')), needToken());
  const action = el('select', { id: 'audit-action' }, ['', 'job.submit', 'job.cancel', 'token.create', 'token.revoke', 'tenant.limits', 'quota.set', 'center.drain', 'center.undrain'].map((a) => el('option', { value: a }, a || 'any action')));
  const holder = el('div');
  show(el('h1', {}, L('Audit')), el('p', { class: 'note' }, 'Every state-changing call, who made it from where, and its result. Append-only.'), el('div', { class: 'filters' }, action), holder);
  const after = [0];
  const load = async () => {
    const q = new URLSearchParams({ limit: '100', after: String(after[after.length - 1]) });
    if (action.value) q.set('action', action.value);
    try {
      const r = await api('/api/v1/audit?' + q);
      holder.replaceChildren(table([
        { key: 'seq', label: L('Seq'), num: true },
        { key: 'at', label: L('At'), render: (e) => fmt.time(e.at) },
        { key: 'who', label: L('Who'), render: (e) => `${e.by.tenant || '–'} (${e.by.role}, ${e.by.token_id})`, sort: (e) => e.by.tenant },
        { key: 'from', label: L('From'), render: (e) => e.by.remote, sort: (e) => e.by.remote },
        { key: 'action', label: L('Action') },
        { key: 'target', label: L('Target') },
        { key: 'result', label: L('Result') },
        { key: 'detail', label: L('Detail') },
      ], r.entries, { id: 'audit-table' }), el('div', { class: 'filters' },
        el('button', { disabled: after.length <= 1, onclick: () => { after.pop(); load(); } }, '← Earlier'),
        el('button', { disabled: r.next_after === null, onclick: () => { after.push(r.next_after); load(); } }, 'Later →')));
    } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  action.addEventListener('change', () => { after.length = 1; load(); });
  await load();
}
