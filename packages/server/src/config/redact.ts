/**
 * Secrets in printed values (docs/server.md#secrets-in-output): a URL's password (userinfo or a
 * `password=` parameter) is shown as `***`. Only for display: the URL itself goes to the driver unchanged.
 */
export const MASK = '***';

export function redactUrl(url: string): string {
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@?#]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
  });
  out = out.replace(/([?&;\s]password=)[^&;\s]*/gi, `$1${MASK}`);
  return out;
}
