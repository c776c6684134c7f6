// The dashboard front end: filters, headline cards, charts (each with a table), top errors, running jobs.
import '../results/zodConfig';
import { sender, vscode } from '../vscodeApi';
import {
  DashboardHostMessageSchema,
  DashboardStateSchema,
  DashboardWebviewMessageSchema,
  PeriodSchema,
  type DashboardFilter,
  type DashboardView,
  type JobGroup,
  type Period,
} from '../../shared/dashboardProtocol';
import { parseMessage } from '../../shared/resultsProtocol';
import { ProviderIdSchema, type ProviderId } from '../../core/status';
import { countOf, formatMoney, formatTurnaround } from '../../core/format';
import { h, text, formatNumber } from '../results/dom';
import { Chart, readTheme, themed, type ChartConfiguration, type Theme } from './charts';

const send = sender(DashboardWebviewMessageSchema);

const PERIODS: { value: Period; label: string }[] = [
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: 'all', label: 'All time' },
];

const saved = DashboardStateSchema.safeParse(vscode.getState());
let filter: DashboardFilter = saved.success ? saved.data.filter : { period: '30d' };
let view: DashboardView | undefined;
let theme: Theme = readTheme();
const charts: Chart[] = [];

const app = document.getElementById('app')!;
app.replaceChildren();
const periodSelect = h('select', { 'aria-label': 'Period', id: 'bw-period' });
for (const p of PERIODS) periodSelect.append(h('option', { value: p.value }, p.label));
const providerSelect = h('select', { 'aria-label': 'Provider', id: 'bw-provider' });
const pipelineSelect = h('select', { 'aria-label': 'Pipeline', id: 'bw-pipeline' });
const pipelineLabel = h('label', { for: 'bw-pipeline' }, 'Pipeline ');
const banner = h('div', { class: 'bw-banner bw-hidden', role: 'alert' });
const content = h('main', { class: 'bw-content', 'aria-live': 'polite' });
app.append(
  h('header', { class: 'bw-toolbar' }, h('h1', {}, 'Batchwise Dashboard'), h('label', { for: 'bw-period' }, 'Period '), periodSelect, h('label', { for: 'bw-provider' }, 'Provider '), providerSelect, pipelineLabel, pipelineSelect),
  banner,
  content,
);

function setFilter(next: DashboardFilter): void {
  filter = next;
  vscode.setState({ filter });
  send({ type: 'filter', filter });
}
periodSelect.addEventListener('change', () => {
  const p = PeriodSchema.safeParse(periodSelect.value);
  if (p.success) setFilter({ ...filter, period: p.data });
});
providerSelect.addEventListener('change', () => {
  const p = ProviderIdSchema.safeParse(providerSelect.value);
  const { provider: _, ...rest } = filter;
  setFilter(p.success ? { ...rest, provider: p.data } : rest);
});
pipelineSelect.addEventListener('change', () => {
  const { pipeline: _, ...rest } = filter;
  setFilter(pipelineSelect.value ? { ...rest, pipeline: pipelineSelect.value } : rest);
});

