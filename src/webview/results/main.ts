// The results panel front end: a header, a toolbar, a virtualized table paged from the host, a detail pane.
import './zodConfig';
import { sender, vscode } from '../vscodeApi';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import {
  FilterSchema,
  HostMessageSchema,
  PanelStateSchema,
  WebviewMessageSchema,
  parseMessage,
  type Filter,
  type Header,
  type HostMessage,
  type PanelSource,
  type PanelState,
  type Row,
} from '../../shared/resultsProtocol';
import { h, text, formatNumber } from './dom';
import { countOf, formatMoney, formatTurnaround } from '../../core/format';
import { errorGroupLabel } from '../../core/results/summary';
import { VirtualTable } from './table';
import { renderDetail } from './detail';

const send = sender(WebviewMessageSchema);

const FILTERS: { value: Filter; label: string }[] = [
  { value: 'all', label: 'All outcomes' },
  { value: 'failed', label: 'Failed' },
  { value: 'succeeded', label: 'Succeeded' },
  { value: 'errored', label: 'Errored' },
  { value: 'expired', label: 'Expired' },
  { value: 'canceled', label: 'Canceled' },
  { value: 'missing', label: 'Missing' },
  { value: 'flagged', label: 'Succeeded but flagged' },
  { value: 'truncated', label: 'Truncated (hit the token limit)' },
  { value: 'empty', label: 'Empty answer' },
  { value: 'refused', label: 'Refused' },
];

const app = document.getElementById('app')!;
app.replaceChildren();
app.dataset.state = 'loading';
const headerEl = h('header', { class: 'bw-header' }, text('div', 'Loading results…', 'bw-muted'));
const errorEl = h('div', { class: 'bw-banner bw-hidden', role: 'alert' });
/** What a (re)load is doing, with a bar when the count is known; the actions wait meanwhile. */
const progressEl = h('div', { class: 'bw-progress bw-hidden', role: 'status', 'aria-live': 'polite' });
const detailEl = h('aside', { class: 'bw-detail', 'aria-label': 'Selected row', tabindex: '-1' }, text('div', 'Select a row (click, or ↑/↓ and Enter) to see its input, output and diff.', 'bw-muted'));

let detailTimer: ReturnType<typeof setTimeout> | undefined;
let shownDetail = -1;
/** What was saved when the tab was last shown: the view comes back as the user left it. */
const saved = PanelStateSchema.safeParse(vscode.getState());
let panelState: Partial<PanelState> = saved.success ? saved.data : {};
function saveState(change: Partial<PanelState>): void {
  panelState = { ...panelState, ...change };
  vscode.setState(panelState);
}

const table = new VirtualTable({
  requestPage: (requestId, query, offset, count) => send({ type: 'query', requestId, query, offset, count }),
  onViewChange: (view) => saveState({ query: view.query, scrollTop: view.scrollTop, selected: view.selected }),
  onSelect: (row: Row, open: boolean) => {
    clearTimeout(detailTimer);
    // Arrow keys move fast through rows: the detail follows after a pause; Enter and clicks open at once.
    detailTimer = setTimeout(() => send({ type: 'detail', index: row.index }), open ? 0 : 150);
    if (open) pendingFocus = true;
  },
});
let pendingFocus = false;

const filterSelect = h('vscode-single-select', { id: 'bw-filter', 'aria-label': 'Filter by outcome', title: 'Filter by outcome' });
for (const f of FILTERS) filterSelect.append(h('vscode-option', { value: f.value, ...(f.value === 'all' ? { selected: '' } : {}) }, f.label));
filterSelect.addEventListener('change', () => {
  const v = FilterSchema.safeParse((filterSelect as unknown as { value: string }).value);
  if (v.success) table.reset({ ...table.query, filter: v.data });
});

const search = h('vscode-textfield', { id: 'bw-search', placeholder: 'Search custom_id and text', 'aria-label': 'Search custom_id and text' });
let searchTimer: ReturnType<typeof setTimeout> | undefined;
search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => table.reset({ ...table.query, search: String((search as unknown as { value: string }).value ?? '').slice(0, 500) }), 250);
});

