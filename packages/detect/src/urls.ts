/*
 * Query parameters that say who shared a link or how it was reached, never what it points to.
 * Two shares of one article differ only in these.
 */
const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'gclsrc', 'dclid', 'msclkid', 'yclid', 'twclid', 'ttclid', 'li_fat_id', 'igshid', 'igsh',
  'mc_cid', 'mc_eid', 'mkt_tok', '_ga', '_gl', '_hsenc', '_hsmi', 'hsctatracking', 'vero_id', 'oly_enc_id', 'oly_anon_id',
  'ref', 'ref_src', 'ref_url', 'referrer', 's', 'si', 'feature', 'cmpid', 'ocid', 'smid', 'smtyp', 'sr_share', 'spm', 'amp',
]);
const TRACKING_PREFIXES = ['utm_', 'pk_', 'mtm_', 'ga_', 'hmb_', 'ns_', 'wt_', 'at_'];

// Mobile, AMP and `www` hosts serve the same pages as the bare domain.
const HOST_PREFIX = /^(?:www\d?|m|mobile|amp)\./;
const HOST_ALIASES: Record<string, string> = {
  'x.com': 'twitter.com',
  'old.reddit.com': 'reddit.com',
  'np.reddit.com': 'reddit.com',
  'new.reddit.com': 'reddit.com',
};
const DEFAULT_PORTS = new Set(['80', '443']);

/**
 * A key that is the same for every way of writing a link to the same page: `https`, host
 * lower-cased without `www.`/`m.`/`mobile.`/`amp.`, no default port, no fragment, no tracking
 * parameters (`utm_*`, `fbclid`, `gclid`, `igshid`, `ref`, `s`, `si`, `mc_cid`, …), the other
 * parameters sorted, no trailing slash, AMP forms unwrapped (`/amp/`, `?amp=1`, Google's and
 * the AMP cache's wrappers) and `youtu.be/ID` written as `youtube.com/watch?v=ID`.
 * Returns `null` for anything that is not an http(s) URL.
 */
export function normalizeUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const unwrapped = unwrapAmpCache(parsed);
  if (unwrapped) parsed = unwrapped;

  let host = parsed.hostname.replace(/\.$/, '');
  while (HOST_PREFIX.test(host)) host = host.replace(HOST_PREFIX, '');
  host = HOST_ALIASES[host] ?? host;
  const port = parsed.port && !DEFAULT_PORTS.has(parsed.port) ? `:${parsed.port}` : '';

  let path = parsed.pathname
    .replace(/\/amp(?=\/|$)/g, '')
    .replace(/\.amp(?=\.html?$|$)/, '')
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
  const params = new URLSearchParams();
  if (host === 'youtu.be' && path.length > 1) {
    params.append('v', path.slice(1));
    host = 'youtube.com';
    path = '/watch';
  }
  if (parsed.search.length > 1) {
    for (const [name, value] of parsed.searchParams) {
      const lower = name.toLowerCase();
      if (TRACKING_PARAMS.has(lower) || TRACKING_PREFIXES.some((p) => lower.startsWith(p))) continue;
      params.append(name, value);
    }
    params.sort();
  }
  const query = params.toString();
  return `https://${host}${port}${path}${query ? `?${query}` : ''}`;
}

/** `https://www.google.com/amp/s/example.com/a` and `https://example-com.cdn.ampproject.org/c/s/example.com/a` → `https://example.com/a`. */
function unwrapAmpCache(url: URL): URL | null {
  const host = url.hostname;
  let inner: string | null = null;
  if (/^(?:www\.)?google\.[a-z.]+$/.test(host) && url.pathname.startsWith('/amp/')) {
    inner = url.pathname.slice('/amp/'.length);
  } else if (host.endsWith('.cdn.ampproject.org')) {
    inner = url.pathname.replace(/^\/[cvi]\//, '');
  }
  if (inner === null) return null;
  const secure = inner.startsWith('s/');
  if (secure) inner = inner.slice(2);
  try {
    return new URL(`${secure ? 'https' : 'http'}://${inner}${url.search}`);
  } catch {
    return null;
  }
}

// A link starts at a scheme or a bare `www.` and runs to whitespace or a character that cannot be in one.
const URL_IN_TEXT = /(?:https?:\/\/|(?<![\p{L}\p{N}_.@])www\.)[^\s<>"'`{}|\\^\u00a0\u2000-\u200b\u3000]+/giu;
const TRAILING = /^[.,;:!?…)\]}>»”’*]$/u;

/**
 * The http(s) links written in a text, as written (a bare `www.` link gets `https://`).
 * Sentence punctuation after a link is not part of it, except a closing bracket that closes one
 * opened inside the link (`…/Leak_(2019)`).
 */
export function extractUrls(text: string): string[] {
  const urls: string[] = [];
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let url = match[0];
    for (let last = url.at(-1); last !== undefined && TRAILING.test(last); last = url.at(-1)) {
      // A closing bracket that closes one opened inside the link is part of it.
      if (last === ')' && count(url, '(') >= count(url, ')')) break;
      url = url.slice(0, -1);
    }
    if (/^https?:\/\/$/i.test(url) || url.length < 5) continue;
    urls.push(/^www\./i.test(url) ? `https://${url}` : url);
  }
  return urls;
}

function count(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n++;
  return n;
}
