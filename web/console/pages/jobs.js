// zhisuan console: the jobs table and a job's page (facts, cost, decision, the network now, history, logs, cancel).

import { fmt } from '../lib.js';
import { state, L, el, api, stateBadge, errorBox, show, disposeCharts, every, followLive } from '../core.js';
import { factList, jobsTable, needToken, breakdownChart, drawQuote } from '../widgets.js';

export async function jobsView(params) {
  if (!state.token) return show(el('h1', {}, L('Jobs')), needToken());
  const stateSelect = el('select', { id: 'job-state' }, ['', 'pending', 'placed', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled', 'requeued'].map((s) => el('option', { value: s }, s || 'any state')));
  stateSelect.value = params.get('state') || '';
  const tenant = el('input', { id: 'job-tenant', placeholder: 'tenant', value: params.get('tenant') || '' });
  const holder = el('div');
  show(el('h1', {}, L('Jobs')), el('div', { class: 'filters' }, stateSelect, state.who && state.who.role === 'operator' ? tenant : null), holder);
  const after = [0];
  const load = async () => {
    const q = new URLSearchParams({ limit: '100' });
    if (stateSelect.value) q.set('state', stateSelect.value);
    if (tenant.value.trim()) q.set('tenant', tenant.value.trim());
    if (after[after.length - 1]) q.set('after', String(after[after.length - 1]));
    try {
      const r = await api('/api/v1/jobs?' + q);
      holder.replaceChildren(jobsTable(r.jobs), el('div', { class: 'filters' },
        el('button', { disabled: after.length <= 1, onclick: () => { after.pop(); load(); } }, '← Newer'),
        el('button', { id: 'next-page', disabled: r.next_after === null, onclick: () => { after.push(r.next_after); load(); } }, 'Older →'),
        el('span', { class: 'note' }, `${r.jobs.length} jobs on this page`)));
    } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  stateSelect.addEventListener('change', () => { after.length = 1; load(); });
  tenant.addEventListener('change', () => { after.length = 1; load(); });
  await followLive(load, holder);
}

export async function jobView(id) {
  if (!state.token) return show(needToken());
  const holder = el('div');
  show(el('p', {}, el('a', { href: '#/jobs' }, '← Jobs')), holder);
  // The tail of the logs, fetched on demand, or on every refresh while "follow" is on (the job's own output as
  // its backend has it: the last 64 KB).
  let logs = null, follow = false;
  // The same spec quoted on the network now (POST /api/v1/quote, as the submit page does): the ranked
  // candidates with their costs, and every rejected center with its reason. Asked once as the page opens for
  // a job not yet ended, and again on the button; kept across the page's refreshes with its charts.
  const alternatives = el('div', { id: 'alternatives' });
  let quoted = false;
  const quoteNow = async (spec) => {
    quoted = true;
    alternatives.replaceChildren(el('p', { class: 'note' }, L('Quoting…')));
    try {
      const q = await api('/api/v1/quote?top=5&explain=true', { method: 'POST', body: spec, type: 'application/yaml' });
      drawQuote(alternatives, q);
    } catch (e) { disposeCharts(alternatives); alternatives.replaceChildren(errorBox(e)); }
  };
  const readLogs = async (jobId) => {
    try { logs = (await api(`/api/v1/jobs/${jobId}/logs`)) || '(empty)'; } catch (e) { logs = e.message; }
  };
  const load = async () => {
    let j;
    try { j = await api('/api/v1/jobs/' + encodeURIComponent(id)); } catch (e) { holder.replaceChildren(errorBox(e)); return; }
    const terminal = ['succeeded', 'failed', 'cancelled'].includes(j.state);
    if (follow && j.backend_id) await readLogs(j.id);
    const d = j.decision;
    const parts = [el('h1', {}, `Job ${j.id} `, stateBadge(j.state), ' ', el('span', { class: 'note' }, j.tenant))];
    if (j.waiting) {
      parts.push(el('div', { class: 'waiting', id: 'waiting' },
        el('strong', {}, j.waiting.position ? `Waiting: number ${j.waiting.position} in its pool's queue — ` : 'Waiting — '),
        el('code', {}, j.waiting.code), ': ', j.waiting.reason));
    }
    parts.push(el('div', { class: 'row' },
      el('div', { class: 'panel' }, factList([
        ['State', j.state], ['Message', j.message || '–'], ['Center', j.center || '–'], ['Accelerator', j.accelerator || '–'],
        ['Devices', String(j.devices || '–')], ['Backend', j.backend ? `${j.backend} ${j.backend_id || ''}` : '–'],
        ['Submitted', fmt.time(j.submitted_at)], ['Started', fmt.time(j.started_at)], ['Finished', fmt.time(j.finished_at)],
        ...(j.so_far ? [['Cost so far', `${fmt.cny(j.so_far.bill_cny)} (compute ${fmt.cny(j.so_far.price_cny)}, transfer ${fmt.cny(j.so_far.transfer_fee_cny)}) after ${fmt.n(j.so_far.hours, 2)} h of run, ${fmt.pct(j.so_far.of_estimate)} of the estimate; ${fmt.n(j.so_far.energy_kwh, 1)} kWh, ${fmt.n(j.so_far.carbon_kg, 1)} kg CO2`]] : []),
        ['Attempts', String(j.attempts)], ['Exit code', j.exit_code === null ? '–' : String(j.exit_code)],
        ['Bill', j.accounting ? `${fmt.fen(j.accounting.bill_fen)} (compute ${fmt.fen(j.accounting.price_fen)}, transfer ${fmt.fen(j.accounting.transfer_fee_fen)}); ${fmt.n(j.accounting.device_hours, 2)} device-h, ${fmt.n(j.accounting.energy_kwh, 1)} kWh, ${fmt.n(j.accounting.carbon_kg, 1)} kg CO2` : '–'],
      ], 'job-facts'), terminal ? null : el('p', {}, el('button', {
        id: 'cancel', class: 'danger', onclick: async () => {
          if (!confirm(`Cancel job ${j.id}?`)) return;
          try { await api('/api/v1/jobs/' + j.id, { method: 'DELETE' }); await load(); } catch (e) { holder.prepend(errorBox(e)); }
        },
      }, L('Cancel')))),
      el('div', { class: 'panel' }, el('h2', {}, L('History')), el('ol', { class: 'timeline', id: 'history' },
        j.history.map((h) => el('li', {}, el('strong', {}, h.state), ' ', el('span', { class: 'note' }, fmt.time(h.at)), el('br'), h.detail))))));
    if (d) {
      const node = el('div', { class: 'chart small', id: 'estimate' });
      parts.push(el('div', { class: 'panel' }, el('h2', {}, L('Placement decision')), el('p', { id: 'why' }, d.why || ''),
        factList([['Policy', d.policy], ['Center', d.center], ['Run', `${fmt.n(d.run_h, 2)} h`], ['Finish (estimate)', fmt.time(d.finish_at)]]), node));
      setTimeout(() => breakdownChart(node, [{ name: d.center, ...d.estimate }]), 0);
    }
    parts.push(el('div', { class: 'panel' }, el('h2', {}, L('On the network now')),
      el('p', { class: 'note' }, L('The decision above was made on the network as it was then; this quotes the same spec on the network as it is now (a running job\'s own devices count as busy).'), ' ',
        el('button', { id: 'quote-now', onclick: () => quoteNow(j.spec) }, L('Quote again'))), alternatives));
    if (!quoted && !terminal) quoteNow(j.spec);
    parts.push(el('div', { class: 'panel' }, el('h2', {}, L('Spec')), el('pre', { id: 'spec' }, j.spec)));
    const logBox = el('pre', { id: 'logs', class: 'logs' }, logs ?? '');
    parts.push(el('div', { class: 'panel' }, el('h2', {}, L('Logs')), el('div', { class: 'filters' },
      el('button', { id: 'load-logs', onclick: async () => { await readLogs(j.id); logBox.textContent = logs; } }, L('Show the tail')),
      el('label', {}, el('input', { type: 'checkbox', id: 'follow-logs', checked: follow,
        onchange: (e) => { follow = e.target.checked; if (follow) load(); } }), ' ', L('Follow (every 3 s while it runs)'))), logBox));
    if (!holder.isConnected) return;  // this view was replaced while it loaded
    disposeCharts(holder, alternatives);
    holder.replaceChildren(...parts);
    if (follow) logBox.scrollTop = logBox.scrollHeight;  // the newest lines in view
  };
  await load();
  every(3000, load, holder);
}
