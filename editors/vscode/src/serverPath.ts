/**
 * Where the `lanes` executable comes from: the `lanes.server.path` setting, else a binary
 * bundled with the extension, else `lanes` on `PATH`. Pure (file checks are passed in), so
 * the unit tests cover every case.
 */
import * as path from 'path';

export type ServerSource = 'setting' | 'bundled' | 'path';

export type Resolution =
  | { ok: true; command: string; source: ServerSource }
  | { ok: false; message: string; setting: boolean };

export interface Probe {
  /** True when `file` exists and can be executed. */
  isExecutable(file: string): boolean;
}

export interface Inputs {
  /** The `lanes.server.path` setting (may start with `~`). */
  setting: string | undefined;
  /** The folder the extension is installed in. */
  extensionPath: string;
  /** `process.env.PATH`. */
  envPath: string | undefined;
  platform: NodeJS.Platform;
  home: string;
  /** The first workspace folder, against which a relative setting is resolved. */
  workspaceFolder?: string;
}

/** The executable's file name on a platform. */
export function exeName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'lanes.exe' : 'lanes';
}

/** Where a bundled binary lives inside the extension. */
export function bundledPath(extensionPath: string, platform: NodeJS.Platform): string {
  return path.join(extensionPath, 'server', exeName(platform));
}

export function resolveServer(inputs: Inputs, probe: Probe): Resolution {
  const setting = (inputs.setting ?? '').trim();
  if (setting) {
    let file = setting;
    if (file === '~' || file.startsWith('~/')) {
      file = path.join(inputs.home, file.slice(1));
    } else if (!path.isAbsolute(file) && (file.includes('/') || file.includes('\\')) && inputs.workspaceFolder) {
      file = path.join(inputs.workspaceFolder, file);
    }
    if (!path.isAbsolute(file) && !file.includes('/')) {
      // A bare name such as `lanes-nightly`: look it up on PATH.
      const found = searchPath(file, inputs, probe);
      if (found) return { ok: true, command: found, source: 'setting' };
    } else if (probe.isExecutable(file)) {
      return { ok: true, command: file, source: 'setting' };
    }
    return {
      ok: false,
      setting: true,
      message: `Lanes: the language server set in lanes.server.path was not found or is not executable: ${file}`,
    };
  }
  const bundled = bundledPath(inputs.extensionPath, inputs.platform);
  if (probe.isExecutable(bundled)) return { ok: true, command: bundled, source: 'bundled' };
  const onPath = searchPath(exeName(inputs.platform), inputs, probe);
  if (onPath) return { ok: true, command: onPath, source: 'path' };
  return {
    ok: false,
    setting: false,
    message:
      'Lanes: the `lanes` language server was not found on PATH. Install it (cargo install --path . in the lanes repository) or set lanes.server.path.',
  };
}

function searchPath(name: string, inputs: Inputs, probe: Probe): string | undefined {
  const sep = inputs.platform === 'win32' ? ';' : ':';
  for (const dir of (inputs.envPath ?? '').split(sep)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (probe.isExecutable(candidate)) return candidate;
  }
  return undefined;
}
