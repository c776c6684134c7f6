import { diffWords } from 'diff';
import type { Detail } from '../../shared/resultsProtocol';
import { h, text, formatNumber } from './dom';
import { showBidiControls } from '../../core/safeText';

/** Beyond this many characters on either side the word diff is skipped (it is quadratic in the worst case). */
const DIFF_MAX_CHARS = 20_000;

export interface DetailActions {
  openDiff(index: number): void;
  copy(text: string): void;
}

/** The word-level diff between the input's last user text and the output: <del>/<ins> spans, text only. */
export function renderDiff(before: string, after: string): HTMLElement {
  const pre = h('pre', { class: 'bw-diff', 'aria-label': 'Word diff of input and output' });
  if (before.length > DIFF_MAX_CHARS || after.length > DIFF_MAX_CHARS) {
    pre.append(text('span', `Too long for an inline diff (${formatNumber(before.length)} / ${formatNumber(after.length)} characters): use Open in Diff Editor.`, 'bw-muted'));
    return pre;
  }
  for (const part of diffWords(before, after)) {
    const el = document.createElement(part.added ? 'ins' : part.removed ? 'del' : 'span');
    el.textContent = showBidiControls(part.value);
    pre.append(el);
  }
  return pre;
}

function section(title: string, ...body: (Node | null)[]): HTMLElement {
  const s = h('section', { class: 'bw-section' }, text('h3', title));
  for (const b of body) if (b) s.append(b);
  return s;
}

/** What a flagged succeeded line means for the user, per quality. */
const QUALITY_ADVICE: Record<NonNullable<Detail['quality']>['quality'], string> = {
  truncated: 'Truncated: the answer stopped at its token limit. Resend it with a higher max_tokens.',
  empty: 'Empty: the model returned no text (a reasoning model may have spent the whole budget thinking). Resend it with a higher token limit.',
  refused: 'Refused: the model or its safety filter declined. Resending it as it is will most likely be refused again.',
  invalid_json: 'Not valid JSON, although the request asked for JSON.',
  schema_mismatch: "Valid JSON that does not follow the request's schema.",
};

/** Disabled, and saying why, when there is nothing to copy (a failed line has no output). */
function copyButton(label: string, value: string, actions: DetailActions, missing: string): HTMLElement {
  const b = h('vscode-button', { secondary: '', title: value ? `Copy ${label}` : missing }, `Copy ${label}`);
  if (!value) b.setAttribute('disabled', '');
  else b.addEventListener('click', () => actions.copy(value));
  return b;
}

export function renderDetail(d: Detail, actions: DetailActions): HTMLElement {
  const root = h('div', { class: 'bw-detail-body', 'data-outcome': d.outcome });
  const title = h('div', { class: 'bw-detail-title' }, text('h2', d.customId || `line ${d.line}`), text('span', d.outcome, `bw-outcome bw-outcome-${d.outcome}`));
  const facts = [`line ${d.line}`, d.attempt > 1 ? `attempt ${d.attempt} (${d.jobId})` : d.jobId, d.usage ? `${formatNumber(d.usage.inputTokens)} in / ${formatNumber(d.usage.outputTokens)} out tokens` : '']
    .filter(Boolean)
    .join(' · ');
  const output = d.outputJson ?? d.output ?? '';
  const toolbar = h('div', { class: 'bw-actions' });
  const diffButton = h('vscode-button', { class: 'bw-open-diff', title: 'Open the input and output in VS Code\'s diff editor' }, 'Open in Diff Editor');
  if (d.output === undefined) diffButton.setAttribute('disabled', '');
  diffButton.addEventListener('click', () => actions.openDiff(d.index));
  toolbar.append(
    diffButton,
    copyButton('Output', output, actions, 'No output for this line'),
    copyButton('Input', d.lastUserText, actions, 'No user message in the input'),
    copyButton('custom_id', d.customId, actions, 'This line has no custom_id'),
  );
  root.append(title, text('div', facts, 'bw-muted'), toolbar);

  if (d.error) root.append(section('Error', text('pre', d.error, 'bw-error')));
  if (d.quality) root.append(section('Flagged', text('p', `${QUALITY_ADVICE[d.quality.quality]}${d.quality.reason ? ` (${d.quality.reason})` : ''}`, 'bw-flagged')));

  const convo = h('div', { class: 'bw-conversation' });
  for (const t of d.turns) {
    const turn = h('div', { class: `bw-turn bw-turn-${t.role.replace(/[^a-z_-]/gi, '')}` }, text('div', t.role, 'bw-role'), text('pre', t.text));
    for (const call of t.toolCalls ?? []) turn.append(text('div', 'tool call', 'bw-role bw-tool'), text('pre', call, 'bw-toolcall'));
    convo.append(turn);
  }
  if (!d.turns.length) convo.append(text('div', 'No input line for this row (a results file opened on its own).', 'bw-muted'));

  const out = h('div', { class: 'bw-output' });
  for (const [i, img] of (d.images ?? []).entries()) {
    // A data: URL built from a checked base64 string and a fixed image type: no markup from the provider.
    const el = h('img', { class: 'bw-image', alt: `Image ${i + 1} of the output`, src: `data:${img.mime};base64,${img.base64}` });
    out.append(el);
  }
  if (d.output === undefined && !d.images?.length) out.append(text('div', d.outcome === 'succeeded' ? '(empty output)' : 'No output for this line.', 'bw-muted'));
  else if (d.output !== undefined) out.append(text('pre', output, d.outputJson ? 'bw-json' : ''));
  if (d.schemaErrors) {
    out.append(
      d.schemaErrors.length === 0
        ? text('div', '✓ Follows the JSON schema of the request', 'bw-schema-ok')
        : h('div', { class: 'bw-schema-bad' }, text('div', `✗ Does not follow the JSON schema of the request (${d.schemaErrors.length}):`), h('ul', {}, ...d.schemaErrors.slice(0, 50).map((e) => text('li', e)))),
    );
  }
  root.append(h('div', { class: 'bw-pair' }, section('Input', convo), section('Output', out)));
  // The section is always there, so the pane keeps its layout from row to row; without both sides it says why.
  const diff =
    d.output !== undefined && d.lastUserText
      ? renderDiff(d.lastUserText, d.output)
      : h('pre', { class: 'bw-diff bw-diff-empty' }, text('span', d.output === undefined ? 'No output for this line, so nothing to compare with the input.' : 'No user message in the input to compare with.', 'bw-muted'));
  root.append(section('Diff: last user message → output', diff));
  if (d.raw !== undefined) {
    const raw = h('details', { class: 'bw-raw' }, text('summary', 'Raw provider result'), text('pre', d.raw));
    root.append(raw);
  }
  return root;
}
