/**
 * The terminal model of docs/client.md#terminal-model: a small virtual screen per output stream, so that
 * output.log holds what a terminal would show — a progress bar redrawn with `\r` leaves only its last state,
 * cursor movements and erasures are applied, colours and other escape sequences are removed.
 *
 * Rows settle (become final) once the cursor is more than U rows below them, U being the largest cursor-up
 * distance the stream has used (capped at 64). Settled rows are handed out by `takeSettled` in order.
 */

const MAX_UP = 64;

enum Mode {
  Text,
  Escape,
  Csi,
  Osc,
  OscEscape,
}

export class TerminalScreen {
  /** Unsettled rows; rows[0] is absolute row `base`. Each row is an array of characters (code points). */
  private rows: string[][] = [[]];
  private base = 0;
  private row = 0;
  private col = 0;
  private armed = false;
  private maxUp = 0;
  private mode = Mode.Text;
  private csi = '';
  private settled: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  /** Feeds a chunk: a string, or bytes decoded as UTF-8 with a streaming decoder. */
  write(chunk: string | Uint8Array): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    for (const ch of text) this.feed(ch);
    this.settle();
  }

  /** Rows that became final since the last call, trailing spaces removed. */
  takeSettled(): string[] {
    const out = this.settled;
    this.settled = [];
    return out;
  }

  /** The rows that are not yet final, trailing spaces removed. */
  liveRows(): string[] {
    return this.rows.map(rowText);
  }

  /** Settles every row (at finish). The empty row the cursor sits on after a final newline is dropped. */
  settleAll(): string[] {
    const tail = this.decoder.decode();
    for (const ch of tail) this.feed(ch);
    const out = this.takeSettled();
    const rows = this.rows.map(rowText);
    if (rows.length > 0 && rows[rows.length - 1] === '' && this.row === this.base + rows.length - 1)
      rows.pop();
    out.push(...rows);
    this.rows = [[]];
    this.base = this.row = this.row + 1;
    this.col = 0;
    this.armed = false;
    return out;
  }

  private feed(ch: string): void {
    const code = ch.codePointAt(0) ?? 0;
    switch (this.mode) {
      case Mode.Text:
        break;
      case Mode.Escape:
        if (ch === '[') {
          this.mode = Mode.Csi;
          this.csi = '';
        } else if (ch === ']') this.mode = Mode.Osc;
        else this.mode = Mode.Text; // any other ESC x is removed
        return;
      case Mode.Csi:
        if (code >= 0x40 && code <= 0x7e) {
          this.mode = Mode.Text;
          this.applyCsi(this.csi, ch);
        } else if (code >= 0x20 && code <= 0x3f) {
          this.csi += ch;
        } else {
          this.mode = Mode.Text; // malformed: drop the sequence
        }
        return;
      case Mode.Osc:
        if (code === 0x07) this.mode = Mode.Text;
        else if (code === 0x1b) this.mode = Mode.OscEscape;
        return;
      case Mode.OscEscape:
        this.mode = ch === '\\' ? Mode.Text : Mode.Osc;
        return;
    }
    if (code === 0x1b) {
      this.mode = Mode.Escape;
      return;
    }
    if (ch === '\r') {
      this.col = 0;
      this.armed = true;
      return;
    }
    if (ch === '\n') {
      this.moveTo(this.row + 1);
      this.col = 0;
      return;
    }
    if (ch === '\b') {
      if (this.col > 0) this.col--;
      return;
    }
    if (ch !== '\t' && (code < 0x20 || code === 0x7f)) return; // other C0 controls and DEL are dropped
    this.put(ch);
  }

  private current(): string[] {
    return this.rows[this.row - this.base];
  }

  private put(ch: string): void {
    const line = this.current();
    if (this.armed) {
      if (line.length > this.col) line.length = this.col;
      this.armed = false;
    }
    while (line.length < this.col) line.push(' ');
    line[this.col] = ch;
    this.col++;
  }

  /** Moves the cursor to an absolute row, creating rows below and never entering settled ones. */
  private moveTo(target: number): void {
    const row = Math.max(target, this.base);
    if (row !== this.row) this.armed = false;
    this.row = row;
    while (this.base + this.rows.length <= row) this.rows.push([]);
  }

  private applyCsi(params: string, final: string): void {
    if (!/^\d*(;[\d;]*)?$/.test(params)) return; // private modes (`?25l`) and the like: ignored
    const first = params === '' ? Number.NaN : Number(params.split(';')[0]);
    const n = Number.isNaN(first) || first === 0 ? 1 : first;
    switch (final) {
      case 'A':
        this.maxUp = Math.min(MAX_UP, Math.max(this.maxUp, n));
        this.moveTo(this.row - n);
        break;
      case 'B':
        this.moveTo(this.row + n);
        break;
      case 'C':
        this.col += n;
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'G':
        this.col = n - 1;
        break;
      case 'K': {
        const mode = Number.isNaN(first) ? 0 : first;
        const line = this.current();
        if (mode === 0) {
          if (line.length > this.col) line.length = this.col;
        } else if (mode === 1) {
          for (let i = 0; i <= this.col && i < line.length; i++) line[i] = ' ';
        } else if (mode === 2) {
          line.length = 0;
        }
        break;
      }
      default:
        break; // colours, cursor show/hide, …: removed
    }
  }

  private settle(): void {
    while (this.row - this.base > this.maxUp) {
      this.settled.push(rowText(this.rows.shift() ?? []));
      this.base++;
    }
  }
}

function rowText(row: string[]): string {
  return row.join('').replace(/ +$/, '');
}
