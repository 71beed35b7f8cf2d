/**
 * Reads the head of the server's explanation Markdown (the `lanes.explain` command and hover
 * share it): `### Lane 3 · billing, security`, then `` `refund` (function, lines 12–30) ``.
 * The status bar shows the lane from it; the explanation panel its title. Pure, no `vscode`.
 */

export interface Summary {
  lane: 1 | 2 | 3;
  categories: string[];
  /** The region's name and kind (function, method, class, module …), when given. */
  name?: string;
  kind?: string;
  /** 1-based first and last line of the region, when given. */
  lines?: [number, number];
}

const HEADING = /^#{1,6}\s*Lane\s+([123])\s*(?:·\s*(.*?))?\s*$/;
const SUBJECT = /^`([^`]+)`\s*\(([\w ]+?),\s*lines?\s+(\d+)(?:\s*[–-]\s*(\d+))?\)/;

export function summarize(markdown: string | null | undefined): Summary | undefined {
  if (typeof markdown !== 'string') return undefined;
  const lines = markdown.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const heading = lines.length ? HEADING.exec(lines[0]) : null;
  if (!heading) return undefined;
  const summary: Summary = {
    lane: Number(heading[1]) as 1 | 2 | 3,
    categories: (heading[2] ?? '').split(',').map((c) => c.trim()).filter((c) => c !== ''),
  };
  const subject = lines.length > 1 ? SUBJECT.exec(lines[1]) : null;
  if (subject) {
    summary.name = subject[1];
    summary.kind = subject[2];
    const first = Number(subject[3]);
    summary.lines = [first, subject[4] ? Number(subject[4]) : first];
  }
  return summary;
}

/** The status bar text: `$(shield) Lane 3`. */
export function statusText(s: Summary): string {
  return `$(shield) Lane ${s.lane}`;
}

/** The status bar tooltip: `` `refund` (function): Lane 3 · billing — click to explain ``. */
export function statusTooltip(s: Summary): string {
  const what = s.name ? `\`${s.name}\`${s.kind ? ` (${s.kind})` : ''}: ` : '';
  const cats = s.categories.length ? ` · ${s.categories.join(', ')}` : '';
  return `${what}Lane ${s.lane}${cats} — click to explain`;
}
