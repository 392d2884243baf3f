/* Site profiles: an adapter made from a description of a webmail's compose page (docs/site-profiles.md). */
'use strict';

/*
 * A profile names, with CSS selectors, where a webmail keeps what a check needs:
 *   compose            the compose root (one per page is enough); the page counts as a compose
 *                      only when fields.to is found
 *   scope              "page" (the fields may sit anywhere in the document) or "compose"
 *   fields.{to,cc,bcc} {text, chips, typed, row, reveal}
 *                        text   the input/textarea the webmail submits ("Name <a@x>, b@y")
 *                        chips  the chips shown for it, in the same order (optional)
 *                        typed  text typed after the chips, not yet a chip (optional)
 *                        row    the row to reveal before writing; reveal: the link that shows it
 *                      or {chips, address, name, typed} for chip-only fields: address is
 *                      "attr:NAME", "title" or "text" (the first address found in it)
 *   send               Send controls; notSend: containers whose "send" buttons are the webmail's
 *                      own prompts after a released send (pass them)
 *   shortcuts          "Ctrl+Enter", "Meta+Enter", "Alt+S" …
 *   subject, body, bodyFrame, attachments, attachmentName, from, reply, forward (selectors or
 *   lists of selectors, first match wins; reply/forward also match URL parameters "param:_reply_uid")
 * Recipients are changed (did-you-mean, move to Bcc) only where every field has `text`: the
 * submitted value is rewritten and a `change` event tells the webmail's widget to redraw.
 */
