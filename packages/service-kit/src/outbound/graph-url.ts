/**
 * A Meta Graph API URL: `{base}/{version}/{segment}/...`, each segment escaped. The base and the
 * version are what ResolveChannel hands out (the tenant service applies its defaults and its
 * override policy), so every service builds Graph URLs the same way.
 */
export function graphUrl(baseUrl: string, version: string, ...segments: string[]): URL {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  return new URL([version, ...segments].map(encodeURIComponent).join("/"), base);
}
