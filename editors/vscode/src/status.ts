/**
 * The status bar item `$(shield) Lane 3`: the lane of the region under the cursor, asked of
 * the server (`lanes.explain`) when the cursor moves to another line, the document changes
 * or new diagnostics arrive; a click explains it.
 */
import * as vscode from 'vscode';
import type { ServerController } from './controller';
import { statusText, statusTooltip, summarize } from './explanation';

const LANGUAGES = new Set(['rust', 'python']);
const DELAY_MS = 120;

export class LaneStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lanes.lane', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** `uri@version:line` of what is shown, so moving within a line asks nothing. */
  private shown: string | undefined;

  constructor(private readonly controller: ServerController) {
    this.item.name = 'Lanes: lane at cursor';
    this.item.command = 'lanes.explainAtCursor';
    this.disposables.push(
      vscode.window.onDidChangeTextEditorSelection(() => this.schedule()),
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh(true)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document) this.schedule();
      }),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (e.uris.some((u) => u.toString() === active)) this.refresh(true);
      }),
      controller.onDidChange(() => this.refresh(true)),
    );
    this.refresh(true);
  }

  /** Update soon; with `force`, ask again even if the line has not changed. */
  refresh(force = false): void {
    if (force) this.shown = undefined;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), DELAY_MS);
  }

  private async update(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const enabled = vscode.workspace.getConfiguration('lanes').get<boolean>('statusBar', true);
    if (!enabled || !editor || !LANGUAGES.has(editor.document.languageId) || !this.controller.client?.isRunning()) {
      this.shown = undefined;
      this.item.hide();
      return;
    }
    const key = `${editor.document.uri.toString()}@${editor.document.version}:${editor.selection.active.line}`;
    if (key === this.shown) return;
    const markdown = await this.controller.explainAt(editor.document, editor.selection.active);
    const now = vscode.window.activeTextEditor;
    if (now !== editor || `${now.document.uri.toString()}@${now.document.version}:${now.selection.active.line}` !== key) return;
    const summary = summarize(markdown);
    if (!summary) {
      // The server has not seen this version yet; diagnostics will bring another update.
      this.item.hide();
      return;
    }
    this.shown = key;
    this.item.text = statusText(summary);
    this.item.tooltip = statusTooltip(summary);
    this.item.accessibilityInformation = { label: `Lanes: Lane ${summary.lane}`, role: 'button' };
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.item.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
