// The one HTML shell for Headwater's webviews: a strict CSP with a fresh nonce, the bundle's script
// and stylesheet from dist/media, and an empty #app the front end fills (data only ever as text).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: 'sample' | 'profile' | 'drift', title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const media = vscode.Uri.joinPath(extensionUri, 'dist', 'media');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, `${bundle}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, `${bundle}.css`));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${title}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
