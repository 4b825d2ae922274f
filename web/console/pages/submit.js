// zhisuan console: submit and quote, quoted live as the spec is typed.

import { state, L, el, api, errorBox, show, registry } from '../core.js';
import { drawQuote } from '../widgets.js';

const EXAMPLE = `# Fine-tune on 8 domestic or NVIDIA accelerators: 4 hours on 8 A100s, data in Beijing.
name: finetune-demo
kind: train
devices: 8
accelerator:
  models: [huawei-ascend-910b, nvidia-a800-sxm-80gb, nvidia-h20]
work: {reference_hours: 4, reference: nvidia-a100-sxm-80gb}
data: {size_gb: 200, province: beijing}
`;

export async function submitView() {
  const text = el('textarea', { id: 'spec-input', spellcheck: 'false', 'aria-label': 'job spec' });
  text.value = sessionStorage.getItem('zhisuan.draft') || EXAMPLE;
  const objective = el('select', { id: 'objective' }, ['cost', 'carbon', 'energy', 'time'].map((o) => el('option', { value: o }, o)));
  const quoteBox = el('div', { id: 'quote' });
  const submitButton = el('button', { id: 'submit', class: 'primary', disabled: !state.token }, 'Submit');
  const result = el('div', { id: 'submit-result' });
  show(el('h1', {}, L('Submit and quote')),
    el('div', { class: 'row' },
      el('div', { class: 'panel' }, el('p', { class: 'note' }, 'A job spec in YAML or JSON. It is quoted on the live network as you type.'), text,
        el('div', { class: 'filters' }, 'Objective ', objective, submitButton, state.token ? null : el('span', { class: 'note' }, 'sign in to submit')), result),
      el('div', { class: 'panel' }, quoteBox)));
  let timer = null, seq = 0;
  try { await registry(); } catch { /* the quote still shows without its map */ }
  const quote = async () => {
    const mine = ++seq;
    sessionStorage.setItem('zhisuan.draft', text.value);
    try {
      const q = await api(`/api/v1/quote?top=5&explain=true&objective=${objective.value}`, { method: 'POST', body: text.value, type: 'application/yaml' });
      if (mine !== seq) return;
      drawQuote(quoteBox, q);
    } catch (e) {
      if (mine !== seq) return;
      for (const ch of state.charts) ch.dispose();
      state.charts = [];
      quoteBox.replaceChildren(el('h2', {}, 'Quote'), errorBox(e));
    }
  };
  text.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(quote, 350); });
  objective.addEventListener('change', quote);
  submitButton.addEventListener('click', async () => {
    try {
      const job = await api('/api/v1/jobs', { method: 'POST', body: text.value, type: 'application/yaml' });
      location.hash = '#/jobs/' + job.id;
    } catch (e) { result.replaceChildren(errorBox(e)); }
  });
  await quote();
}
