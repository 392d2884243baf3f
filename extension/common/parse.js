/* Pure parsing shared by content scripts, the service worker and node tests: no browser API. */
(function (root) {
  'use strict';

  // Bidi marks Gmail wraps shortcuts in, and zero-width spaces Outlook leaves between chips.
  const INVISIBLE_RE = /[\u200B-\u200F\u202A-\u202E\u2060\uFEFF]/g;
  const ADDRESS_RE = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[^\s<>()[\]\\,;:"@\u3000]+/;

  /** Remove invisible marks and trim. */
  function cleanText(text) {
    return String(text == null ? '' : text).replace(INVISIBLE_RE, '').trim();
  }

  /** The first address found in a piece of text, or '' (Outlook chips hide it in labels). */
  function firstAddress(text) {
    const match = cleanText(text).match(ADDRESS_RE);
    return match ? match[0].replace(/[.]+$/, '') : '';
  }

  /** Split an address header ("Sato, Kenji" <k@x.jp>; b@y.jp) into [{name, address}]. */
  function splitAddressList(text) {
    const source = cleanText(text);
    const parts = [];
    let current = '';
    let quoted = false;
    let angle = false;
    for (const ch of source) {
      if (ch === '"' ) quoted = !quoted;
      else if (ch === '<' && !quoted) angle = true;
      else if (ch === '>' && !quoted) angle = false;
      if ((ch === ',' || ch === ';' || ch === '、' || ch === '；') && !quoted && !angle) {
        parts.push(current);
        current = '';
      } else {
        current += ch;
      }
    }
    parts.push(current);
    // An unquoted name with a comma ("Sato, Kenji <k@x.jp>") splits in two: join it back.
    for (let i = parts.length - 2; i >= 0; i -= 1) {
      if (!parts[i].includes('@') && cleanText(parts[i]) && /<[^<>]*@[^<>]*>\s*$/.test(parts[i + 1]) && !/</.test(parts[i])) {
        parts.splice(i, 2, parts[i] + ',' + parts[i + 1]);
      }
    }
    const result = [];
    for (const part of parts) {
      const item = parseOne(part);
      if (item) result.push(item);
    }
    return result;
  }

  function parseOne(part) {
    const text = cleanText(part);
    if (!text) return null;
    const angle = text.match(/^(.*)<([^<>]*)>\s*$/);
    if (angle) {
      return { name: unquote(angle[1]), address: cleanText(angle[2]) };
    }
    return { name: '', address: text.replace(/^mailto:/i, '') };
  }

  function unquote(name) {
    let text = cleanText(name);
    if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
      text = text.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    return text.trim();
  }

  /**
   * What a compose tells the service about its kind: {kind, quoted}. `mode` is what the webmail
   * itself shows ('reply' or 'forward', else null); `quoted` whether it holds an earlier message.
   * Subject prefixes (Re:, FW:, 転送: ...) are the service's to read, from its one list
   * (server/atesaki/data/subject_prefixes.json): a quoted compose is a reply unless its subject
   * says forward.
   */
  function composeKind(mode, quoted) {
    return { kind: mode === 'reply' || mode === 'forward' ? mode : null, quoted: Boolean(quoted) };
  }

  /** Domain in ASCII (IDNA) and lower case, as the service canonicalises it. */
  function asciiDomain(domain) {
    const text = cleanText(domain).replace(/\.$/, '');
    if (!text) return '';
    try {
      return new URL('http://' + text + '/').hostname;
    } catch (error) {
      return text.toLowerCase();
    }
  }

  /** 'field:address' lines sorted: the same canonical list the service digests. */
  function canonicalList(recipients) {
    return recipients
      .map((r) => {
        const address = cleanText(r.address);
        const at = address.lastIndexOf('@');
        const normal = at > 0 ? address.slice(0, at) + '@' + asciiDomain(address.slice(at + 1)) : address;
        return String(r.field).toLowerCase() + ':' + normal;
      })
      .sort()
      .join('\n');
  }

  /** True when two recipient lists hold the same field:address pairs. */
  function sameRecipients(a, b) {
    return canonicalList(a) === canonicalList(b);
  }

  /** Split an address for display: {local, domain} ("" domain when there is no @). */
  function splitAddress(address) {
    const text = cleanText(address);
    const at = text.lastIndexOf('@');
    if (at < 0) return { local: text, domain: '' };
    return { local: text.slice(0, at), domain: text.slice(at + 1) };
  }

  /** Drop duplicates of the same field:address, keeping the first (and its name). */
  function uniqueRecipients(recipients) {
    const seen = new Set();
    const result = [];
    for (const r of recipients) {
      const key = r.field + ':' + cleanText(r.address).toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      result.push(r);
    }
    return result;
  }

  /** Is this origin (scheme://host[:port]) on the loopback interface? */
  function isLoopbackOrigin(origin) {
    try {
      const url = new URL(origin);
      return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    } catch (error) {
      return false;
    }
  }

  /** Normalise a user-typed webmail origin; returns '' when it is not http(s)://host[:port]. */
  function normaliseOrigin(text) {
    let value = cleanText(text);
    if (!value) return '';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      if (!/^https?:\/\//i.test(value)) return '';
    } else {
      value = 'https://' + value;
    }
    try {
      const url = new URL(value);
      if (!['http:', 'https:'].includes(url.protocol) || !url.hostname) return '';
      return url.origin;
    } catch (error) {
      return '';
    }
  }

  /** The match pattern covering every page of an origin (ports kept). */
  function matchPattern(origin) {
    return origin + '/*';
  }

  const VERDICTS = new Set(['pass', 'confirm', 'approve', 'block']);

  function isList(value, each) {
    return Array.isArray(value) && value.every(each);
  }

  function isFinding(finding) {
    return Boolean(finding) && typeof finding === 'object' && typeof finding.code === 'string';
  }

  /**
   * Whether a `POST /v1/check` answer has the shape the dialog relies on. Anything else
   * (a proxy's page, another program on the port, a half-written body) is unreadable:
   * acting on it could pass a message nobody checked.
   */
  function isCheckAnswer(data) {
    if (!data || typeof data !== 'object' || Array.isArray(data)) return false;
    if (typeof data.check_id !== 'string' || !data.check_id || !VERDICTS.has(data.verdict)) return false;
    if (data.findings !== undefined && !isList(data.findings, isFinding)) return false;
    return isList(data.recipients, (r) => Boolean(r) && typeof r === 'object'
      && typeof r.address === 'string' && typeof r.field === 'string'
      && (r.findings === undefined || isList(r.findings, isFinding)));
  }

  const api = {
    isCheckAnswer,
    cleanText,
    firstAddress,
    splitAddressList,
    composeKind,
    asciiDomain,
    canonicalList,
    sameRecipients,
    splitAddress,
    uniqueRecipients,
    isLoopbackOrigin,
    normaliseOrigin,
    matchPattern,
  };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.AtesakiParse = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
