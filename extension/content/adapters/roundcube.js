/* Roundcube adapter (elastic skin): runs on the hosts listed in webmailHosts. */
'use strict';

(() => {
  const P = AtesakiParse;
  const D = AtesakiDom;

  // Roundcube submits the hidden textareas; the chip widget (`.recipient-input`) only mirrors them,
  // and rebuilds itself from a textarea's `change` event (skins/elastic/ui.js recipient_input).
  const SEL = {
    COMPOSE: '#compose-content, form[name="form"]',
    FIELD_TEXT: (field) => `textarea#_${field}, input#_${field}`,
    FIELD_ROW: (field) => `#compose_${field}`,
    CHIP: '.recipient-input .recipient',
    TYPED: '.recipient-input input',
    SHOW_FIELD: (field) => `#headers-menu a.recipient[data-target="${field}"], a[data-target="${field}"]`,
    SUBJECT: ['#compose-subject', 'input[name="_subject"]'],
    BODY: ['#composebody', 'textarea[name="_message"]'],
    BODY_HTML_FRAME: '#composebody_ifr',
    ATTACHMENT: '#attachment-list li',
    ATTACHMENT_NAME: '.attachment-name, a.filename, span.name',
    SEND: 'button.send, a.send, #rcmbtn_send, [data-command="send"]',
    // Roundcube's own prompts (e.g. "send without a subject?") carry a `button.send` too; they come
    // only after a send we released, and continue that same checked send, so they pass.
    WEBMAIL_PROMPT: '.ui-dialog',
    FROM: '#_from',
    // Reply/forward marks: compose URL parameters and the form's hidden fields.
    MODE_INPUT: 'input[name="_reply_uid"], input[name="_forward_uid"]',
  };
  const FIELDS = ['to', 'cc', 'bcc'];

  function composes(doc) {
    if (!doc.querySelector(SEL.FIELD_TEXT('to'))) return [];
    const roots = D.outermost([...doc.querySelectorAll(SEL.COMPOSE)]);
    return roots.length ? [roots[0]] : [doc.body];
  }

  function composeOf(node) {
    const doc = node && (node.ownerDocument || node);
    const all = doc ? composes(doc) : [];
    // One compose per page; the Send button lives in the toolbar outside the form.
    return all[0] || null;
  }

  function sendButtonOf(node) {
    const button = D.closest(node, SEL.SEND);
    return button && !button.closest(SEL.WEBMAIL_PROMPT) ? button : null;
  }

  function sendButton(compose) {
    return [...compose.ownerDocument.querySelectorAll(SEL.SEND)].find((b) => !b.closest(SEL.WEBMAIL_PROMPT)) || null;
  }

  function isSendShortcut(event) {
    return event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey;
  }

  /**
   * One field: the textarea is what Roundcube submits. Its widget writes the chips into it in
   * order, then any typed text (skins/elastic/ui.js recipient_input apply_func), so the first
   * items are the chips' and the rest must be the typed text; anything else is not on screen.
   */
  function readField(doc, field) {
    const found = [];
    const textEl = doc.querySelector(SEL.FIELD_TEXT(field));
    const row = doc.querySelector(SEL.FIELD_ROW(field));
    const chips = row ? [...row.querySelectorAll(SEL.CHIP)] : [];
    const items = textEl ? P.splitAddressList(textEl.value) : [];
    items.slice(0, chips.length).forEach((item, index) => {
      // A chip that shows no address: the user cannot see where this one goes, so it is reported.
      const chip = chips[index];
      if (!P.firstAddress((chip.getAttribute('title') || '') + ' ' + D.text(chip))) {
        found.push({ field, address: '', name: D.text(chip.querySelector('.name')) || D.text(chip), unresolved: true });
      } else found.push({ field, ...item });
    });
    const typedEl = row && row.querySelector(SEL.TYPED);
    const typed = typedEl && P.cleanText(typedEl.value) ? P.splitAddressList(typedEl.value) : [];
    const rest = items.slice(chips.length);
    const key = (item) => item.address.toLowerCase();
    const typedKeys = new Set(typed.map(key));
    for (const item of rest) if (!typedKeys.has(key(item))) found.push({ field, ...item }); // submitted, not shown
    for (const item of typed) found.push({ field, ...item });
    return found;
  }

  /**
   * How many recipients the page shows: the chips (a chip with no address is still one) and any
   * text typed after them. Read apart from the textarea, so the two must agree.
   */
  function shownCount(doc) {
    let count = 0;
    for (const field of FIELDS) {
      const rowEl = doc.querySelector(SEL.FIELD_ROW(field));
      if (!rowEl) continue;
      count += rowEl.querySelectorAll(SEL.CHIP).length;
      const typed = rowEl.querySelector(SEL.TYPED);
      if (typed && P.cleanText(typed.value)) count += P.splitAddressList(typed.value).length;
    }
    return count;
  }

  function read(compose) {
    const doc = compose.ownerDocument;
    const recipients = FIELDS.flatMap((field) => readField(doc, field));
    const subjectInput = D.first(doc, SEL.SUBJECT);
    const subject = subjectInput ? P.cleanText(subjectInput.value) : '';
    let body = '';
    const frame = doc.querySelector(SEL.BODY_HTML_FRAME);
    if (frame && frame.contentDocument && frame.offsetParent) body = frame.contentDocument.body.innerText || '';
    else {
      const textarea = D.first(doc, SEL.BODY);
      body = textarea ? textarea.value : '';
    }
    const attachments = [...doc.querySelectorAll(SEL.ATTACHMENT)].map((el) => ({
      name: D.text(el.querySelector(SEL.ATTACHMENT_NAME)) || D.text(el),
    })).filter((a) => a.name);
    const params = new URLSearchParams(doc.location ? doc.location.search : '');
    let mode = null;
    const marks = [...doc.querySelectorAll(SEL.MODE_INPUT)].filter((el) => el.value).map((el) => el.name);
    if (params.get('_forward_uid') || marks.includes('_forward_uid')) mode = 'forward';
    else if (params.get('_reply_uid') || marks.includes('_reply_uid')) mode = 'reply';
    const from = doc.querySelector(SEL.FROM);
    const fromText = from ? (from.selectedOptions && from.selectedOptions[0] ? from.selectedOptions[0].textContent : from.value) : '';
    return {
      sender: P.firstAddress(fromText),
      kind: P.decideKind(mode, subject),
      subject,
      recipients,
      shown: shownCount(doc),
      thread_recipients: [],
      body,
      attachments,
    };
  }

  function formatList(items) {
    return items.map((r) => (r.name ? `${/[",;<>@]/.test(r.name) ? JSON.stringify(r.name) : r.name} <${r.address}>` : r.address)).join(', ') + (items.length ? ', ' : '');
  }

  function rewrite(doc, field, change) {
    const textEl = doc.querySelector(SEL.FIELD_TEXT(field));
    if (!textEl) return false;
    const items = change(P.splitAddressList(textEl.value));
    if (items === null) return false;
    const row = doc.querySelector(SEL.FIELD_ROW(field));
    if (row && row.classList.contains('hidden')) {
      const toggle = doc.querySelector(SEL.SHOW_FIELD(field));
      if (toggle) D.click(toggle);
      row.classList.remove('hidden');
    }
    // Setting the textarea and firing change makes Roundcube's widget rebuild its chips from it.
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
    const doc = compose.ownerDocument;
    return rewrite(doc, field, (items) => {
      const index = items.findIndex((item) => item.address.toLowerCase() === oldAddress.toLowerCase());
      if (index < 0) return null;
      items.splice(index, 1, { name: recipient.name || '', address: recipient.address });
      return items;
    });
  }

  async function moveToBcc(compose, recipients) {
    const doc = compose.ownerDocument;
    const moving = recipients.filter((r) => r.field !== 'bcc' && rewrite(doc, r.field, without(r.address)));
    if (!moving.length) return false;
    return rewrite(doc, 'bcc', (items) => items.concat(moving.map((r) => ({ name: r.name || '', address: r.address }))));
  }

  AtesakiAdapters.push({
    name: 'roundcube',
    // Injected only on the hosts the user or administrator listed, so any page it lands on counts.
    matches: () => true,
    SEL,
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
