// The HTML shell every webview of this extension loads: a strict CSP (nothing but our own bundle, run by
// nonce; styles and fonts only from the extension), one stylesheet, one script, no inline code. Model
// text never goes into this HTML; the webview receives it by postMessage and renders it as text.

import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  /** `webview.cspSource`: the origin allowed to serve styles, fonts and images. */
  readonly cspSource: string;
  readonly nonce: string;
  /** `asWebviewUri` of the bundle and its stylesheet. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly title: string;
  /** The id of the element the bundle renders into (`ir` for the IR view). */
  readonly rootId: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for element content and double-quoted attribute values (the only kind this page uses). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ESCAPES[c]!);
}

/**
 * NOTE: styles may also come from a `<style>` carrying the nonce: the toolkit's FAST utilities append an
 * empty one to feature-detect :focus-visible and take the nonce from `<meta property="csp-nonce">`.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function webviewHtml(p: WebviewPage): string {
  const csp = contentSecurityPolicy(p.cspSource, p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta property="csp-nonce" content="${escapeHtml(p.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(p.styleUri)}">
<title>${escapeHtml(p.title)}</title>
</head>
<body>
<div id="${escapeHtml(p.rootId)}"></div>
<script nonce="${escapeHtml(p.nonce)}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