const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(1)}%`);

function card(label: string, value: string, note?: string): HTMLElement {
  return h('div', { class: 'bw-card', role: 'group', 'aria-label': `${label}: ${value}${note ? `, ${note}` : ''}` }, text('div', label, 'bw-card-label'), text('div', value, 'bw-card-value'), note ? text('div', note, 'bw-card-note') : null);
}

function cards(v: DashboardView): HTMLElement {
  const c = v.cards;
  return h(
    'section',
    { class: 'bw-cards', 'aria-label': 'Headline figures' },
    card('Jobs', formatNumber(c.jobs), Object.entries(c.byStatus).map(([k, n]) => `${n} ${k}`).join(', ')),
    card('Lines', formatNumber(c.requests), `${formatNumber(c.succeeded)} succeeded, ${formatNumber(c.failed)} failed${c.processing ? `, ${formatNumber(c.processing)} running` : ''}`),
    card('Success rate', pct(c.successRate)),
    card('Cost (batch rate)', formatMoney(c.costUsd), c.jobsWithoutCost ? `${countOf(c.jobsWithoutCost, 'job')} without a known cost` : undefined),
    card('Saved vs standard', formatMoney(c.savedUsd), `standard ${formatMoney(c.standardCostUsd)}`),
    card('Month to date', formatMoney(c.monthToDateUsd), v.budget),
    card('Turnaround', `${formatTurnaround(c.turnaroundMedian)} median`, `p90 ${formatTurnaround(c.turnaroundP90)}`),
    card('Flagged lines', formatNumber(c.flaggedLines), Object.entries(c.flagged).map(([k, n]) => `${n} ${k}`).join(', ') || undefined),
  );
}

/** A table of the chart's numbers: the accessible form of every chart, open by a <details>. */
function tableOf(caption: string, head: string[], rows: (string | HTMLElement)[][]): HTMLElement {
  return h(
    'details',
    { class: 'bw-table-fallback' },
    h('summary', {}, `${caption} as a table`),
    h('table', {}, h('caption', {}, caption), h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c)))))),
  );
}

function jobLink(id: string): HTMLElement {
  const a = h('a', { href: '#', class: 'bw-job-link', title: `Open the results of ${id}` }, id);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    send({ type: 'openJob', jobId: id });
  });
  return a;
}

function groupLink(label: string, group: JobGroup): HTMLElement {
  const a = h('a', { href: '#', class: 'bw-job-link', title: `Show the jobs of ${label}` }, label);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    send({ type: 'showJobs', group });
  });
  return a;
}

type DashboardChart = ChartConfiguration<'bar' | 'line', (number | null)[], string>;

function chartSection(title: string, describe: string, config: (t: Theme) => DashboardChart, table: HTMLElement): HTMLElement {
  const canvas = h('canvas', { role: 'img', 'aria-label': `${title}: ${describe}` });
  const section = h('section', { class: 'bw-chart' }, h('h2', {}, title), h('div', { class: 'bw-canvas' }, canvas), table);
  charts.push(new Chart(canvas, themed(config(theme), theme)));
  return section;
}

function spendChart(v: DashboardView): HTMLElement {
  const days = [...new Set(v.spendPerDay.map((s) => s.day))];
  const providers = [...new Set(v.spendPerDay.map((s) => s.provider))];
  const amount = (day: string, p: ProviderId) => v.spendPerDay.find((s) => s.day === day && s.provider === p)?.costUsd ?? 0;
  return chartSection(
    'Spend per day',
    `batch-rate cost by day, stacked by provider, ${countOf(days.length, 'day')}`,
    (t) => ({
      type: 'bar',
      data: { labels: days, datasets: providers.map((p, i) => ({ label: p, data: days.map((d) => amount(d, p)), backgroundColor: t.series[i % t.series.length] })) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { callback: (n) => formatMoney(Number(n)) } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label ?? ''}: ${formatMoney(Number(c.raw))}` } } },
        onClick: (_e, els) => {
          const el = els[0];
          if (el) send({ type: 'showJobs', group: { kind: 'day', day: days[el.index]!, provider: providers[el.datasetIndex]! } });
        },
      },
    }),
    tableOf('Spend per day', ['Day', 'Provider', 'Cost'], v.spendPerDay.map((s) => [groupLink(s.day, { kind: 'day', day: s.day, provider: s.provider }), s.provider, formatMoney(s.costUsd)])),
  );
}

function requestsChart(v: DashboardView): HTMLElement {
  const labels = v.days.map((d) => d.day);
  return chartSection(
    'Requests and success rate',
    `lines requested per day and the share that succeeded, ${countOf(labels.length, 'day')}`,
    (t) => ({
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'Lines', data: v.days.map((d) => d.requests), backgroundColor: t.series[0], yAxisID: 'y', order: 1 },
          { type: 'line', label: 'Success rate (%)', data: v.days.map((d) => (d.successRate === null ? null : Math.round(d.successRate * 1000) / 10)), borderColor: t.green, backgroundColor: t.green, yAxisID: 'rate', order: 0, pointRadius: 5, pointBorderColor: t.background },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true }, rate: { position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false } } },
        onClick: (_e, els) => {
          const el = els[0];
          if (el) send({ type: 'showJobs', group: { kind: 'day', day: labels[el.index]! } });
        },
      },
    }),
    tableOf('Requests and success rate', ['Day', 'Jobs', 'Lines', 'Succeeded', 'Failed', 'Success rate'], v.days.map((d) => [groupLink(d.day, { kind: 'day', day: d.day }), formatNumber(d.jobs), formatNumber(d.requests), formatNumber(d.succeeded), formatNumber(d.failed), pct(d.successRate)])),
  );
}

function turnaroundChart(v: DashboardView): HTMLElement {
  const labels = v.turnaroundBy.map((g) => g.key);
  // Batches take seconds on the emulator and hours at a provider: the unit follows the longest.
  const longest = Math.max(0, ...v.turnaroundBy.map((g) => g.max));
  const [unit, per] = longest < 120 ? ['s', 1] : longest < 7200 ? ['min', 60] : ['h', 3600];
  const inUnit = (s: number) => Math.round((s / per) * 100) / 100;
  return chartSection(
    'Turnaround by provider and model',
    `median, p90 and longest time from submit to results, in ${unit === 'h' ? 'hours' : unit === 'min' ? 'minutes' : 'seconds'}, ${countOf(labels.length, 'group')}`,
    (t) => ({
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: `Median (${unit})`, data: v.turnaroundBy.map((g) => inUnit(g.median)), backgroundColor: t.series[0] },
          { label: `p90 (${unit})`, data: v.turnaroundBy.map((g) => inUnit(g.p90)), backgroundColor: t.series[1] },
          { label: `Longest (${unit})`, data: v.turnaroundBy.map((g) => inUnit(g.max)), backgroundColor: t.series[3] },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: 'y',
        onClick: (_e, els) => {
          const el = els[0];
          if (el) send({ type: 'showJobs', group: { kind: 'turnaround', key: labels[el.index]! } });
        },
      },
    }),
    tableOf('Turnaround', ['Provider and model', 'Jobs', 'Median', 'p90', 'Longest'], v.turnaroundBy.map((g) => [groupLink(g.key, { kind: 'turnaround', key: g.key }), formatNumber(g.jobs), formatTurnaround(g.median), formatTurnaround(g.p90), formatTurnaround(g.max)])),
  );
}

