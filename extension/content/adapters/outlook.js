/* Outlook on the web adapter (outlook.office.com, office365.com, live.com, cloud.microsoft). */
'use strict';

(() => {
  const P = AtesakiParse;
  const D = AtesakiDom;

  // Outlook changes its DOM often (recipient selectors changed 3 times in a year): ids by pattern,
  // roles and Fluent `fui-*` slot classes only; labels are matched by prefix in both languages.
  // Sources are cited in tests/fixtures/webmail/outlook.html (Briskine's Outlook plugin, OWA helpers).
  const SEL = {
    COMPOSE: '[data-app-section="Form_Content"], [id^="docking_InitVisiblePart"]',
    // The recipient group for a field: ids like MSG_3_TO / MSG_3_CC / MSG_3_BCC.
    FIELD: (field) => `[id^="MSG_"][id$="_${field.toUpperCase()}"]`,
    FIELD_EDITOR: '[contenteditable="true"]',
    // A resolved recipient chip; the address sits in its aria-label or title in some builds only.
    CHIP: '[class*="_EType_RECIPIENT_ENTITY"]',
    CHIP_NAME: '[class*="textContainer"], [class*="individualText"]',
    // Anything in a well that is not typed text, counted apart from CHIP: a chip we cannot read still counts.
    CHIP_SHOWN: '[class*="_EType_RECIPIENT_ENTITY"], [contenteditable="false"]',
    // In a reply the fields may not exist until this summary gets focus (Briskine makeFieldsEditable).
    COLLAPSED_FIELDS: 'div[tabindex]:nth-child(2):not([role="button"])',
    // The suggestion list the user picks people from; its options show the address.
    SUGGESTION: '[role="listbox"] [role="option"]',
    SUBJECT: ['input[id$="_SUBJECT"]', '[id$="_SUBJECT"] input', 'input[aria-label="Add a subject"]', 'input[aria-label="件名を追加"]'],
    BODY: ['[id^="editorParent_"] [role="textbox"][contenteditable="true"]', '[role="textbox"][contenteditable="true"][aria-label*="body" i]', '[role="textbox"][contenteditable="true"][aria-label*="本文"]'],
    // The quoted message of a reply or forward.
    QUOTE: '#divRplyFwdMsg, #mail-editor-reference-message-container',
    ATTACHMENT: '[data-testid="AttachmentCard"], [role="listitem"][aria-label*="."][title]',
    SEND: 'button.fui-SplitButton__primaryActionButton, button[id*="primaryActionButton"], button[aria-label="Send"], button[aria-label="送信"], button[title^="Send"], button[title^="送信"]',
    FROM: '[id$="_FROM"] [aria-label], button[aria-label^="From"], button[aria-label^="差出人"]',
  };
  const FIELDS = ['to', 'cc', 'bcc'];
  const REVEAL_MS = 1000; // how long revealed reply fields may take to appear
  // Display name -> address, from suggestions the user picked on this page (name-only chips).
  const picked = new Map();

  /** A pop-out compose window (an about:blank child of Outlook) is the compose as a whole page. */
  function isPopout(doc) {
    return Boolean(doc.location && doc.location.protocol === 'about:');
  }

  function composes(doc) {
    const found = D.outermost([...doc.querySelectorAll(SEL.COMPOSE)]);
    // Only a pop-out may be a compose without a marked root: the reading pane carries MSG_…_TO ids too.
    if (!found.length && isPopout(doc) && doc.querySelector(SEL.FIELD('to'))) return [doc.body];
    return found;
  }

  function sendButtonOf(node) {
    const button = D.closest(node, 'button, [role="button"]');
    return button && button.matches(SEL.SEND) ? button : null;
  }

  function composeOf(node) {
    const root = D.closest(node, SEL.COMPOSE);
    if (root) return root;
    const doc = node && (node.ownerDocument || node);
    const all = doc ? composes(doc) : [];
    if (all.length === 1 && isPopout(doc)) return all[0];
    // The toolbar with Send sits outside the form in some layouts; with one compose, it is that one.
    // A key pressed anywhere else (the reading pane) is not a send.
    return all.length === 1 && sendButtonOf(node) ? all[0] : null;
  }

  function sendButton(compose) {
    return compose.querySelector(SEL.SEND) || (composes(compose.ownerDocument).length === 1 ? compose.ownerDocument.querySelector(SEL.SEND) : null);
  }

  function isSendShortcut(event) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey) return true;
    // Outlook's own: Alt+S sends (not on a Mac, where Option+S types a character such as ß).
    if (/Mac/.test(navigator.platform)) return false;
    return event.altKey && !event.ctrlKey && !event.metaKey && (event.key === 's' || event.key === 'S' || event.code === 'KeyS');
  }

  function editor(compose, field) {
    const group = compose.querySelector(SEL.FIELD(field));
    if (!group) return null;
    return group.matches(SEL.FIELD_EDITOR) ? group : group.querySelector(SEL.FIELD_EDITOR) || group;
  }

  /** The address a chip shows: "name@x", "Name name@x" or "Name <name@x>" in its label, title or text. */
  function chipAddress(chip) {
    return P.firstAddress(chip.getAttribute('aria-label')) || P.firstAddress(chip.getAttribute('title')) || P.firstAddress(D.text(chip));
  }

  function chipName(chip, address) {
    const named = chip.querySelector(SEL.CHIP_NAME);
    let name = named ? D.text(named) : '';
    if (!name) {
      // The chip's own text, without its remove button's "×".
      const clone = chip.cloneNode(true);
      for (const button of clone.querySelectorAll('button, [role="button"]')) button.remove();
      name = P.cleanText(clone.textContent);
    }
    if (address) name = name.replace(address, '');
    return name.replace(/[<>();,]/g, ' ').replace(/\s+/g, ' ').trim();
  }

  function readField(compose, field) {
    const box = editor(compose, field);
    if (!box) return [];
    const found = [];
    for (const chip of box.querySelectorAll(SEL.CHIP)) {
      const address = chipAddress(chip);
      const name = chipName(chip, address);
      const remembered = address ? '' : picked.get(name) || '';
      if (address || remembered) found.push({ field, address: address || remembered, name });
      // Only a name: the core asks the service (exact, unique match in the staff directory).
      else found.push({ field, address: '', name, unresolved: true });
    }
    // Typed text between chips (not yet resolved) is sent too.
    const clone = box.cloneNode(true);
    for (const chip of clone.querySelectorAll(SEL.CHIP_SHOWN)) chip.remove();
    for (const item of P.splitAddressList(clone.textContent || '')) found.push({ field, ...item });
    return found;
  }

  function shownCount(compose) {
    let count = 0;
    for (const field of FIELDS) {
      const box = editor(compose, field);
      if (!box) continue;
      count += D.outermost([...box.querySelectorAll(SEL.CHIP_SHOWN)]).length;
      const clone = box.cloneNode(true);
      for (const chip of clone.querySelectorAll(SEL.CHIP_SHOWN)) chip.remove();
      count += P.splitAddressList(clone.textContent || '').length;
    }
    return count;
  }

  /** Reply fields that are not drawn yet are revealed first, as Briskine does (a focusin). */
  async function prepare(compose) {
    if (compose.querySelector(SEL.FIELD('to'))) return;
    const summary = compose.querySelector(SEL.COLLAPSED_FIELDS);
    if (!summary) return;
    summary.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    const deadline = Date.now() + REVEAL_MS;
    while (!compose.querySelector(SEL.FIELD('to')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  function read(compose) {
    const recipients = FIELDS.flatMap((field) => readField(compose, field));
    const subjectInput = D.first(compose, SEL.SUBJECT);
    const subject = subjectInput ? P.cleanText(subjectInput.value) : '';
    const bodyEl = D.first(compose, SEL.BODY);
    const quote = compose.querySelector(SEL.QUOTE);
    let body = bodyEl ? bodyEl.innerText || bodyEl.textContent || '' : '';
    if (quote && !(bodyEl && bodyEl.contains(quote))) body += '\n' + (quote.innerText || quote.textContent || '');
    const attachments = [...compose.querySelectorAll(SEL.ATTACHMENT)].map((el) => ({
      name: P.cleanText(el.getAttribute('title') || el.getAttribute('aria-label') || D.text(el)),
    }));
    const fromEl = compose.querySelector(SEL.FROM);
    return {
      sender: fromEl ? P.firstAddress(fromEl.getAttribute('aria-label') || D.text(fromEl)) : '',
      ...P.composeKind(null, quote), // a reply unless the subject says forward: the service reads it
      subject,
      recipients,
      shown: shownCount(compose),
      thread_recipients: [],
      body,
      attachments,
    };
  }

  /** Remember the address of a person the user picks from the suggestions (the chip may show only the name). */
  function rememberPick(event) {
    if (event.type === 'keydown' && event.key !== 'Enter') return;
    // A click lands on the option; Enter in the well picks the highlighted one (aria-selected).
    const option = event.type === 'keydown'
      ? document.querySelector(`${SEL.SUGGESTION}[aria-selected="true"]`)
      : D.closest(event.composedPath()[0] || event.target, SEL.SUGGESTION);
    if (!option) return;
    const label = option.getAttribute('aria-label') || D.text(option);
    const address = P.firstAddress(label) || P.firstAddress(D.text(option));
    const nameEl = option.querySelector('[class*="name" i]');
    const name = P.cleanText(nameEl ? D.text(nameEl) : label.replace(address, '')).replace(/[<>();,]/g, ' ').replace(/\s+/g, ' ').trim();
    if (address && name) picked.set(name, address);
  }
  for (const type of ['mousedown', 'click', 'keydown']) document.addEventListener(type, rememberPick, true);

  // No replaceRecipient / moveToBcc: typing into a well by script makes no chip in Outlook, so the
  // dialog shows the right address to copy instead of changing the recipients itself.
  AtesakiAdapters.push({
    name: 'outlook',
    // Injected only on the hosts of its entry in adapters.json (the manifests) and their about:blank
    // frames, so any page counts.
    matches: () => true,
    SEL,
    composes,
    composeOf,
    sendButtonOf,
    sendButton,
    isSendShortcut,
    prepare,
    read,
    resolvesNames: true,
  });
})();
