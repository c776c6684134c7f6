// The "New Batch from Data" form: column chips, the template fields, a live preview and estimate, Write.
import '../results/zodConfig';
import { sender } from '../vscodeApi';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import { FormSchema, HostMessageSchema, PROVIDERS, WebviewMessageSchema, parseMessage, type Field, type FieldError, type Form, type HostMessage, type Preview } from '../../shared/newBatchProtocol';
import { h, text, formatNumber } from '../results/dom';
import { countOf, formatMoney } from '../../core/format';

const send = sender(WebviewMessageSchema);

/** The preview follows typing after this pause: one host render per pause, not per key. */
const DEBOUNCE_MS = 300;

type ValueElement = HTMLElement & { value: string; invalid?: boolean };
interface TextareaElement extends ValueElement {
  wrappedElement: HTMLTextAreaElement;
}

const PROVIDER_LABELS: Record<(typeof PROVIDERS)[number], string> = { openai: 'OpenAI', anthropic: 'Anthropic', gemini: 'Gemini' };

const app = document.getElementById('app')!;
app.replaceChildren();
app.dataset.state = 'loading';

const errorEls = new Map<Field, HTMLElement>();
function fieldError(field: Field): HTMLElement {
  const el = h('div', { class: 'bw-field-error bw-hidden', role: 'alert', 'data-field': field });
  errorEls.set(field, el);
  return el;
}

function field(label: string, control: HTMLElement, name: Field, hint?: string): HTMLElement {
  return h('div', { class: 'bw-field' }, h('label', { class: 'bw-label' }, label), control, hint ? text('div', hint, 'bw-muted bw-hint') : null, fieldError(name));
}

const fileErrorEl = fieldError('file');
const titleEl = text('h1', 'New Batch from Data');
const chipsEl = h('div', { class: 'bw-chips', role: 'group', 'aria-label': 'Columns: click to insert into the focused template' });

const provider = h('vscode-single-select', { id: 'bw-provider', 'aria-label': 'Provider' }) as unknown as ValueElement;
for (const p of PROVIDERS) provider.append(h('vscode-option', { value: p }, PROVIDER_LABELS[p]));
const model = h('vscode-single-select', { id: 'bw-model', combobox: '', creatable: '', 'aria-label': 'Model' }) as unknown as ValueElement;
const system = h('vscode-textarea', { id: 'bw-system', rows: '3', resize: 'vertical', placeholder: 'Optional: You label customer reviews.', 'aria-label': 'System template' }) as unknown as TextareaElement;
const user = h('vscode-textarea', { id: 'bw-user', rows: '6', resize: 'vertical', placeholder: 'Classify this review: {{text}}', 'aria-label': 'User template' }) as unknown as TextareaElement;
const maxTokens = h('vscode-textfield', { id: 'bw-max-tokens', type: 'number', min: '1', 'aria-label': 'Max tokens' }) as unknown as ValueElement;
const idColumn = h('vscode-single-select', { id: 'bw-id-column', 'aria-label': 'custom_id from' }) as unknown as ValueElement;
const schema = h('vscode-textarea', { id: 'bw-schema', rows: '4', resize: 'vertical', placeholder: 'Optional JSON schema: {"type": "object", "properties": {...}}', 'aria-label': 'JSON schema' }) as unknown as TextareaElement;
const writeButton = h('vscode-button', { id: 'bw-write', title: 'Choose where to save, then write the request file and its source-row sidecar' }, 'Write Request File…');

const estimateEl = h('section', { class: 'bw-estimate', 'aria-live': 'polite' }, text('div', 'The estimate appears once the template renders.', 'bw-muted'));
const previewEl = h('section', { class: 'bw-preview', 'aria-live': 'polite' });
const skippedEl = h('section', { class: 'bw-skipped' });
const warningsEl = h('section', { class: 'bw-warnings' });

