// Playwright helpers for the VS Code web workbench (code-server 4.139 / VS Code 1.139) in Debian's
// Chromium. Selectors and the reasons behind the retries are in docs/e2e.md. playwright-core has no
// `expect`, so every wait here is an explicit poll with a deadline and a message that says what was
// awaited.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium, type FrameLocator, type Locator, type Page } from 'playwright-core';

/** The Chromium flags the project's browser tests use: headless, offline, no first-run work. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function launchBrowser(executablePath: string, profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 860 },
    timeout: 60_000,
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value other than undefined; throws `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** Opens the workbench on `folder` and waits until the explorer shows `firstFile`. */
export async function openWorkbench(page: Page, url: string, folder: string, firstFile: string): Promise<void> {
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`, { timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await explorerRow(page, firstFile).waitFor({ timeout: 60_000 });
}

export function explorerRow(page: Page, fileName: string): Locator {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${fileName}"]`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The open context menu's entries (labels without their keybindings). */
function contextMenuItems(page: Page): Locator {
  return page.locator('.context-view .monaco-menu a.action-menu-item[role=menuitem] .action-label');
}

/** An entry of the open context menu by its exact label. */
export function contextMenuItem(page: Page, label: string): Locator {
  return page.locator('.context-view .monaco-menu a.action-menu-item[role=menuitem]', { has: page.locator('.action-label', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) });
}

/**
 * Right-clicks a file in the explorer and returns the context menu's labels, once the menu holds
 * `expected` (or after `tries` menus without it). A menu that is already open never gains the items of
 * an extension that registers later, so the menu is closed and opened again until they show up.
 * The menu is left open.
 */
export async function openExplorerContextMenu(page: Page, fileName: string, expected: string | undefined, tries = 30): Promise<string[]> {
  let items: string[] = [];
  for (let i = 0; i < tries; i++) {
    await explorerRow(page, fileName).click({ button: 'right' });
    // A built-in entry says the menu is open.
    await contextMenuItem(page, 'Copy Path').waitFor({ timeout: 10_000 });
    const end = Date.now() + 1000;
    do {
      items = (await contextMenuItems(page).allTextContents()).map((t) => t.trim());
      if (expected === undefined || items.includes(expected)) return items;
      await sleep(100);
    } while (Date.now() < end);
    await closeMenu(page);
  }
  return items;
}

/**
 * Clicks an entry of the open context menu, again until the menu closes: a click that comes right after
 * the menu opened was seen to do nothing (the menu seems to ignore an early mouse-up).
 */
export async function clickContextMenuItem(page: Page, label: string): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu');
  for (let i = 0; i < 10; i++) {
    await contextMenuItem(page, label).click({ timeout: 10_000 });
    const closed = await menu.waitFor({ state: 'detached', timeout: 1000 }).then(
      () => true,
      () => false,
    );
    if (closed) return;
  }
  throw new Error(`the context menu stayed open after 10 clicks on "${label}"`);
}

export async function closeMenu(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.context-view .monaco-menu').waitFor({ state: 'detached', timeout: 10_000 });
}

/** An editor tab by its title. */
export function editorTab(page: Page, title: string): Locator {
  return page.locator('.tabs-container .tab', { hasText: title });
}

/**
 * The content frame of the webview that holds `selector`. A webview is an iframe (`iframe.webview.ready`)
 * whose document holds the extension's page in a second iframe, `#active-frame`; several webviews can
 * exist at once, so each is searched.
 */
export async function findWebview(page: Page, selector: string, timeoutMs: number): Promise<FrameLocator> {
  return waitUntil(`a webview holding ${selector}`, timeoutMs, async () => {
    const hosts = page.locator('iframe.webview.ready');
    const n = await hosts.count();
    for (let i = 0; i < n; i++) {
      const inner = hosts.nth(i).contentFrame().locator('#active-frame').contentFrame();
      if ((await inner.locator(selector).count()) > 0) return inner;
    }
    return undefined;
  });
}

/** Types `text` into the open quick input and clicks the entry whose label is exactly `label`. */
async function pickQuickInput(page: Page, text: string, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(text);
  const entry = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) });
  await entry.first().click({ timeout: 10_000 });
}

/** Runs a command from the command palette by its label ("Category: Title"). */
export async function runCommand(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  await pickQuickInput(page, `>${label}`, label);
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

/**
 * Picks a colour theme by its label ("Light Modern") with Preferences: Color Theme, which writes the
 * user setting `workbench.colorTheme`. (Writing settings.json from outside does not work: code-server's
 * web workbench does not reload user settings changed on disk.)
 */
export async function selectColorTheme(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  await pickQuickInput(page, '>Preferences: Color Theme', 'Preferences: Color Theme');
  // The widget comes back with the installed themes.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor({ timeout: 10_000 });
  await pickQuickInput(page, label, label);
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Opens the Problems panel (Ctrl+Shift+M toggles it, so only when it is not showing) and returns its rows. */
export async function openProblems(page: Page): Promise<Locator> {
  if (!(await page.locator('.markers-panel').isVisible())) await page.keyboard.press('Control+Shift+M');
  const rows = page.locator('.markers-panel .monaco-list-row');
  await rows.first().waitFor({ timeout: 10_000 });
  return rows;
}

/** A view's tab in the bottom panel (Problems, Output, …, or an extension's WebviewView) by its title. */
export function panelTab(page: Page, title: string): Locator {
  return page.getByRole('tab', { name: title });
}

/** Waits until the workbench paints with a dark (`vs-dark`) or light (`vs`) theme. */
export async function waitForWorkbenchTheme(page: Page, kind: 'dark' | 'light', timeoutMs: number): Promise<void> {
  const cls = kind === 'dark' ? 'vs-dark' : 'vs';
  await waitUntil(`the workbench's ${kind} theme`, timeoutMs, async () => {
    const classes = ((await page.locator('.monaco-workbench').getAttribute('class')) ?? '').split(/\s+/);
    return classes.includes(cls) ? true : undefined;
  });
}

/** Saves a screenshot of one part of the workbench (e.g. `.part.panel`, webviews included) as <dir>/<name>.png. */
export async function screenshotOf(part: Locator, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await part.screenshot({ path, animations: 'disabled' });
  return path;
}

/** Saves a full-window screenshot (webviews included) as <dir>/<name>.png and returns its path. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  return path;
}
