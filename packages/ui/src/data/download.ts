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

export function downloadText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  clickLink(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
