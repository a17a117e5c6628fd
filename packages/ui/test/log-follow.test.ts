/**
 * The log follower's overlap rule (docs/ui.md#log-viewer, docs/api.md#following-a-log), on chunks as the
 * server sends them.
 */
import { describe, expect, it } from 'vitest';
import { applyChunk, displayText, stripAnsi } from '../src/data/log-follow';

const texts = (lines: Array<{ text: string }>) => lines.map((l) => l.text);

describe('log follow', () => {
  it('replaces an unterminated last line with the next chunk, so progress bars update in place', () => {
    let held = applyChunk([], { offset: 0, content: 'epoch 1\n 10%|#' });
    expect(texts(held)).toEqual(['epoch 1', ' 10%|#']);
    held = applyChunk(held, { offset: 8, content: ' 50%|#####\n' });
    expect(texts(held)).toEqual(['epoch 1', ' 50%|#####']);
  });

  it('on a rewritten tail replaces every line from the answer offset on', () => {
    let held = applyChunk([], { offset: 0, content: 'a\nb\nc\nd\n' });
    held = applyChunk(held, { offset: 4, content: 'C\nD\nE\n' });
    expect(texts(held)).toEqual(['a', 'b', 'C', 'D', 'E']);
  });

  it('keeps byte offsets across multi-byte characters', () => {
    const held = applyChunk([], { offset: 10, content: 'naïve\nok\n' });
    expect(held.map((l) => l.offset)).toEqual([10, 17]);
  });

  it('shows the last carriage-return segment without ANSI codes', () => {
    expect(displayText('\u001b[32m 10%\r 20%\r\u001b[0m')).toBe(' 20%');
  });

  it('strips every CSI sequence, whatever its parameter bytes, and leaves other escapes alone', () => {
    // Colon-separated colours, private modes, cursor moves and erases are all CSI sequences.
    expect(stripAnsi('\u001b[38:5:196mred\u001b[0m')).toBe('red');
    expect(stripAnsi('\u001b[?25l\u001b[2K\u001b[1Aline\u001b[>4;2m')).toBe('line');
    expect(stripAnsi('a\u001b[1;31;4mb\u001b[mc')).toBe('abc');
    // Not CSI: kept as they are, as the server's strip_ansi keeps them.
    expect(stripAnsi('\u001b(Bx\u001b=')).toBe('\u001b(Bx\u001b=');
  });
});