const resubmit = h('vscode-button', { id: 'bw-resubmit', title: 'Send the original lines of the failed rows again as a retry job' }, 'Resubmit Failed');
resubmit.addEventListener('click', () => send({ type: 'resubmitFailed' }));
const exportJsonl = h('vscode-button', { secondary: '', title: 'Export the merged results as JSONL' }, 'Export JSONL');
exportJsonl.addEventListener('click', () => send({ type: 'export', format: 'jsonl' }));
const exportCsv = h('vscode-button', { secondary: '', title: 'Export the merged results as CSV' }, 'Export CSV');
exportCsv.addEventListener('click', () => send({ type: 'export', format: 'csv' }));

const toolbar = h('div', { class: 'bw-toolbar', role: 'toolbar' }, filterSelect, search, table.countElement, h('span', { class: 'bw-grow' }), resubmit, exportJsonl, exportCsv);
app.append(headerEl, errorEl, progressEl, toolbar, h('div', { class: 'bw-main' }, table.element, detailEl));

function stat(label: string, value: string, cls = ''): HTMLElement {
  return h('div', { class: `bw-stat ${cls}` }, text('div', value, 'bw-stat-value'), text('div', label, 'bw-stat-label'));
}

let canResubmit = false;
/** Actions work on loaded data only: disabled from the start and while rows (re)load. */
function setBusy(busy: boolean): void {
  resubmit.toggleAttribute('disabled', busy || !canResubmit);
  exportJsonl.toggleAttribute('disabled', busy);
  exportCsv.toggleAttribute('disabled', busy);
  app.dataset.busy = busy ? 'true' : 'false';
}
setBusy(true);

function showProgress(message: string, done?: number, total?: number): void {
  const bar = h('progress', { 'aria-label': message, ...(total ? { max: String(total), value: String(Math.min(done ?? 0, total)) } : {}) });
  const line = h('div', { class: 'bw-progress-line' }, bar, text('span', message, 'bw-muted'));
  // Before the first data the progress is the header; on a reload it shows under the header that stays.
  if (app.dataset.state === 'ready') {
    progressEl.replaceChildren(line);
    progressEl.classList.remove('bw-hidden');
  } else {
    app.dataset.state = 'loading';
    headerEl.replaceChildren(line);
  }
  setBusy(true);
}

function showLoadFailed(message: string): void {
  progressEl.classList.add('bw-hidden');
  const retry = h('vscode-button', { id: 'bw-retry-load', title: 'Load the results again' }, 'Try Again');
  retry.addEventListener('click', () => send({ type: 'reload' }));
  const box = h('div', { class: 'bw-load-failed', role: 'alert' }, text('p', message), retry);
  if (app.dataset.state === 'ready') {
    // The rows shown are the last ones loaded: the actions stay usable on them.
    errorEl.replaceChildren(box);
    errorEl.classList.remove('bw-hidden');
    setBusy(false);
  } else {
    app.dataset.state = 'error';
    headerEl.replaceChildren(box);
  }
}

