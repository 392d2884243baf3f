/* The site-profile adapter: reads any webmail's compose from a profile (data), the built-in Roundcube one included. */
'use strict';

(() => {
  const P = AtesakiParse;
  const D = AtesakiDom;
  const PR = AtesakiProfiles;

  // Until the profile has arrived from the service worker (a few ms), or when it is broken,
  // anything that looks like a Send is held and answered with the reason: a bad profile must
  // never leave the page unchecked.
  const FALLBACK_SEND = 'button, [role="button"], input[type="submit"], input[type="button"], a';
  // The whole label starts with the word: "Send", "Send (Ctrl+Enter)", "送信", "送信する", or an
  // icon font's ligature "send"; not "Sent", "Sender" or the folder "送信済み".
  const FALLBACK_SEND_WORDS = /^(send|送信(する)?)(?![\p{L}\p{N}])/iu;
  const FALLBACK_SHORTCUTS = ['Ctrl+Enter', 'Meta+Enter'].map(PR.parseShortcut);

  let profile = null; // the profile in force, once loaded and valid
  let reason = null; // why the page cannot be read: a message shown in the dialog
  let shortcuts = FALLBACK_SHORTCUTS;
  // No profile applies to this page (the registration pattern covers every port of a host, a
  // profile names one): then the page is not a webmail we check, and nothing is held.
  let inert = false;

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  /** Elements a profile selector names, inside `root` or (with `page:`) anywhere on the page. */
  function all(root, selector) {
    if (!selector || !root) return [];
    const { page, css } = PR.scope(selector);
    const base = page ? root.ownerDocument || root : root;
    return [...base.querySelectorAll(css)];
  }

  function one(root, selector) {
    return all(root, selector)[0] || null;
  }

  function composes(doc) {
    if (!profile) return [];
    const roots = D.outermost(all(doc, PR.scope(profile.compose.root).css));
    const require = profile.compose.requires;
    return roots.filter((root) => !require || one(root, require));
  }

  function composeOf(node) {
    const doc = node && (node.ownerDocument || node);
    if (!doc || inert) return null;
    if (!profile) return doc.body || null; // read() then says why nothing can be checked
    const found = composes(doc);
    const own = found.find((root) => root.contains(node));
    if (own) return own;
    // A Send or shortcut outside every compose (Roundcube's toolbar) belongs to the only one open.
    return found.length === 1 ? found[0] : null;
  }

  function looksLikeSend(element) {
    const words = [element.textContent, element.getAttribute('aria-label'), element.getAttribute('title'), element.value];
    return words.some((w) => typeof w === 'string' && FALLBACK_SEND_WORDS.test(w.trim().slice(0, 40)));
  }

  function sendLike(node) {
    const candidate = D.closest(node, FALLBACK_SEND);
    return candidate && looksLikeSend(candidate) ? candidate : null;
  }

  function sendButtonOf(node) {
    if (inert) return null;
    if (!profile) return sendLike(node);
    const button = D.closest(node, PR.scope(profile.send.buttons).css);
    if (button) return profile.send.ignore && button.closest(PR.scope(profile.send.ignore).css) ? null : button;
    // A profile gone stale (the webmail changed its Send): while a compose is open and the profile
    // finds no Send on the page, a control that looks like Send is held, and read() says why.
    const candidate = sendLike(node);
    if (!candidate || !composes(candidate.ownerDocument).length || sendButton(candidate.ownerDocument.body)) return null;
    return candidate;
  }

  function sendButton(compose) {
    if (!profile) return null;
    const ignore = profile.send.ignore ? PR.scope(profile.send.ignore).css : null;
    const usable = (b) => !ignore || !b.closest(ignore);
    return all(compose, profile.send.buttons).find(usable)
      || all(compose.ownerDocument, PR.scope(profile.send.buttons).css).find(usable)
      || null;
  }

  function isSendShortcut(event) {
    // Letters compare without case: with Shift held, "S" arrives as the key of "Alt+Shift+S".
    const key = String(event.key || '').toLowerCase();
    return !inert && shortcuts.some((s) => s && key === s.key.toLowerCase() && event.ctrlKey === s.ctrl && event.metaKey === s.meta
      && event.altKey === s.alt && event.shiftKey === s.shift);
  }

  /** Fail closed: the core shows this in the dialog's error state and sends nothing. */
  function unreadable(detail) {
    const error = new Error(detail);
    // The id is what an administrator searches their policy for; the name is what they recognise.
    const label = profile ? (profile.name ? `${profile.name} [${profile.id}]` : profile.id) : '?';
    error.hint = t('profileCannotRead', [label, detail]);
    return error;
  }

  function fieldRoot(compose, spec) {
    return spec.field ? one(compose, spec.field) : compose;
  }

  function chipItems(compose, field, spec) {
    const area = fieldRoot(compose, spec);
    if (!area || !spec.chips) return [];
    return all(area, spec.chips.chip).map((chip) => {
      const source = spec.chips.label ? one(chip, spec.chips.label) : chip;
      const text = spec.chips.attribute ? chip.getAttribute(spec.chips.attribute) || '' : D.text(source);
      const items = P.splitAddressList(text).filter((i) => i.address && P.firstAddress(i.address));
      return { chip, text, items };
    });
  }

  /** A chip as the core wants it: its address, or `unresolved` (never skipped: it may still get the mail). */
  function chipRecipient(field, { text, items }) {
    if (items.length === 1) return { field, ...items[0] };
    return { field, address: '', name: P.cleanText(text.replace(/[<>,;]/g, ' ')), unresolved: true };
  }

  function typedItems(compose, spec) {
    const area = fieldRoot(compose, spec);
    const typed = spec.input && area ? one(area, spec.input) : null;
    // Typed text not yet turned into a chip is sent by most webmails (added on blur): it counts.
    return typed && P.cleanText(typed.value) ? P.splitAddressList(typed.value) : [];
  }

  /**
   * One field, and how many recipients the page shows in it (chips and typed text; a bare text
   * field's own items). With `text` and chips (Roundcube), the webmail writes the chips into the
   * text in order, then what is typed: the first items belong to the chips, and any other item is
   * not on screen, read so that the counts differ and the core refuses.
   */
  function readField(compose, field, spec) {
    const chips = chipItems(compose, field, spec);
    const typed = typedItems(compose, spec);
    const textEl = spec.text ? one(compose, spec.text) : null;
    if (spec.text && !textEl && field === 'to') throw unreadable(t('profileFieldMissing', [field]));
    const found = [];
    if (!textEl) {
      for (const chip of chips) found.push(chipRecipient(field, chip));
      for (const item of typed) found.push({ field, ...item });
      return { found, shown: chips.length + typed.length };
    }
    const items = P.splitAddressList(textEl.value);
    if (!spec.chips) return { found: items.map((item) => ({ field, ...item })), shown: items.length };
    items.slice(0, chips.length).forEach((item, index) => {
      found.push(chips[index].items.length ? { field, ...item } : chipRecipient(field, chips[index]));
    });
    const typedKeys = new Set(typed.map((item) => item.address.toLowerCase()));
    for (const item of items.slice(chips.length)) if (!typedKeys.has(item.address.toLowerCase())) found.push({ field, ...item });
    for (const item of typed) found.push({ field, ...item });
    return { found, shown: chips.length + typed.length };
  }

  function modeOf(doc) {
    const params = new URLSearchParams(doc.location ? doc.location.search : '');
    const marked = (spec) => spec && ((spec.param && params.get(spec.param))
      || (spec.selector && all(doc, PR.scope(spec.selector).css).some((el) => el.value || el.value === undefined)));
    const mode = profile.mode || {};
    if (marked(mode.forward)) return 'forward';
    if (marked(mode.reply)) return 'reply';
    return null;
  }

  function read(compose) {
    if (!profile) {
      const error = new Error(reason || 'no profile');
      error.hint = reason || t('profileLoading');
      throw error;
    }
    const doc = compose.ownerDocument;
    if (!sendButton(compose)) throw unreadable(t('profileMatchesNothing', ['send.buttons']));
    // Raw, not de-duplicated: the core compares their number with what the page shows.
    const fields = PR.FIELDS.filter((field) => profile.recipients[field]).map((field) => readField(compose, field, profile.recipients[field]));
    const recipients = fields.flatMap((f) => f.found);
    const shown = fields.reduce((sum, f) => sum + f.shown, 0);
    const subjectInput = one(compose, profile.subject);
    const subject = subjectInput ? P.cleanText(subjectInput.value) : '';
    let body = '';
    const bodySpec = profile.body || {};
    const frame = bodySpec.frame ? one(compose, bodySpec.frame) : null;
    if (frame && frame.contentDocument && frame.offsetParent) body = frame.contentDocument.body.innerText || '';
    else {
      const element = one(compose, bodySpec.text);
      body = element ? ('value' in element ? element.value : element.innerText) || '' : '';
    }
    const attachSpec = profile.attachments;
    const attachments = attachSpec ? all(compose, attachSpec.item).map((el) => ({
      name: D.text(attachSpec.name ? one(el, attachSpec.name) : null) || D.text(el),
    })).filter((a) => a.name) : [];
    const from = one(compose, profile.from);
    let fromText = '';
    if (from) fromText = from.selectedOptions && from.selectedOptions[0] ? from.selectedOptions[0].textContent : from.value || D.text(from);
    return {
      sender: P.firstAddress(fromText),
      ...P.composeKind(modeOf(doc), false),
      subject,
      recipients,
      shown,
      thread_recipients: [],
      body,
      attachments,
    };
  }

  function formatOne(r) {
    return r.name ? `${/[",;<>@]/.test(r.name) ? JSON.stringify(r.name) : r.name} <${r.address}>` : r.address;
  }

  function formatList(items) {
    return items.map(formatOne).join(', ') + (items.length ? ', ' : '');
  }

  function reveal(compose, spec) {
    const area = fieldRoot(compose, spec);
    const hidden = !area || area.classList.contains('hidden') || area.closest('.hidden, .ng-hide, [hidden]');
    if (hidden && spec.show) {
      const toggle = one(compose, spec.show);
      if (toggle) D.click(toggle);
    }
    if (area && area.classList.contains('hidden')) area.classList.remove('hidden');
  }

  /** Text format: rewrite the submitted field and fire change, from which the webmail redraws its chips. */
  function rewriteText(compose, spec, change) {
    const textEl = one(compose, spec.text);
    if (!textEl) return false;
    const items = change(P.splitAddressList(textEl.value));
    if (items === null) return false;
    reveal(compose, spec);
    D.setValue(textEl, formatList(items));
    return true;
  }

  const same = (a, b) => a.toLowerCase() === b.toLowerCase();
  const CHIP_WAIT_MS = 1500; // chip widgets redraw on their own schedule (AngularJS: the next digest)

  /** Wait until `done()` is true (checked every 25 ms), at most CHIP_WAIT_MS; its last answer. */
  async function settle(done) {
    const until = Date.now() + CHIP_WAIT_MS;
    while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    return done();
  }

  function hasChip(compose, field, spec, address) {
    return chipItems(compose, field, spec).some(({ items }) => items.some((i) => same(i.address, address)));
  }

  /** Chip format: the chip's own remove control, so the webmail's state changes too (never remove nodes). */
  async function removeChip(compose, field, spec, address) {
    const found = chipItems(compose, field, spec).find(({ items }) => items.some((i) => same(i.address, address)));
    const control = found && spec.chips.remove ? one(found.chip, spec.chips.remove) : null;
    if (!control) return false;
    D.click(control);
    return settle(() => !hasChip(compose, field, spec, address));
  }

  /** Chip format: type the recipient into the field's input and press the key that makes a chip. */
  async function addChip(compose, field, spec, recipient) {
    reveal(compose, spec);
    const area = fieldRoot(compose, spec);
    const input = spec.input && area ? one(area, spec.input) : null;
    if (!input || !spec.add) return false;
    input.focus();
    D.setValue(input, formatOne(recipient));
    const code = spec.add.keyCode || (spec.add.key === 'Enter' ? 13 : 0);
    D.press(input, spec.add.key, { keyCode: code, which: code, code: spec.add.key === ',' ? 'Comma' : spec.add.key });
    return settle(() => hasChip(compose, field, spec, recipient.address));
  }

  async function removeFrom(compose, field, address) {
    const spec = profile && profile.recipients[field];
    if (!spec) return false;
    if (spec.text) {
      return rewriteText(compose, spec, (items) => {
        const kept = items.filter((item) => !same(item.address, address));
        return kept.length === items.length ? null : kept;
      });
    }
    return removeChip(compose, field, spec, address);
  }

  async function addTo(compose, field, recipient) {
    const spec = profile && profile.recipients[field];
    if (!spec) return false;
    const item = { name: recipient.name || '', address: recipient.address };
    if (spec.text) return rewriteText(compose, spec, (items) => items.concat([item]));
    return addChip(compose, field, spec, item);
  }

  async function replaceRecipient(compose, field, oldAddress, recipient) {
    const spec = profile && profile.recipients[field];
    if (spec && spec.text) {
      // One rewrite keeps the recipient's place in the list.
      return rewriteText(compose, spec, (items) => {
        const index = items.findIndex((item) => same(item.address, oldAddress));
        if (index < 0) return null;
        items.splice(index, 1, { name: recipient.name || '', address: recipient.address });
        return items;
      });
    }
    return (await removeFrom(compose, field, oldAddress)) && addTo(compose, field, recipient);
  }

  async function moveToBcc(compose, recipients) {
    if (!profile || !profile.recipients.bcc) return false;
    const moving = [];
    for (const r of recipients) if (r.field !== 'bcc' && (await removeFrom(compose, r.field, r.address))) moving.push(r);
    let moved = 0;
    for (const r of moving) if (await addTo(compose, 'bcc', r)) moved += 1;
    return moved > 0 && moved === moving.length;
  }

  /** Take the profile the service worker chose for this page, or the reason there is none. */
  function apply(answer) {
    if (answer && answer.ok && answer.profile) {
      profile = answer.profile;
      reason = null;
      shortcuts = (profile.send.shortcuts || []).map(PR.parseShortcut).filter(Boolean);
      // Which profile reads this page, for administrators checking a new profile (and for tests).
      document.documentElement.setAttribute('data-atesaki-profile', profile.id);
    } else if (answer && answer.error === 'no_profile') {
      inert = true;
    } else if (answer && answer.error === 'bad_profile') {
      const problems = (answer.problems || []).slice(0, 3).map((p) => PR.describe(p, t)).join('; ');
      reason = t('profileBroken', [answer.id || '?', problems]);
      document.documentElement.setAttribute('data-atesaki-profile', 'broken');
    } else {
      reason = t('profileUnavailable');
    }
  }

  chrome.runtime.sendMessage({ action: 'profile', args: {} }).then(apply, () => apply(null));

  AtesakiAdapters.push({
    name: 'profile',
    // Injected only on the hosts a profile or the webmailHosts setting names, so any page counts.
    matches: () => true,
    profile: () => profile,
    composes,
    composeOf,
    sendButtonOf,
    sendButton,
    isSendShortcut,
    read,
    replaceRecipient,
    moveToBcc,
  });
})();
