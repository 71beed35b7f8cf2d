/**
 * Entry point of the Lanes extension: creates the output channel, the server controller, the
 * status bar item, the Lane 3 decorations and the explanation panel, registers the commands
 * and forwards setting changes (restart, notify the server, or redraw).
 */
import * as vscode from 'vscode';
import { ServerController } from './controller';
import { LaneStatus } from './status';
import { Lane3Decorations } from './decorations';
import { ExplainView } from './explainView';
import { reaction } from './settings';

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Lanes', { log: true });
  const view = new ExplainView();
  const decorations = new Lane3Decorations(context.extensionUri);
  controller = new ServerController(context, output, view, decorations);
  const status = new LaneStatus(controller);
  context.subscriptions.push(output, view, decorations, status, controller);

  context.subscriptions.push(
    vscode.commands.registerCommand('lanes.explainAtCursor', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !controller) return;
      const markdown = await controller.explainAt(editor.document, editor.selection.active);
      if (!markdown) {
        void vscode.window.showInformationMessage('Lanes: nothing to explain here (open a Rust or Python file while the server runs).');
        return;
      }
      await view.show(markdown);
    }),
    vscode.commands.registerCommand('lanes.restartServer', () => controller?.restart()),
    vscode.commands.registerCommand('lanes.showOutput', () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      const what = reaction((section) => event.affectsConfiguration(section));
      if (what === 'restart') await controller?.restart();
      else if (what === 'notify') await controller?.sendSettings();
      if (what !== 'none') {
        decorations.configure();
        status.refresh(true);
      }
    }),
  );
  await controller.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
}