function topErrors(v: DashboardView): HTMLElement {
  if (!v.topErrors.length) return h('section', { class: 'bw-errors' }, h('h2', {}, 'Top errors'), text('p', 'No errors in this period.', 'bw-muted'));
  return h(
    'section',
    { class: 'bw-errors' },
    h('h2', {}, 'Top errors'),
    h(
      'table',
      { class: 'bw-errors-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Error'), h('th', { scope: 'col' }, 'Lines'), h('th', { scope: 'col' }, 'Jobs'))),
      h('tbody', {}, ...v.topErrors.map((e) => h('tr', {}, h('td', { class: 'bw-error-message' }, e.message), h('td', {}, formatNumber(e.count)), h('td', { class: 'bw-job-links' }, ...e.jobs.flatMap((id, i) => (i ? [' ', jobLink(id)] : [jobLink(id)])))))),
    ),
  );
}

function running(v: DashboardView): HTMLElement {
  if (!v.running.length) return h('section', { class: 'bw-running' }, h('h2', {}, 'Running'), text('p', 'No jobs running.', 'bw-muted'));
  return h(
    'section',
    { class: 'bw-running' },
    h('h2', {}, 'Running'),
    h(
      'ul',
      {},
      ...v.running.map((r) =>
        h(
          'li',
          {},
          jobLink(r.id),
          ' ',
          text('span', r.name, 'bw-run-name'),
          ' ',
          h('progress', { max: String(Math.max(1, r.total)), value: String(r.done), 'aria-label': `${r.name}: ${r.done} of ${r.total} lines done` }),
          ' ',
          text('span', `${formatNumber(r.done)} / ${formatNumber(r.total)}${r.etaSeconds !== null ? `, about ${formatTurnaround(r.etaSeconds)} left` : ''}`, 'bw-muted'),
        ),
      ),
    ),
  );
}

function render(v: DashboardView): void {
  for (const c of charts.splice(0)) c.destroy();
  periodSelect.value = v.filter.period;
  providerSelect.replaceChildren(h('option', { value: '' }, 'All providers'), ...v.providers.map((p) => h('option', { value: p }, p)));
  providerSelect.value = v.filter.provider ?? '';
  // Pipeline names are the user's text: option labels are set as text, never as markup.
  pipelineSelect.replaceChildren(h('option', { value: '' }, 'All pipelines'), ...v.pipelines.map((p) => h('option', { value: p }, p)));
  pipelineSelect.value = v.filter.pipeline ?? '';
  const noPipelines = v.pipelines.length === 0 && !v.filter.pipeline;
  pipelineSelect.classList.toggle('bw-hidden', noPipelines);
  pipelineLabel.classList.toggle('bw-hidden', noPipelines);
  app.dataset.state = 'ready';
  if (!v.cards.jobs) {
    content.replaceChildren(cards(v), text('p', 'No jobs in this period yet. Submit a batch (or run the sandbox) and it shows here.', 'bw-muted'));
    return;
  }
  content.replaceChildren(
    cards(v),
    v.problems ? text('p', `${countOf(v.problems, 'job file')} could not be read and are left out (see Batchwise: Show Log).`, 'bw-muted') : '',
    h('div', { class: 'bw-charts' }, spendChart(v), requestsChart(v), turnaroundChart(v)),
    topErrors(v),
    running(v),
  );
}

/** A theme change (body class vscode-light / vscode-dark / vscode-high-contrast): re-read the colours, redraw. */
new MutationObserver(() => {
  theme = readTheme();
  if (view) render(view);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

window.addEventListener('message', (event: MessageEvent) => {
  const m = parseMessage(DashboardHostMessageSchema, event.data, (r) => console.error('batchwise: ignored a message:', r));
  if (!m) return;
  if (m.type === 'error') {
    banner.textContent = m.message;
    banner.classList.remove('bw-hidden');
    return;
  }
  banner.classList.add('bw-hidden');
  view = m.view;
  render(m.view);
});

vscode.setState({ filter });
send({ type: 'ready', filter });
