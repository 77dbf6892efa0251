/**
 * Progress on stderr: on a terminal one bar per file redrawn in place (ANSI); otherwise one line
 * per file event, so logs and scripts read it line by line.
 */
import { formatBytes, formatDuration } from './format.js';

export interface FileProgress {
  /** Bytes handed to the network (may go back down when a part is retried). */
  sent(delta: number): void;
  /** A line of news about this file (resumed, part retried, waiting…). */
  note(message: string): void;
  finish(outcome: string): void;
}

interface Entry {
  readonly label: string;
  readonly total: number;
  readonly startedAt: number;
  sent: number;
  state: string;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export class ProgressReporter {
  private readonly entries: Entry[] = [];
  private drawnLines = 0;
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly tty = Boolean(out.isTTY)) {}

  start(label: string, total: number, how: string): FileProgress {
    const entry: Entry = { label, total, startedAt: Date.now(), sent: 0, state: how };
    this.entries.push(entry);
    if (this.tty) this.draw(true);
    else this.line(`${label}: uploading ${formatBytes(total)} (${how})`);
    return {
      sent: (delta) => {
        entry.sent = Math.max(0, entry.sent + delta);
        if (this.tty) this.draw(false);
      },
      note: (message) => {
        entry.state = message;
        if (this.tty) this.draw(true);
        else this.line(`${label}: ${message}`);
      },
      finish: (outcome) => {
        entry.state = outcome;
        if (this.tty) this.draw(true);
        else this.line(`${label}: ${outcome} (${formatBytes(entry.sent)} in ${formatDuration(Date.now() - entry.startedAt)})`);
      },
    };
  }

  /** Leaves the last frame on screen. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.tty && this.entries.length > 0) this.draw(true);
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }

  private draw(now: boolean): void {
    const elapsed = Date.now() - this.lastDraw;
    if (!now && elapsed < REDRAW_MS) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.draw(true);
      }, REDRAW_MS - elapsed);
      return;
    }
    this.lastDraw = Date.now();
    const columns = this.out.columns ?? 100;
    const lines = this.entries.map((entry) => renderBar(entry, Date.now()).slice(0, columns - 1));
    // Up to the first bar, then each line cleared and rewritten.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
    this.out.write(`${up}${lines.map((line) => `\x1b[2K${line}\n`).join('')}`);
    this.drawnLines = lines.length;
  }
}

/** 24 columns; a long path keeps its end, where the file's name is. */
function fitLabel(label: string): string {
  return label.length <= 24 ? label.padEnd(24) : `…${label.slice(-23)}`;
}

export function renderBar(entry: Omit<Entry, 'startedAt'> & { startedAt: number }, now: number): string {
  const fraction = entry.total === 0 ? 1 : Math.min(1, entry.sent / entry.total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const seconds = Math.max(0.001, (now - entry.startedAt) / 1000);
  const rate = `${formatBytes(entry.sent / seconds)}/s`;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  return `${fitLabel(entry.label)} ${bar} ${String(Math.round(fraction * 100)).padStart(3)}% ${formatBytes(entry.sent)}/${formatBytes(entry.total)} ${rate} ${entry.state}`;
}
