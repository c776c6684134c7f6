// Drives the VS Code workbench (code-server in Chromium) the way a person does: keyboard, command palette,
// explorer and tree context menus, Problems panel, notifications, dialogs, and the DOM of webview frames.
// Selectors are text-based where possible (VS Code 1.139); every failure says what was expected and where the
// screenshot of that moment is.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** `home`: private HOME/XDG folders (Chromium writes crash reports and config there), from setup's isolatedHome(). */
export function launchBrowser(executablePath = process.env.CHROMIUM || '/usr/bin/chromium', home = {}) {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, env: { ...process.env, ...home } });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

/** An assertion failure from the UI: the message says what was expected and where the screenshot is. */
export class UiError extends Error {}

export class Workbench {
  /** @param {import('playwright-core').Page} page */
  constructor(page, { shotsDir, url }) {
    this.page = page;
    this.shotsDir = shotsDir;
    this.url = url;
    this.shotIndex = 0;
    mkdirSync(shotsDir, { recursive: true });
  }

  static async open(browser, { url, shotsDir }) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const wb = new Workbench(page, { shotsDir, url });
    page.on('pageerror', (e) => wb.pageErrors.push(e.message));
    await wb.load();
    return wb;
  }

  pageErrors = [];

  /** Loads the workbench URL and waits until the explorer lists the workspace. */
  async load() {
    await this.page.goto(this.url);
    await this.ready();
  }

  /** A fresh profile opens on the explorer; after a reload the window restores whichever view was open. */
  async ready({ explorer = true } = {}) {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    if (explorer) await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60000 });
    else await this.page.locator('.part.statusbar .statusbar-item').first().waitFor({ timeout: 60000 });
  }

  /** Reload the window (the browser's reload == Developer: Reload Window for code-server). */
  async reload() {
    await this.page.reload();
    await this.ready({ explorer: false });
  }

  /** Screenshot `NN-name.png` into the screenshots folder; returns its path. */
  async shot(name) {
    this.shotIndex += 1;
    const path = join(this.shotsDir, `${String(this.shotIndex).padStart(2, '0')}-${slug(name)}.png`);
    await this.page.screenshot({ path }).catch(() => {});
    return path;
  }

  /** Throws a UiError with a fresh screenshot. */
  async fail(expected, detail = '') {
    const path = await this.shot(`fail-${expected}`);
    throw new UiError(`expected: ${expected}${detail ? `\n  ${detail}` : ''}\n  screenshot: ${path}`);
  }

  /** Waits for `locator`; on timeout fails with `expected`. */
  async expectVisible(locator, expected, timeout = 15000) {
    try {
      await locator.first().waitFor({ state: 'visible', timeout });
      return locator.first();
    } catch {
      return this.fail(expected);
    }
  }

  async waitUntil(fn, expected, { timeout = 15000, interval = 250 } = {}) {
    const end = Date.now() + timeout;
    let last;
    while (Date.now() < end) {
      last = await fn().catch((e) => ({ error: e }));
      if (last && !last.error) return last;
      await sleep(interval);
    }
    return this.fail(expected, last?.error ? `last error: ${last.error.message}` : '');
  }

  // ---- keyboard, palette, quick input --------------------------------------------------------------------

  quickInput() {
    return this.page.locator('.quick-input-widget input');
  }

  /** Quick input rows whose label is exactly `label` (fuzzy matching lists similar entries too). */
  quickRow(label) {
    return this.page.locator('.quick-input-list .monaco-list-row').filter({
      has: this.page.locator('.monaco-highlighted-label', { hasText: new RegExp(`^\\s*${escapeRe(label)}\\s*$`) }),
    });
  }

  /** Opens the command palette with `>title` typed; returns the row of exactly that command (or fails). */
  async findCommand(title) {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    const input = this.quickInput();
    await input.waitFor({ state: 'visible', timeout: 15000 });
    await input.fill(`>${title}`);
    return this.expectVisible(this.quickRow(title), `command "${title}" in the command palette (extension active, command contributed?)`, 15000);
  }

  /** Runs a command from the palette by its full title, e.g. "Batchwise: Validate JSONL File". */
  async runCommand(title) {
    const row = await this.findCommand(title);
    await row.click();
  }

  async closeQuickInput() {
    if (await this.quickInput().isVisible().catch(() => false)) await this.page.keyboard.press('Escape');
  }

  /** After a journey: close a leftover dialog, menu or quick input so the next journey starts clean. */
  async resetUi() {
    for (let i = 0; i < 3; i++) {
      const open = await Promise.all([
        this.page.locator('.monaco-dialog-box').isVisible(),
        this.page.locator('.monaco-menu').first().isVisible(),
        this.quickInput().isVisible(),
        this.page.locator('.context-view .action-widget').first().isVisible(),
      ].map((p) => p.catch(() => false)));
      if (!open.some(Boolean)) return;
      await this.page.keyboard.press('Escape');
      await sleep(200);
    }
  }

  /** Quick fix entries containing `text`: Ctrl+. shows a menu in the Problems panel, the action widget in an editor. */
  codeAction(text) {
    return this.page.locator('.monaco-menu .action-item, .action-widget [role="option"], .context-view [role="option"]', { hasText: text });
  }

  /** If a quick pick is open, picks the row containing `text`; returns whether it did. */
  async pickIfAsked(text, timeout = 3000) {
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: text });
    try {
      await row.first().waitFor({ state: 'visible', timeout });
    } catch {
      return false;
    }
    await row.first().click();
    return true;
  }

  // ---- editors ---------------------------------------------------------------------------------------------

  /** Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor tab to be active. */
  async openFile(name) {
    // With a webview focused (the results panel), the first Ctrl+P can leave Quick Open inert for a moment:
    // a person presses it again, as this does.
    await this.waitUntil(async () => {
      await this.closeQuickInput();
      await this.page.keyboard.press('Control+P');
      await this.quickInput().waitFor({ state: 'visible', timeout: 5000 });
      await this.quickInput().fill(name, { timeout: 5000 });
      return true;
    }, `Quick Open (Ctrl+P) ready to type "${name}"`, { timeout: 30000, interval: 500 });
    const row = await this.expectVisible(
      this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }),
      `"${name}" in Quick Open (is it in the workspace?)`,
    );
    await row.click();
    await this.expectVisible(this.page.locator('.tabs-container .tab.active', { hasText: name }), `an active editor tab "${name}"`);
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15000 });
  }

  /** Moves the cursor with Go to Line (Ctrl+G). */
  async goToLine(line, column = 1) {
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await this.page.keyboard.press('Control+G');
    await this.quickInput().waitFor({ state: 'visible', timeout: 10000 });
    await this.quickInput().fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
  }

  /** Text of the active editor, as rendered (view lines, top of the file). */
  async editorText() {
    return this.page.locator('.editor-instance .monaco-editor .view-lines').first().innerText();
  }

  // ---- notifications, dialogs, status bar -----------------------------------------------------------------

  notification(text) {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text });
  }

  async waitForNotification(text, timeout = 20000) {
    const toast = await this.expectVisible(this.notification(text), `a notification matching ${text}`, timeout);
    await sleep(400); // toasts slide in: let the animation end before a screenshot
    return toast.innerText();
  }

  /**
   * A notification as the notification center lists it (same renderer as the toast): VS Code drops toasts that come
   * fast after one another (its spam protection), so a toast may never show, while the center has every one.
   */
  async centerNotification(re, expected, timeout = 60000) {
    const item = this.page.locator('.notifications-center .notification-list-item', { hasText: re }).first();
    return this.waitUntil(async () => {
      if (!(await this.page.locator('.notifications-center').isVisible())) await this.runCommand('Notifications: Show Notifications');
      await item.waitFor({ state: 'visible', timeout: 3000 });
      return item;
    }, expected, { timeout, interval: 500 });
  }

  async hideNotificationCenter() {
    if (await this.page.locator('.notifications-center').isVisible()) await this.runCommand('Notifications: Clear All Notifications');
  }

  async clearNotifications() {
    for (const btn of await this.page.locator('.notifications-toasts .codicon-notifications-clear, .notifications-toasts .codicon-close').all()) {
      await btn.click({ timeout: 1000 }).catch(() => {});
    }
  }

  /** A modal dialog (code-server renders them in the DOM): returns its text. */
  async waitForDialog(expected, timeout = 20000) {
    const box = await this.expectVisible(this.page.locator('.monaco-dialog-box'), expected, timeout);
    return box.innerText();
  }

  async clickDialogButton(label) {
    const btn = this.page.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: label });
    await (await this.expectVisible(btn, `a dialog button ${label}`)).click();
  }

  /** The status bar entry whose text matches `re`; returns its text. */
  async statusBarText(re, timeout = 15000) {
    const item = this.page.locator('.statusbar .statusbar-item', { hasText: re });
    return (await this.expectVisible(item, `a status bar item matching ${re}`, timeout)).innerText();
  }

  // ---- explorer and context menus --------------------------------------------------------------------------

  async showExplorer() {
    await this.page.keyboard.press('Control+Shift+E');
    await this.page.locator('.explorer-folders-view').waitFor({ timeout: 10000 });
  }

  explorerRow(name) {
    return this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);
  }

  /** Right-clicks a file in the explorer; returns the labels of the context menu. */
  async explorerContextMenu(name) {
    await this.showExplorer();
    const row = await this.expectVisible(this.explorerRow(name), `"${name}" in the explorer`);
    await row.click({ button: 'right' });
    return this.menuLabels();
  }

  async menuLabels() {
    await this.page.locator('.monaco-menu .action-item').first().waitFor({ timeout: 10000 });
    await sleep(300); // the menu fades in: let it finish before a screenshot
    return (await this.page.locator('.monaco-menu .action-item .action-label').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
  }

  async clickMenuItem(label) {
    const item = this.page.locator('.monaco-menu .action-item .action-label', { hasText: new RegExp(`^\\s*${escapeRe(label)}\\s*$`) });
    await (await this.expectVisible(item, `a context menu item "${label}"`)).click();
  }

  // ---- panels ----------------------------------------------------------------------------------------------

  /** Opens the Problems panel (Ctrl+Shift+M); returns the text of each marker row. */
  async problems() {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible().catch(() => false))) await this.page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ state: 'visible', timeout: 10000 });
    return (await panel.locator('.monaco-list-row').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
  }

  /** Problems rows of one file that contain `Ln N` (marker rows show "[Ln 3, Col 15]"). */
  problemRow(line, text) {
    return this.page.locator('.markers-panel .monaco-list-row', { hasText: new RegExp(`Ln ${line}\\b`) }).filter({ hasText: text ?? /./ });
  }

  // ---- Batchwise view ----------------------------------------------------------------------------------------

  activityIcon() {
    return this.page.locator('.activitybar .action-item a[aria-label^="Batchwise"], .activitybar .action-item .action-label[aria-label^="Batchwise"]');
  }

  /** Opens the Batchwise container (activity bar) and returns the Batches view pane. */
  async openBatchesView() {
    await this.expectVisible(this.activityIcon(), 'the Batchwise icon in the activity bar');
    const pane = this.batchesPane();
    // After a reload the side bar may be restored open while the view is still rendering: clicking the icon then
    // would close it. So click only while the Batchwise container is not the active one (its item not `checked`).
    const item = this.page.locator('.activitybar .action-item', { has: this.page.locator('[aria-label^="Batchwise"]') }).first();
    await this.waitUntil(async () => {
      if (await pane.locator('.pane-body').isVisible().catch(() => false)) return true;
      const active = /\bchecked\b/.test((await item.getAttribute('class', { timeout: 2000 }).catch(() => '')) ?? '');
      if (!active) await item.click({ timeout: 2000 });
      await pane.locator('.pane-body').waitFor({ state: 'visible', timeout: 3000 });
      return true;
    }, 'the Batches view open in the Batchwise side bar', { timeout: 30000, interval: 500 });
    return pane;
  }

  batchesPane() {
    return this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: /Batches/i }) });
  }

  /** Tree rows of the Batches view containing `text` (label = input file name; description = status). */
  treeRow(text) {
    return this.batchesPane().locator('.monaco-list-row', { hasText: text });
  }

  async treeRowText(text) {
    return (await this.treeRow(text).first().innerText()).replace(/\s+/g, ' ').trim();
  }

  // ---- webviews --------------------------------------------------------------------------------------------

  /**
   * The frame of a webview whose DOM matches `selector` (and text `text`): webviews are nested iframes, so
   * every frame of the page is searched.
   */
  async webviewFrame(selector, expected, { text, timeout = 30000 } = {}) {
    return this.waitUntil(async () => {
      for (const f of this.page.frames()) {
        if (f === this.page.mainFrame()) continue;
        const loc = text ? f.locator(selector, { hasText: text }) : f.locator(selector);
        if ((await loc.count().catch(() => 0)) > 0) return f;
      }
      throw new Error('no frame yet');
    }, expected, { timeout, interval: 500 });
  }
}

export function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
