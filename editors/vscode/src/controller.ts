/**
 * The language client's life: find the executable, start it with the current settings,
 * stop and restart it, send changed settings, and tell the user clearly (with buttons to
 * the setting and the output) when it cannot be found or keeps failing. Also the requests
 * the rest of the extension makes (`lanes.explain` at a position).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions as Executable,
  TransportKind,
} from 'vscode-languageclient/node';
import { resolveServer } from './serverPath';
import { serverOptions } from './settings';
import type { ExplainView } from './explainView';
import type { Lane3Decorations } from './decorations';

export const EXPLAIN_COMMAND = 'lanes.explain';
const OPEN_SETTING = 'Open Setting';
const SHOW_OUTPUT = 'Show Output';
/** Crashes within this window that stop automatic restarts. */
const CRASH_WINDOW_MS = 3 * 60 * 1000;
const MAX_CRASHES = 4;

function settings(scope?: vscode.Uri): ReturnType<typeof serverOptions> {
  const config = vscode.workspace.getConfiguration('lanes', scope);
  return serverOptions((key) => config.get(key));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export class ServerController implements vscode.Disposable {
  client: LanguageClient | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a client starts or stops. */
  readonly onDidChange = this.changed.event;
  private crashes: number[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
    private readonly view: ExplainView,
    private readonly decorations: Lane3Decorations,
  ) {}

  async start(): Promise<void> {
    const config = vscode.workspace.getConfiguration('lanes');
    const resolution = resolveServer(
      {
        setting: config.get<string>('server.path'),
        extensionPath: this.context.extensionPath,
        envPath: process.env.PATH,
        platform: process.platform,
        home: os.homedir(),
        workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      },
      { isExecutable },
    );
    if (!resolution.ok) {
      this.output.error(resolution.message);
      void this.complain(resolution.message);
      return;
    }
    this.output.info(`Starting ${resolution.command} lsp (from ${resolution.source})`);
    const env = { ...process.env, ...(config.get<Record<string, string>>('server.extraEnv') ?? {}) };
    const executable: Executable = {
      command: resolution.command,
      args: ['lsp'],
      transport: TransportKind.stdio,
      options: { env },
    };
    const client = new LanguageClient('lanes', 'Lanes', executable, this.clientOptions());
    this.client = client;
    this.crashes = [];
    try {
      await client.start();
      this.output.info(`Server started: ${client.initializeResult?.serverInfo?.name ?? 'lanes'} ${client.initializeResult?.serverInfo?.version ?? ''}`);
    } catch (e) {
      const message = `Lanes: the language server (${resolution.command}) failed to start: ${e instanceof Error ? e.message : String(e)}`;
      this.output.error(message);
      this.client = undefined;
      await client.dispose().catch(() => undefined);
      void this.complain(message);
    }
    this.changed.fire();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.decorations.clear();
    this.changed.fire();
    if (client) {
      try {
        await client.stop(2000);
      } catch (e) {
        this.output.warn(`Stopping the server: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  async restart(): Promise<void> {
    this.output.info('Restarting the server');
    await this.stop();
    await this.start();
  }

  /** Send the current settings to the running server (they take effect at once). */
  async sendSettings(): Promise<void> {
    const client = this.client;
    if (!client?.isRunning()) return;
    await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { lanes: settings() } });
    this.refreshCodeLenses();
  }

  /** The server's explanation (Markdown) of the region at a position, if any. */
  async explainAt(document: vscode.TextDocument, position: vscode.Position): Promise<string | undefined> {
    const client = this.client;
    if (!client?.isRunning()) return undefined;
    const c2p = client.code2ProtocolConverter;
    try {
      const result = await client.sendRequest(ExecuteCommandRequest.type, {
        command: EXPLAIN_COMMAND,
        arguments: [c2p.asUri(document.uri), c2p.asPosition(position)],
      });
      return typeof result === 'string' ? result : undefined;
    } catch (e) {
      this.output.debug(`lanes.explain: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** Ask VS Code to fetch code lenses again (after a setting or the diagnostics changed). */
  refreshCodeLenses(): void {
    const feature = this.client?.getFeature('textDocument/codeLens');
    for (const editor of vscode.window.visibleTextEditors) {
      feature?.getProvider(editor.document)?.onDidChangeCodeLensEmitter.fire();
    }
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [
        { scheme: 'file', language: 'rust' },
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'rust' },
        { scheme: 'untitled', language: 'python' },
      ],
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions: () => settings(),
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          const now = Date.now();
          this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
          if (this.crashes.length < MAX_CRASHES) {
            this.output.warn('The server stopped; restarting it');
            return { action: CloseAction.Restart, handled: true };
          }
          void this.complain(`Lanes: the language server stopped ${MAX_CRASHES} times in 3 minutes and will not be restarted. Run "Lanes: Restart server" after fixing the cause (see the output).`);
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      middleware: {
        workspace: {
          configuration: async (params, token, next) => {
            if (params.items.every((item) => item.section === 'lanes')) {
              return params.items.map((item) => settings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined));
            }
            return next(params, token);
          },
        },
        // Code lenses run the server's `lanes.explain`; show what it returns.
        executeCommand: async (command, args, next) => {
          const result = await next(command, args);
          if (command === EXPLAIN_COMMAND && typeof result === 'string') await this.view.show(result);
          return result;
        },
        handleDiagnostics: (uri, diagnostics, next) => {
          next(uri, diagnostics);
          this.decorations.update(uri, diagnostics);
          this.refreshCodeLenses();
        },
      },
    };
  }

  private async complain(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, OPEN_SETTING, SHOW_OUTPUT);
    if (choice === OPEN_SETTING) await vscode.commands.executeCommand('workbench.action.openSettings', 'lanes.server.path');
    else if (choice === SHOW_OUTPUT) this.output.show(true);
  }
}
