/**
 * Downloads started from the page (docs/ui.md#downloads): a URL the server answers as an attachment, or
 * text built in the browser. Both go through a temporary link, so the browser's own download handling
 * (file name, progress, where to save) applies.
 */
function clickLink(href: string, filename: string | null): void {
  const a = document.createElement('a');
  a.href = href;
  if (filename !== null) a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** A URL whose answer names its own file (Content-Disposition). */
export function downloadUrl(url: string): void {
  clickLink(url, '');
}

/**
 * Like downloadUrl, but asks first: an answer that is an error (a run gone, a metric not there, a server
 * failure) would otherwise be saved as a file of JSON. The first request is dropped as soon as its status
 * is known, and the browser then downloads the file itself (with its own progress and save dialog).
 * Resolves to null when the download started, else to the server's message.
 */
export async function downloadUrlChecked(url: string): Promise<string | null> {
  const probe = new AbortController();
  let res: Response;
  try {
    res = await fetch(url, { signal: probe.signal, credentials: 'same-origin' });
  } catch (err) {
    return `The download could not start: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (res.ok) {
    probe.abort();
    clickLink(url, '');
    return null;
  }
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { detail?: { error?: string } | string };
    const d = body.detail;
    const text = typeof d === 'string' ? d : d?.error;
    if (text) message = text;
  } catch {
    /* not JSON: the status says it */
  }
  return `The download failed: ${message}`;
}

export function downloadText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  clickLink(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