const form = h(
  'div',
  { class: 'bw-form' },
  h('div', { class: 'bw-field' }, h('label', { class: 'bw-label' }, 'Columns'), chipsEl, text('div', 'Click a column to insert its {{placeholder}} into the template you last focused.', 'bw-muted bw-hint')),
  h('div', { class: 'bw-row' }, field('Provider', provider, 'provider'), field('Model', model, 'model'), field('Max tokens', maxTokens, 'maxTokens')),
  field('System template', system, 'system'),
  field('User template', user, 'user'),
  field('custom_id from', idColumn, 'idColumn', 'A hash of the row is stable across runs; a column must be unique.'),
  field('JSON schema (structured output)', schema, 'schema'),
  h('div', { class: 'bw-actions' }, writeButton),
);
const side = h('div', { class: 'bw-side' }, text('h2', 'Estimate'), estimateEl, text('h2', 'Preview: the first rendered requests'), warningsEl, previewEl, skippedEl);
app.append(h('header', { class: 'bw-header' }, titleEl, fileErrorEl), h('div', { class: 'bw-main' }, form, side));

let lastTemplate: TextareaElement = user;
for (const t of [system, user]) t.addEventListener('focusin', () => (lastTemplate = t));

function insertPlaceholder(column: string): void {
  const area = lastTemplate.wrappedElement;
  const placeholder = `{{${column}}}`;
  const start = area?.selectionStart ?? lastTemplate.value.length;
  const end = area?.selectionEnd ?? start;
  const v = lastTemplate.value;
  lastTemplate.value = v.slice(0, start) + placeholder + v.slice(end);
  lastTemplate.focus();
  area?.setSelectionRange(start + placeholder.length, start + placeholder.length);
  changed();
}

function renderColumns(columns: string[]): void {
  if (!columns.length) {
    chipsEl.replaceChildren(text('span', 'No columns found.', 'bw-muted'));
    return;
  }
  chipsEl.replaceChildren(
    ...columns.map((c) => {
      const chip = h('vscode-button', { secondary: '', class: 'bw-chip', title: `Insert {{${c}}}` }, c);
      chip.addEventListener('click', () => insertPlaceholder(c));
      return chip;
    }),
  );
}

let models: Record<string, string[]> = {};
function renderModels(): void {
  const current = model.value;
  const list = models[provider.value] ?? [];
  model.replaceChildren(...[...new Set([...(current ? [current] : []), ...list])].map((m) => h('vscode-option', { value: m, ...(m === current ? { selected: '' } : {}) }, m)));
  if (current) model.value = current;
}

function renderIdColumns(columns: string[], selected: string): void {
  idColumn.replaceChildren(h('vscode-option', { value: '', ...(selected === '' ? { selected: '' } : {}) }, 'A hash of the row'), ...columns.map((c) => h('vscode-option', { value: c, ...(c === selected ? { selected: '' } : {}) }, `Column: ${c}`)));
  idColumn.value = selected;
}

function readForm(): Form | undefined {
  const r = FormSchema.safeParse({ provider: provider.value, model: model.value, system: system.value, user: user.value, maxTokens: String(maxTokens.value ?? ''), idColumn: idColumn.value, schema: schema.value });
  if (!r.success) console.error('batchwise: form not read:', r.error.message);
  return r.success ? r.data : undefined;
}

let requestId = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
function changed(): void {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const f = readForm();
    if (f) send({ type: 'change', requestId: ++requestId, form: f });
  }, DEBOUNCE_MS);
}
for (const el of [provider, model, idColumn]) el.addEventListener('change', changed);
for (const el of [system, user, maxTokens, schema]) el.addEventListener('input', changed);
provider.addEventListener('change', renderModels);
writeButton.addEventListener('click', () => {
  const f = readForm();
  if (f) send({ type: 'write', form: f });
});

function showErrors(errors: FieldError[]): void {
  for (const [name, el] of errorEls) {
    const mine = errors.filter((e) => e.field === name);
    el.textContent = mine.map((e) => e.message).join(' ');
    el.classList.toggle('bw-hidden', mine.length === 0);
  }
  const controls: Partial<Record<Field, ValueElement>> = { provider, model, system, user, maxTokens, idColumn, schema };
  for (const [name, c] of Object.entries(controls)) c.invalid = errors.some((e) => e.field === name);
}

