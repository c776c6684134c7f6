import type { Query, Row, SortKey } from '../../shared/resultsProtocol';
import { PAGE_SIZE } from '../../shared/resultsProtocol';
import { h, text, formatNumber } from './dom';

export const ROW_HEIGHT = 24;
const OVERSCAN = 10;

interface Column {
  key: SortKey | 'input' | 'output';
  label: string;
  sortable: boolean;
}
const COLUMNS: Column[] = [
  { key: 'line', label: '#', sortable: true },
  { key: 'customId', label: 'custom_id', sortable: true },
  { key: 'outcome', label: 'outcome', sortable: true },
  { key: 'input', label: 'input', sortable: false },
  { key: 'output', label: 'output', sortable: false },
  { key: 'tokens', label: 'tokens', sortable: true },
];

export interface TableHost {
  requestPage(requestId: number, query: Query, offset: number, count: number): void;
  onSelect(row: Row, open: boolean): void;
  /** The query, scroll position or selection changed: what the panel saves to come back to. */
  onViewChange?(view: TableView): void;
}

export interface TableView {
  query: Query;
  scrollTop: number;
  selected?: number;
}

/**
 * A virtualized grid: fixed row height, a spacer as tall as all rows, and only the rows in view (plus a few)
 * in the DOM. Rows arrive in pages of PAGE_SIZE from the host; a page is asked for when it scrolls into view.
 */
export class VirtualTable {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly headerCells = new Map<string, HTMLElement>();
  private readonly countLabel: HTMLElement;
  private pages = new Map<number, Row[]>();
  private pending = new Set<number>();
  private generation = 0;
  private total = 0;
  private selected = -1;
  /** A saved view waiting for its rows: scroll there and select the row once they arrive. */
  private restoring: TableView | undefined;
  private viewTimer: ReturnType<typeof setTimeout> | undefined;
  query: Query = { filter: 'all', search: '', sort: { key: 'line', dir: 'asc' } };