globalThis.AtesakiProfile = (() => {
  const P = AtesakiParse;
  const D = AtesakiDom;
  const FIELDS = ['to', 'cc', 'bcc'];

  function list(value) {
    if (!value) return [];
    return Array.isArray(value) ? value : [value];
  }

  function any(root, selectors) {
    return list(selectors).length ? D.first(root, list(selectors)) : null;
  }

  /** "Ctrl+Enter" -> a test of a keydown event. */
  function shortcutTest(text) {
    const parts = String(text).split('+').map((p) => p.trim().toLowerCase());
    const key = parts.pop();
    const want = { ctrl: parts.includes('ctrl'), meta: parts.includes('meta') || parts.includes('cmd'), alt: parts.includes('alt'), shift: parts.includes('shift') };
    return (event) => event.key && event.key.toLowerCase() === key && event.ctrlKey === want.ctrl && event.metaKey === want.meta
      && event.altKey === want.alt && (!want.shift || event.shiftKey);
  }

  /**
   * Does a profile's host pattern cover this page? "https://mail.example.jp",
   * "https://*.example.jp" (any subdomain), "https://mail.example.jp/webmail/" (a path prefix).
   */
  function coversHost(pattern, location) {
    const text = String(pattern).trim();
    let url;
    try {
      url = new URL(text.replace('://*.', '://wildcard-host.'));
    } catch (error) {
      return false;
    }
    if (url.protocol !== location.protocol || (url.port || '') !== (location.port || '')) return false;
    const host = url.hostname;
    const hostOk = host.startsWith('wildcard-host.')
      ? location.hostname === host.slice(14) || location.hostname.endsWith('.' + host.slice(14))
      : host === location.hostname;
    return hostOk && location.pathname.startsWith(url.pathname || '/');
  }

  /** Make an adapter (see content/dom.js for the interface) from a profile. */
  function adapter(profile) {
    const fields = profile.fields || {};
    const shortcuts = list(profile.shortcuts || ['Ctrl+Enter', 'Meta+Enter']).map(shortcutTest);
    const canEdit = FIELDS.every((field) => fields[field] && fields[field].text);

    function scopeOf(compose) {
      return profile.scope === 'compose' ? compose : compose.ownerDocument;
    }

    function composes(doc) {
      const to = fields.to || {};
      if (!doc.querySelector(to.text || to.chips)) return [];
      const roots = D.outermost([...doc.querySelectorAll(list(profile.compose).join(', ') || 'form')]);
      return roots.length ? [roots[0]] : [doc.body];
    }

    function composeOf(node) {
      const doc = node && (node.ownerDocument || node);
      return (doc && composes(doc)[0]) || null; // one compose per page
    }

    function sendButtonOf(node) {
      const button = D.closest(node, list(profile.send).join(', '));
      return button && !(profile.notSend && button.closest(profile.notSend)) ? button : null;
    }

    function sendButton(compose) {
      const all = [...compose.ownerDocument.querySelectorAll(list(profile.send).join(', '))];
      return all.find((b) => !(profile.notSend && b.closest(profile.notSend))) || null;
    }

    function chipAddress(chip, how) {
      const spec = how || 'title';
      if (spec.startsWith('attr:')) return P.firstAddress(chip.getAttribute(spec.slice(5)));
      if (spec === 'title') return P.firstAddress((chip.getAttribute('title') || '') + ' ' + D.text(chip));
      return P.firstAddress(D.text(chip));
    }

    function chipName(chip, spec, address) {
      let name = '';
      if (spec && spec.startsWith('attr:')) name = P.cleanText(chip.getAttribute(spec.slice(5)));
      else if (spec) name = D.text(chip.querySelector(spec));
      name = name || D.text(chip);
      return name === address ? '' : name.replace(address, '').replace(/[<>(),;]/g, ' ').replace(/\s+/g, ' ').trim();
    }

    function typedItems(scope, spec) {
      const typedEl = spec.typed && scope.querySelector(spec.typed);
      return typedEl && P.cleanText(typedEl.value) ? P.splitAddressList(typedEl.value) : [];
    }

    /**
     * One field. With `text`, that is what the webmail submits; its widget writes the chips into
     * it in order, then any typed text, so the first items are the chips' and the rest must be
     * the typed text; anything else is not on screen and is read so that the counts differ.
     */
    function readField(scope, field) {
      const spec = fields[field];
      if (!spec) return [];
      const found = [];
      const chips = spec.chips ? [...scope.querySelectorAll(spec.chips)] : [];
      const typed = typedItems(scope, spec);
      if (!spec.text) {
        for (const chip of chips) {
          const address = chipAddress(chip, spec.address);
          const name = chipName(chip, spec.name, address);
          found.push(address ? { field, address, name } : { field, address: '', name, unresolved: true });
        }
        return found.concat(typed.map((item) => ({ field, ...item })));
      }
      const textEl = scope.querySelector(spec.text);
      const items = textEl ? P.splitAddressList(textEl.value) : [];
      const shownChips = spec.chips ? chips.length : 0;
      items.slice(0, shownChips).forEach((item, index) => {
        // A chip that shows no address: the user cannot see where this one goes, so it is reported.
        const chip = chips[index];
        if (!chipAddress(chip, spec.address)) found.push({ field, address: '', name: chipName(chip, spec.name, ''), unresolved: true });
        else found.push({ field, ...item });
      });
      const key = (item) => item.address.toLowerCase();
      const typedKeys = new Set(typed.map(key));
      for (const item of items.slice(shownChips)) if (!typedKeys.has(key(item))) found.push({ field, ...item });
      for (const item of typed) found.push({ field, ...item });
      return found;
    }

    /** What the page shows: chips (a chip with no address is still one) and typed text; a bare text field's items. */
    function shownCount(scope) {
      let count = 0;
      for (const field of FIELDS) {
        const spec = fields[field];
        if (!spec) continue;
        if (spec.chips) count += scope.querySelectorAll(spec.chips).length + typedItems(scope, spec).length;
        else if (spec.text) {
          const textEl = scope.querySelector(spec.text);
          count += textEl ? P.splitAddressList(textEl.value).length : 0;
        }
      }
      return count;
    }

    function mode(doc) {
      const params = new URLSearchParams(doc.location ? doc.location.search : '');
      const marked = (selectors) => list(selectors).some((selector) => {
        if (selector.startsWith('param:')) return Boolean(params.get(selector.slice(6)));
        const el = doc.querySelector(selector);
        return Boolean(el && (el.value === undefined || el.value));
      });
      if (marked(profile.forward)) return 'forward';
      if (marked(profile.reply)) return 'reply';
      return null;
    }

    function read(compose) {
      const scope = scopeOf(compose);
      const doc = compose.ownerDocument;
      const recipients = FIELDS.flatMap((field) => readField(scope, field));
      const subjectInput = any(scope, profile.subject);
      const subject = subjectInput ? P.cleanText(subjectInput.value) : '';
      let body = '';
      const frame = profile.bodyFrame && scope.querySelector(profile.bodyFrame);
      if (frame && frame.contentDocument && frame.offsetParent) body = frame.contentDocument.body.innerText || '';
      else {
        const bodyEl = any(scope, profile.body);
        body = bodyEl ? (bodyEl.value !== undefined ? bodyEl.value : bodyEl.innerText || '') : '';
      }
      const attachments = profile.attachments
        ? [...scope.querySelectorAll(profile.attachments)].map((el) => ({
          name: D.text(profile.attachmentName ? el.querySelector(profile.attachmentName) : null) || D.text(el),
        })).filter((a) => a.name)
        : [];
      const from = any(scope, profile.from);
      const fromText = from ? (from.selectedOptions && from.selectedOptions[0] ? from.selectedOptions[0].textContent : from.value || D.text(from)) : '';
      return {
        sender: P.firstAddress(fromText),
        kind: P.decideKind(mode(doc), subject),
        subject,
        recipients,
        shown: shownCount(scope),
        thread_recipients: [],
        body,
        attachments,
      };
    }

    function formatList(items) {
      return items.map((r) => (r.name ? `${/[",;<>@]/.test(r.name) ? JSON.stringify(r.name) : r.name} <${r.address}>` : r.address)).join(', ') + (items.length ? ', ' : '');
    }

    function rewrite(scope, field, change) {
      const spec = fields[field];
      const textEl = spec && scope.querySelector(spec.text);
      if (!textEl) return false;
      const items = change(P.splitAddressList(textEl.value));
      if (items === null) return false;
      const rowEl = spec.row && scope.querySelector(spec.row);
      if (rowEl && !rowEl.offsetParent && spec.reveal) {
        const toggle = scope.querySelector(spec.reveal);
        if (toggle) D.click(toggle);
      }
      // Setting the submitted value and firing change makes the webmail's widget redraw from it.
      D.setValue(textEl, formatList(items));
      return true;
    }

    function without(address) {
      return (items) => {
        const kept = items.filter((item) => item.address.toLowerCase() !== address.toLowerCase());
        return kept.length === items.length ? null : kept;
      };
    }

    async function replaceRecipient(compose, field, oldAddress, recipient) {
      return rewrite(scopeOf(compose), field, (items) => {
        const index = items.findIndex((item) => item.address.toLowerCase() === oldAddress.toLowerCase());
        if (index < 0) return null;
        items.splice(index, 1, { name: recipient.name || '', address: recipient.address });
        return items;
      });
    }

    async function moveToBcc(compose, recipients) {
      const scope = scopeOf(compose);
      const moving = recipients.filter((r) => r.field !== 'bcc' && rewrite(scope, r.field, without(r.address)));
      if (!moving.length) return false;
      return rewrite(scope, 'bcc', (items) => items.concat(moving.map((r) => ({ name: r.name || '', address: r.address }))));
    }

    const made = {
      name: profile.id || 'profile',
      profile,
      matches: (location) => !list(profile.hosts).length || list(profile.hosts).some((pattern) => coversHost(pattern, location)),
      composes,
      composeOf,
      sendButtonOf,
      sendButton,
      isSendShortcut: (event) => shortcuts.some((test) => test(event)),
      read,
    };
    // Only where the submitted value itself can be rewritten; chip-only fields are not changed by script.
    if (canEdit) Object.assign(made, { replaceRecipient, moveToBcc });
    return made;
  }

  /** A profile's problems, for the options page and administrators (empty when usable). */
  function problems(profile) {
    const found = [];
    if (!profile || typeof profile !== 'object') return ['not an object'];
    if (!profile.fields || !profile.fields.to || !(profile.fields.to.text || profile.fields.to.chips)) found.push('fields.to needs text or chips');
    if (!list(profile.send).length) found.push('send is missing');
    for (const selector of [profile.compose, profile.send, profile.subject, profile.body].flatMap(list)) {
      try {
        document.createDocumentFragment().querySelector(selector);
      } catch (error) {
        found.push('bad selector: ' + selector);
      }
    }
    return found;
  }

  /**
   * Administrators' profiles (`siteProfiles` in managed storage, else in local storage), made
   * into adapters ahead of the built-in ones so that a profile for this host wins. Resolves once
   * they are in AtesakiAdapters; a broken profile is skipped, never half-used.
   */
  async function loadStored() {
    const area = async (name) => {
      try {
        return (await chrome.storage[name].get('siteProfiles')).siteProfiles;
      } catch (error) {
        return undefined; // no policy on this machine
      }
    };
    const managed = await area('managed');
    const stored = Array.isArray(managed) ? managed : await area('local');
    const usable = (Array.isArray(stored) ? stored : []).filter((p) => !problems(p).length && list(p.hosts).length);
    AtesakiAdapters.unshift(...usable.map(adapter));
  }

  const ready = typeof chrome !== 'undefined' && chrome.storage ? loadStored().catch(() => {}) : Promise.resolve();

  return { adapter, coversHost, problems, ready };
})();
