/* Site profiles: check one against the format, match it to a page, pick the one a page uses. No browser API. */
(function (root) {
  'use strict';

  /*
   * A site profile describes one webmail's compose page as data (docs/site-profiles.md):
   *   id, name, hosts: ["https://mail.example.jp", "https://*.example.jp:8443", "https://intra.example.jp/webmail/"]
   *   compose:    {root, requires?}                one compose per `root` element holding `requires`
   *   recipients: {to, cc, bcc}: {field?, text?, chips?, input?, show?, add?}
   *     text:  an input/textarea holding "Name <addr>, addr2" (what the webmail submits)
   *     chips: {chip, label?, attribute?, remove?}  one element per recipient, its text or attribute
   *     input: where typed, not yet accepted text sits; add: {key, keyCode} turns it into a chip
   *   send:       {buttons, ignore?, shortcuts: ["Ctrl+Enter", "Meta+Enter"]}
   *   subject, from: selectors; body: {text, frame?}; attachments: {item, name?}
   *   mode:       {reply?: {param?, selector?}, forward?: {param?, selector?}}
   * Selectors are CSS, searched inside the compose root unless the key says `page:` first.
   */

  const BUILTIN = ['roundcube']; // files in content/profiles/, shipped with the extension
  const FIELDS = ['to', 'cc', 'bcc'];
  const MODIFIERS = ['Ctrl', 'Meta', 'Alt', 'Shift'];
  const ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
  const HOST_RE = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?(\/[^\s?#]*)?$/i;

  // Every key a profile may have, and what its value must be. A typo must be an error, not a
  // silently ignored key: an ignored `send` would leave a webmail's Send unchecked.
  const SHAPE = {
    id: 'id',
    name: 'string',
    hosts: ['host'],
    compose: { root: 'selector!', requires: 'selector' },
    recipients: {
      '*field': {
        field: 'selector',
        text: 'selector',
        chips: { chip: 'selector!', label: 'selector', attribute: 'string', remove: 'selector' },
        input: 'selector',
        show: 'selector',
        add: { key: 'string!', keyCode: 'integer' },
      },
    },
    send: { buttons: 'selector!', ignore: 'selector', shortcuts: ['shortcut'] },
    subject: 'selector',
    from: 'selector',
    body: { text: 'selector', frame: 'selector' },
    attachments: { item: 'selector!', name: 'selector' },
    mode: { reply: { param: 'string', selector: 'selector' }, forward: { param: 'string', selector: 'selector' } },
  };
  const REQUIRED_TOP = ['id', 'hosts', 'compose', 'recipients', 'send'];

  /** "page:#x" -> {page: true, css: '#x'}: `page:` searches the whole page, not just the compose. */
  function scope(selector) {
    const text = String(selector || '').trim();
    return text.startsWith('page:') ? { page: true, css: text.slice(5).trim() } : { page: false, css: text };
  }

  /** "Ctrl+Enter" -> {key: 'Enter', ctrl: true, ...}, or null when it is not a shortcut. */
  function parseShortcut(text) {
    if (typeof text !== 'string') return null;
    const parts = text.split('+').map((p) => p.trim()).filter(Boolean);
    if (!parts.length) return null;
    const key = parts.pop();
    const found = { key, ctrl: false, meta: false, alt: false, shift: false };
    for (const mod of parts) {
      if (!MODIFIERS.includes(mod)) return null;
      found[mod.toLowerCase()] = true;
    }
    return found;
  }

  /** A profile host ("https://*.example.jp:8443") -> its parts, or null. */
  function parseHost(text) {
    const match = typeof text === 'string' ? text.trim().match(HOST_RE) : null;
    if (!match) return null;
    const port = match[4] ? Number(match[4]) : null;
    if (port !== null && (port < 1 || port > 65535)) return null;
    const path = match[5] && match[5] !== '/' ? match[5] : ''; // a path prefix: only pages under it
    return { scheme: match[1].toLowerCase(), wildcard: Boolean(match[2]), host: match[3].toLowerCase(), port, path };
  }

  /** The Chrome match pattern that covers a profile host (ports are not part of a pattern; the path is checked per page). */
  function hostPattern(text) {
    const host = parseHost(text);
    return host ? `${host.scheme}://${host.wildcard ? '*.' : ''}${host.host}/*` : null;
  }

  /** True when the page URL lies on one of the profile's hosts (scheme, host and port). */
  function hostMatches(profile, pageUrl) {
    let url;
    try {
      url = new URL(pageUrl);
    } catch (error) {
      return false;
    }
    const pagePort = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return (Array.isArray(profile && profile.hosts) ? profile.hosts : []).some((text) => {
      const host = parseHost(text);
      if (!host || url.protocol !== host.scheme + ':') return false;
      const name = url.hostname.toLowerCase();
      const onHost = host.wildcard ? name === host.host || name.endsWith('.' + host.host) : name === host.host;
      const port = host.port || (host.scheme === 'https' ? 443 : 80);
      return onHost && port === pagePort && url.pathname.startsWith(host.path);
    });
  }

  function typeName(value) {
    if (Array.isArray(value)) return 'array';
    if (value === null) return 'null';
    return typeof value;
  }

  /**
   * Every problem in a profile, as [{path, code, detail}]; empty when it can be used.
   * `checkSelector(selector)` throws on a bad CSS selector (pages pass the browser's own parser).
   */
  function validate(profile, options = {}) {
    const checkSelector = options.checkSelector || null;
    const problems = [];
    const add = (path, code, detail = '') => problems.push({ path, code, detail: String(detail) });

    function leaf(path, kind, value) {
      const type = kind.replace('!', '');
      if (type === 'string' && typeof value !== 'string') add(path, 'type', 'string');
      else if (type === 'integer' && !Number.isInteger(value)) add(path, 'type', 'integer');
      else if (type === 'id' && (typeof value !== 'string' || !ID_RE.test(value))) add(path, 'id', value);
      else if (type === 'host' && !parseHost(value)) add(path, 'host', value);
      else if (type === 'shortcut' && !parseShortcut(value)) add(path, 'shortcut', value);
      else if (type === 'selector') {
        if (typeof value !== 'string' || !scope(value).css) add(path, 'type', 'selector');
        else if (checkSelector) {
          try {
            checkSelector(scope(value).css);
          } catch (error) {
            add(path, 'selector', value);
          }
        }
      }
    }

    function walk(path, shape, value) {
      if (typeof shape === 'string') return leaf(path, shape, value);
      if (Array.isArray(shape)) {
        if (!Array.isArray(value)) return add(path, 'type', 'array');
        value.forEach((item, i) => leaf(`${path}[${i}]`, shape[0], item));
        return undefined;
      }
      if (typeName(value) !== 'object') return add(path, 'type', 'object');
      for (const [key, sub] of Object.entries(shape)) {
        if (typeof sub === 'string' && sub.endsWith('!') && !(key in value)) add(path ? `${path}.${key}` : key, 'missing');
      }
      for (const [key, item] of Object.entries(value)) {
        const where = path ? `${path}.${key}` : key;
        const sub = Object.hasOwn(shape, key) ? shape[key] : shape['*field'] && FIELDS.includes(key) ? shape['*field'] : null;
        if (!sub) add(where, 'unknown');
        else walk(where, sub, item);
      }
      return undefined;
    }

    if (typeName(profile) !== 'object') {
      add('', 'type', 'object');
      return problems;
    }
    for (const key of REQUIRED_TOP) if (!(key in profile)) add(key, 'missing');
    walk('', SHAPE, profile);
    // A built-in profile runs on the webmailHosts setting instead of hosts of its own.
    if (Array.isArray(profile.hosts) && !profile.hosts.length && !options.builtin) add('hosts', 'empty');
    const recipients = typeName(profile.recipients) === 'object' ? profile.recipients : {};
    if ('recipients' in profile && !recipients.to) add('recipients.to', 'missing');
    for (const field of FIELDS) {
      const spec = recipients[field];
      if (typeName(spec) === 'object' && !spec.text && !spec.chips) add(`recipients.${field}`, 'no_source');
    }
    return problems;
  }

  /** Parse a profile list typed on the options page: one profile or an array; problems by path. */
  function parseList(text, options = {}) {
    let value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { profiles: [], problems: [{ path: '', code: 'json', detail: error.message }] };
    }
    const list = Array.isArray(value) ? value : [value];
    const problems = [];
    const seen = new Set();
    list.forEach((profile, i) => {
      const label = list.length > 1 || Array.isArray(value) ? `[${i}]` : '';
      for (const p of validate(profile, options)) problems.push({ ...p, path: label + (p.path && label ? '.' : '') + p.path });
      if (profile && typeof profile.id === 'string') {
        if (seen.has(profile.id)) problems.push({ path: `${label}.id`, code: 'duplicate', detail: profile.id });
        seen.add(profile.id);
      }
    });
    return { profiles: list, problems };
  }

  /** One problem in words, with `t(key, substitutions)` (chrome.i18n.getMessage) for the language. */
  function describe(problem, t) {
    const where = problem.path || t('profileTop');
    return t('profileProblem_' + problem.code, [where, problem.detail]) || `${where}: ${problem.code} ${problem.detail}`;
  }

  /**
   * The profile a page uses: the first site profile whose hosts match (administrator's first),
   * else the built-in Roundcube one on the webmailHosts origins; null when none applies.
   * Returns {profile, problems, source}; problems non-empty means "block with a reason".
   */
  function choose(pageUrl, { managed = [], local = [], builtins = {}, webmailHosts = [], normaliseOrigin = null }) {
    const sites = [...managed.map((p) => [p, 'managed']), ...local.map((p) => [p, 'local'])];
    for (const [profile, source] of sites) {
      if (hostMatches(profile, pageUrl)) return { profile, problems: validate(profile), source };
    }
    let origin = '';
    try {
      origin = new URL(pageUrl).origin;
    } catch (error) {
      origin = '';
    }
    const hosts = webmailHosts.map((h) => (normaliseOrigin ? normaliseOrigin(h) : h));
    if (origin && hosts.includes(origin) && builtins.roundcube) {
      return { profile: builtins.roundcube, problems: validate(builtins.roundcube, { builtin: true }), source: 'builtin' };
    }
    return null;
  }

  const api = { BUILTIN, FIELDS, scope, parseShortcut, parseHost, hostPattern, hostMatches, validate, parseList, describe, choose };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.AtesakiProfiles = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
