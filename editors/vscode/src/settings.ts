/**
 * The extension's settings and what the server receives: the `lanes.*` settings mapped to
 * the server's options (initializationOptions and the `lanes` section of
 * workspace/configuration), and which changes need a server restart. Pure, no `vscode`.
 */

/** The server's options (names as in the server's ClientOptions). */
export interface ServerOptions {
  severity: 'error' | 'warning' | 'information' | 'hint';
  codeLens: boolean;
  diagnosticLanes: number[];
  gateHints: number[];
  maxFileSize: number;
  /** A configuration file instead of the nearest one; empty: search. */
  configPath: string;
}

/** Reads one setting of the `lanes` section (like WorkspaceConfiguration.get). */
export type Get = <T>(key: string) => T | undefined;

const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;

export const DEFAULTS: ServerOptions = {
  severity: 'information',
  codeLens: true,
  diagnosticLanes: [3],
  gateHints: [2],
  maxFileSize: 4 * 1024 * 1024,
  configPath: '',
};

/** Lane numbers from a setting: integers 1–3, each once, in order; anything else dropped. */
export function lanes(value: unknown, fallback: number[]): number[] {
  if (!Array.isArray(value)) return fallback;
  const out = [...new Set(value.filter((v): v is number => Number.isInteger(v) && v >= 1 && v <= 3))];
  return out.sort((a, b) => a - b);
}

export function serverOptions(get: Get): ServerOptions {
  const severity = get<string>('severity');
  const maxFileSize = get<number>('maxFileSize');
  const codeLens = get<boolean>('codeLens');
  const configPath = get<string>('configPath');
  return {
    severity: SEVERITIES.find((s) => s === severity) ?? DEFAULTS.severity,
    codeLens: typeof codeLens === 'boolean' ? codeLens : DEFAULTS.codeLens,
    diagnosticLanes: lanes(get('diagnosticLanes'), DEFAULTS.diagnosticLanes),
    gateHints: lanes(get('gateHints'), DEFAULTS.gateHints),
    maxFileSize: typeof maxFileSize === 'number' && maxFileSize >= 0 ? Math.floor(maxFileSize) : DEFAULTS.maxFileSize,
    configPath: typeof configPath === 'string' ? configPath.trim() : DEFAULTS.configPath,
  };
}

/** What a configuration change asks of the extension. */
export type Reaction = 'restart' | 'notify' | 'local' | 'none';

/**
 * `affects(section)` is ConfigurationChangeEvent.affectsConfiguration. A new server path or
 * environment needs a new process; server options are sent to the running server; the
 * decorations and the status bar are the client's own.
 */
export function reaction(affects: (section: string) => boolean): Reaction {
  if (affects('lanes.server')) return 'restart';
  if (['severity', 'codeLens', 'diagnosticLanes', 'gateHints', 'maxFileSize', 'configPath'].some((k) => affects(`lanes.${k}`))) return 'notify';
  if (affects('lanes.decorations') || affects('lanes.statusBar') || affects('lanes.trace')) return 'local';
  return 'none';
}

export type DecorationMode = 'off' | 'gutter' | 'background' | 'both';

export function decorationMode(value: unknown): DecorationMode {
  return value === 'off' || value === 'background' || value === 'both' ? value : 'gutter';
}