  constructor(private readonly host: TableHost) {
    this.countLabel = text('span', '', 'bw-count');
    const head = h('div', { class: 'bw-row bw-head', role: 'row' });
    for (const c of COLUMNS) {
      const cell = h('div', { class: `bw-cell bw-col-${c.key}`, role: 'columnheader' }, c.label);
      if (c.sortable) {
        cell.classList.add('bw-sortable');
        cell.tabIndex = 0;
        cell.title = `Sort by ${c.label}`;
        const sort = () => this.toggleSort(c.key as SortKey);
        cell.addEventListener('click', sort);
        cell.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), sort()));
      }
      this.headerCells.set(c.key, cell);
      head.append(cell);
    }
    this.spacer = h('div', { class: 'bw-spacer' });
    this.viewport = h('div', { class: 'bw-viewport', tabindex: '0', role: 'rowgroup', 'aria-label': 'Results rows' }, this.spacer);
    this.element = h('div', { class: 'bw-table', role: 'grid', 'aria-label': 'Results' }, head, this.viewport);
    this.viewport.addEventListener('scroll', () => {
      this.render();
      this.viewChanged();
    });
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.render()).observe(this.viewport);
    this.updateSortIndicators();
  }

  get countElement(): HTMLElement {
    return this.countLabel;
  }

  /** A new query (filter, search, sort) or new data: drop every page, keep the scroll at the top. */
  reset(query?: Query): void {
    if (query) this.query = query;
    this.generation++;
    this.pages.clear();
    this.pending.clear();
    this.selected = -1;
    this.restoring = undefined;
    this.viewport.scrollTop = 0;
    this.updateSortIndicators();
    this.fetch(0);
    this.viewChanged();
  }

  /** Back to a saved view (the tab was hidden and shown again): its query, then its scroll and row once rows come. */
  restore(view: TableView): void {
    this.query = view.query;
    this.generation++;
    this.pages.clear();
    this.pending.clear();
    this.selected = -1;
    this.restoring = view;
    this.updateSortIndicators();
    this.fetch(0);
    this.fetch(Math.floor(view.scrollTop / ROW_HEIGHT / PAGE_SIZE));
  }

  /** Debounced: scrolling fires often, the saved state needs only where it ended. */
  private viewChanged(): void {
    if (!this.host.onViewChange || this.restoring) return;
    clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => this.host.onViewChange?.({ query: this.query, scrollTop: this.viewport.scrollTop, ...(this.selected >= 0 ? { selected: this.selected } : {}) }), 100);
  }

  /** Data changed underneath (a retry finished): reload the pages in view, keep the scroll and selection. */
  refresh(): void {
    this.generation++;
    this.pages.clear();
    this.pending.clear();
    this.render();
    if (this.total === 0) this.fetch(0);
  }

  private fetch(page: number): void {
    if (this.pages.has(page) || this.pending.has(page)) return;
    this.pending.add(page);
    this.host.requestPage(this.generation * 100_000 + page, this.query, page * PAGE_SIZE, PAGE_SIZE);
  }

  /** A page from the host; stale pages (an older query) are dropped. */
  receive(requestId: number, total: number, offset: number, rows: Row[]): void {
    if (Math.floor(requestId / 100_000) !== this.generation) return;
    const page = Math.floor(offset / PAGE_SIZE);
    this.pending.delete(page);
    this.pages.set(page, rows);
    this.total = total;
    this.countLabel.textContent = `${formatNumber(total)} row${total === 1 ? '' : 's'}`;
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    const restoring = this.restoring;
    if (restoring) {
      this.restoring = undefined;
      this.viewport.scrollTop = restoring.scrollTop;
      if (restoring.selected !== undefined && restoring.selected < total) {
        this.selected = restoring.selected;
        const selectedPage = Math.floor(restoring.selected / PAGE_SIZE);
        // The row's page may not be here yet: the detail opens when it is.
        if (this.pages.has(selectedPage)) this.reselect();
        else this.reselectPending = true;
      }
    } else if (this.reselectPending && this.pages.has(Math.floor(this.selected / PAGE_SIZE))) {
      this.reselect();
    }
    this.render();
  }

  private reselectPending = false;

  private reselect(): void {
    this.reselectPending = false;
    const row = this.rowAt(this.selected);
    if (row) this.host.onSelect(row, false);
  }

  rowAt(pos: number): Row | undefined {
    return this.pages.get(Math.floor(pos / PAGE_SIZE))?.[pos % PAGE_SIZE];
  }

  private render(): void {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.total, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const nodes: HTMLElement[] = [];
    for (let pos = first; pos < last; pos++) {
      const row = this.rowAt(pos);
      if (!row) this.fetch(Math.floor(pos / PAGE_SIZE));
      nodes.push(this.rowElement(pos, row));
    }
    this.spacer.replaceChildren(...nodes);
  }

  private rowElement(pos: number, row: Row | undefined): HTMLElement {
    const el = h('div', { class: 'bw-row', role: 'row', 'aria-rowindex': String(pos + 1) });
    el.style.transform = `translateY(${pos * ROW_HEIGHT}px)`;
    if (!row) {
      el.append(text('div', '…', 'bw-cell bw-loading'));
      return el;
    }
    el.dataset.outcome = row.outcome;
    if (pos === this.selected) {
      el.classList.add('bw-selected');
      el.setAttribute('aria-selected', 'true');
    }
    const cells = [
      text('div', String(row.line), 'bw-cell bw-col-line'),
      text('div', row.customId || '(no id)', 'bw-cell bw-col-customId'),
      h(
        'div',
        { class: 'bw-cell bw-col-outcome' },
        text('span', row.outcome + (row.attempt > 1 ? ` ·${row.attempt}` : ''), `bw-outcome bw-outcome-${row.outcome}`),
        row.quality ? text('span', ` ⚠ ${row.quality.replace('_', ' ')}`, 'bw-quality') : null,
      ),
      text('div', row.input, 'bw-cell bw-col-input'),
      text('div', row.output, 'bw-cell bw-col-output'),
      text('div', row.tokens === null ? '' : formatNumber(row.tokens), 'bw-cell bw-col-tokens'),
    ];
    // A space between cells (not rendered by the grid) keeps the row's text content readable as words:
    // "2 req-2 errored", not "2req-2errored", for screen readers, copy and text search.
    cells.forEach((c, i) => el.append(...(i ? [' ', c] : [c])));
    for (const c of cells) c.setAttribute('role', 'gridcell');
    el.title = row.customId;
    el.addEventListener('click', () => this.select(pos, true));
    return el;
  }

  select(pos: number, open: boolean): void {
    if (this.total === 0) return;
    this.selected = Math.max(0, Math.min(this.total - 1, pos));
    const rowTop = this.selected * ROW_HEIGHT;
    if (rowTop < this.viewport.scrollTop) this.viewport.scrollTop = rowTop;
    else if (rowTop + ROW_HEIGHT > this.viewport.scrollTop + this.viewport.clientHeight) this.viewport.scrollTop = rowTop + ROW_HEIGHT - this.viewport.clientHeight;
    this.render();
    const row = this.rowAt(this.selected);
    if (row) this.host.onSelect(row, open);
    this.viewChanged();
  }

  focus(): void {
    this.viewport.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.key in moves) this.select(this.selected < 0 ? 0 : this.selected + moves[e.key]!, false);
    else if (e.key === 'Home') this.select(0, false);
    else if (e.key === 'End') this.select(this.total - 1, false);
    else if (e.key === 'Enter') this.select(this.selected < 0 ? 0 : this.selected, true);
    else return;
    e.preventDefault();
  }

  private toggleSort(key: SortKey): void {
    const cur = this.query.sort;
    const dir = cur.key === key && cur.dir === 'asc' ? 'desc' : 'asc';
    this.reset({ ...this.query, sort: { key, dir } });
  }

  private updateSortIndicators(): void {
    for (const [key, cell] of this.headerCells) {
      const active = this.query.sort.key === key;
      cell.setAttribute('aria-sort', active ? (this.query.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
      cell.dataset.sort = active ? this.query.sort.dir : '';
    }
  }
}
