/**
 * The optional Lane 3 marks (setting `lanes.decorations`): a shield in the gutter and/or a
 * subtle background on the line of each Lane 3 function's name, taken from the server's
 * Lane 3 diagnostics as they arrive.
 */
import * as vscode from 'vscode';
import { decorationMode, DecorationMode } from './settings';

/** Lane 3 diagnostics carry `data.lane = 3`; older servers only the message. */
export function isLane3(d: vscode.Diagnostic): boolean {
  const data = (d as vscode.Diagnostic & { data?: { lane?: unknown } }).data;
  if (data && typeof data.lane === 'number') return data.lane === 3;
  return d.source === 'lanes' && /^Lane 3\b/.test(d.message);
}

export class Lane3Decorations implements vscode.Disposable {
  private readonly gutter: vscode.TextEditorDecorationType;
  private readonly background: vscode.TextEditorDecorationType;
  private readonly ranges = new Map<string, vscode.Range[]>();
  private mode: DecorationMode = 'gutter';
  private readonly listener: vscode.Disposable;

  constructor(extensionUri: vscode.Uri) {
    this.gutter = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'lane3.svg'),
      gutterIconSize: 'contain',
      overviewRulerColor: new vscode.ThemeColor('lanes.lane3Ruler'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
    });
    this.background = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('lanes.lane3Background'),
    });
    this.listener = vscode.window.onDidChangeVisibleTextEditors(() => this.apply());
    this.configure();
  }

  configure(): void {
    this.mode = decorationMode(vscode.workspace.getConfiguration('lanes').get('decorations'));
    this.apply();
  }

  update(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): void {
    this.ranges.set(uri.toString(), diagnostics.filter(isLane3).map((d) => d.range));
    this.apply();
  }

  clear(): void {
    this.ranges.clear();
    this.apply();
  }

  private apply(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const ranges = this.ranges.get(editor.document.uri.toString()) ?? [];
      const gutter = this.mode === 'gutter' || this.mode === 'both';
      const background = this.mode === 'background' || this.mode === 'both';
      editor.setDecorations(this.gutter, gutter ? ranges : []);
      editor.setDecorations(this.background, background ? ranges : []);
    }
  }

  dispose(): void {
    this.listener.dispose();
    this.gutter.dispose();
    this.background.dispose();
  }
}
