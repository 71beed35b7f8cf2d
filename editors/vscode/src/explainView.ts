/**
 * The explanation panel: one webview beside the editor showing the server's explanation
 * Markdown, rendered by VS Code's built-in Markdown renderer (plain text if it is missing).
 */
import * as vscode from 'vscode';
import { summarize } from './explanation';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export class ExplainView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  async show(markdown: string): Promise<void> {
    let body: string;
    try {
      body = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
    } catch {
      body = `<pre>${escapeHtml(markdown)}</pre>`;
    }
    const summary = summarize(markdown);
    const title = summary ? `Lanes: ${summary.name ?? `Lane ${summary.lane}`}` : 'Lanes';
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('lanes.explanation', title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableFindWidget: true });
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    this.panel.title = title;
    this.panel.webview.html = `<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 1em; line-height: 1.5; }
  code { font-family: var(--vscode-editor-font-family); background: var(--vscode-textCodeBlock-background); padding: 0 .2em; }
  h3 { border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: .3em; }
</style></head>
<body class="lanes-explanation">${body}</body></html>`;
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