function renderPreview(p: Preview | null): void {
  if (!p) {
    previewEl.replaceChildren(text('div', 'Fix the fields marked in the form to see the requests.', 'bw-muted'));
    skippedEl.replaceChildren();
    warningsEl.replaceChildren();
    estimateEl.replaceChildren(text('div', 'No estimate until the template renders.', 'bw-muted'));
    return;
  }
  previewEl.replaceChildren(
    ...(p.requests.length
      ? p.requests.map((r) => h('div', { class: 'bw-request' }, text('div', `Row ${formatNumber(r.row)} → ${r.customId}`, 'bw-request-title'), text('pre', r.json, 'bw-json')))
      : [text('div', 'None of the rows read renders a request: see the skipped rows below.', 'bw-muted')]),
  );
  skippedEl.replaceChildren(...(p.skipped.length ? [text('h3', `Skipped (${countOf(p.skipped.length, 'row')} of those read)`), h('ul', {}, ...p.skipped.map((s) => text('li', `Row ${formatNumber(s.row)}: ${s.reason}`)))] : []));
  warningsEl.replaceChildren(...p.warnings.map((w) => text('div', w, 'bw-warning')));
  const e = p.estimate;
  if (!e) {
    estimateEl.replaceChildren(text('div', 'No rows to estimate from.', 'bw-muted'));
    return;
  }
  const about = e.rowsExact ? '' : 'about ';
  estimateEl.replaceChildren(
    h(
      'div',
      { class: 'bw-stats' },
      stat('requests', `${about}${formatNumber(e.requests)}`),
      stat('input tokens', `${about}${formatNumber(e.inputTokens)}`),
      stat('output tokens at most', formatNumber(e.outputTokensMax)),
      stat('batch cost at most', formatMoney(e.batchCost)),
      stat('standard cost at most', formatMoney(e.standardCost)),
    ),
    text(
      'div',
      `An estimate: ${e.tokenMethod === 'exact' ? 'input tokens counted with the model’s tokenizer' : 'input tokens approximated from characters'} over the first ${countOf(e.sampledRows, 'row')}, scaled to ${about}${countOf(e.rows, 'row')}; every reply counted at max tokens; ${e.priceNote}.`,
      'bw-muted',
    ),
  );
}

function stat(label: string, value: string): HTMLElement {
  return h('div', { class: 'bw-stat' }, text('div', value, 'bw-stat-value'), text('div', label, 'bw-stat-label'));
}

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case 'init':
      app.dataset.state = 'ready';
      titleEl.textContent = `New Batch from ${m.fileName}`;
      models = m.models;
      renderColumns(m.columns);
      provider.value = m.form.provider;
      model.value = m.form.model;
      renderModels();
      system.value = m.form.system;
      user.value = m.form.user;
      maxTokens.value = m.form.maxTokens;
      renderIdColumns(m.columns, m.form.idColumn);
      schema.value = m.form.schema;
      send({ type: 'change', requestId: ++requestId, form: m.form });
      return;
    case 'preview':
      // An answer to an older change than the last one sent is stale; -1 answers a Write.
      if (m.requestId !== -1 && m.requestId !== requestId) return;
      app.dataset.preview = m.preview?.requests.length ? 'ready' : 'empty';
      showErrors(m.errors);
      if (m.requestId !== -1) renderPreview(m.preview);
      return;
    case 'writing':
      writeButton.toggleAttribute('disabled', m.busy);
      return;
    case 'error': {
      const el = errorEls.get(m.field ?? 'file')!;
      el.textContent = m.message;
      el.classList.remove('bw-hidden');
      return;
    }
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = parseMessage(HostMessageSchema, e.data, (r) => console.error('batchwise: ignored message:', r));
  if (m) onMessage(m);
});
send({ type: 'ready' });