function renderHeader(hd: Header, source: PanelSource): void {
  const counts = h('div', { class: 'bw-stats' }, stat('lines', formatNumber(hd.total)));
  for (const o of ['succeeded', 'errored', 'expired', 'canceled', 'missing'] as const) {
    const n = hd.counts[o] ?? 0;
    if (n > 0 || o === 'succeeded') counts.append(stat(o, formatNumber(n), `bw-stat-${o}`));
  }
  // Succeeded, but not usable as they are: counted apart so they are not taken for good answers.
  for (const [q, n] of Object.entries(hd.flagged)) if (n) counts.append(stat(q.replace('_', ' '), formatNumber(n), 'bw-stat-flagged'));
  const tokens = `${formatNumber(hd.inputTokens)} in / ${formatNumber(hd.outputTokens)} out`;
  const cost = hd.actualCost === null ? 'unknown price' : `${formatMoney(hd.actualCost, hd.currency)} (standard ${formatMoney(hd.standardCost, hd.currency)})`;
  const facts = h('div', { class: 'bw-stats' }, stat('tokens', tokens), stat('actual cost at batch rate', cost), stat('turnaround', formatTurnaround(hd.turnaroundSeconds)));
  const title = h('div', { class: 'bw-title' }, text('h1', hd.title), text('span', hd.subtitle, 'bw-muted'));
  const parts: Node[] = [title, counts, facts];
  if (hd.jobs.length > 1) {
    parts.push(h('div', { class: 'bw-chain' }, text('span', 'Chain: ', 'bw-muted'), ...hd.jobs.map((j) => text('span', `${j.attempt === 1 ? 'original' : `retry ${j.attempt - 1}`} (${j.status}${j.downloaded ? '' : ', not downloaded'})`, 'bw-chip'))));
  }
  if (hd.topErrors.length) {
    parts.push(h('div', { class: 'bw-errors' }, text('h3', 'Top errors'), h('ol', {}, ...hd.topErrors.map((e) => h('li', {}, text('span', `${errorGroupLabel(e)}: `, 'bw-count-x'), text('code', e.code ?? ''), ` ${e.message}`)))));
  }
  if (hd.duplicates || hd.unmatched) parts.push(text('div', `${countOf(hd.duplicates, 'duplicate result line')} (a success wins over an error); ${countOf(hd.unmatched, 'result')} for ids not in the input.`, 'bw-muted'));
  if (hd.notice) parts.push(text('div', hd.notice, 'bw-notice'));
  headerEl.replaceChildren(...parts);
  // Truncated and empty answers can go again too (with a raised token limit): the label counts them apart.
  const tooShort = (hd.flagged.truncated ?? 0) + (hd.flagged.empty ?? 0);
  resubmit.textContent = tooShort ? `Resubmit (${formatNumber(hd.failed)} failed, ${formatNumber(tooShort)} truncated or empty)` : `Resubmit Failed (${formatNumber(hd.failed)})`;
  canResubmit = hd.canResubmit;
  setBusy(false);
  const isFile = source.kind === 'file';
  resubmit.classList.toggle('bw-hidden', isFile);
  exportJsonl.classList.toggle('bw-hidden', isFile);
  exportCsv.classList.toggle('bw-hidden', isFile);
  app.dataset.state = 'ready';
  document.title = `Results: ${hd.title}`;
}

function onHostMessage(m: HostMessage): void {
  switch (m.type) {
    case 'header':
      saveState({ source: m.source });
      errorEl.classList.add('bw-hidden');
      progressEl.classList.add('bw-hidden');
      renderHeader(m.header, m.source);
      return;
    case 'invalidate':
      table.refresh();
      if (shownDetail >= 0) send({ type: 'detail', index: shownDetail });
      return;
    case 'reset':
      (filterSelect as unknown as { value: string }).value = 'all';
      (search as unknown as { value: string }).value = '';
      table.reset({ ...table.query, filter: 'all', search: '' });
      return;
    case 'rows':
      table.receive(m.requestId, m.total, m.offset, m.rows);
      return;
    case 'detail':
      shownDetail = m.detail.index;
      detailEl.replaceChildren(renderDetail(m.detail, { openDiff: (index) => send({ type: 'openDiff', index }), copy: (t) => send({ type: 'copy', text: t }) }));
      if (pendingFocus) {
        pendingFocus = false;
        detailEl.scrollTop = 0;
      }
      return;
    case 'progress':
      showProgress(m.message, m.done, m.total);
      return;
    case 'loadFailed':
      showLoadFailed(m.message);
      return;
    case 'error':
      errorEl.textContent = m.message;
      errorEl.classList.remove('bw-hidden');
      if (app.dataset.state === 'loading') app.dataset.state = 'error';
      return;
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = parseMessage(HostMessageSchema, e.data, (r) => console.error('batchwise: ignored a malformed message from the host:', r));
  if (m) onHostMessage(m);
});

const savedQuery = panelState.query;
if (savedQuery) {
  (filterSelect as unknown as { value: string }).value = savedQuery.filter;
  (search as unknown as { value: string }).value = savedQuery.search;
  table.restore({ query: savedQuery, scrollTop: panelState.scrollTop ?? 0, ...(panelState.selected !== undefined ? { selected: panelState.selected } : {}) });
} else {
  table.reset();
}
send({ type: 'ready' });
table.focus();
