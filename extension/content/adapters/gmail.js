/* Gmail adapter (mail.google.com): reads each compose window and acts on it as a user would. */
'use strict';

(() => {
  const P = AtesakiParse;
  const D = AtesakiDom;

  // Selectors, most stable first. Sources: InboxSDK's Gmail driver (gmail-compose-view.ts,
  // gmail-compose-view/set-recipients.ts), gmail.js, Mailvelope; tests/fixtures/webmail/gmail.html cites them.
  const SEL = {
    // Every compose root: pop-up, full screen, pop-out window and inline reply (`.ip.adB > .M9`) share `.M9`.
    COMPOSE: '.M9',
    // Marks an inline reply/forward under a thread (the pop-up compose has no such parent).
    INLINE_REPLY: '.ip.adB',
    // A recipient row; `name` is to/cc/bcc in every UI language.
    FIELD_ROW: (field) => `.anm[name="${field}"], div[name="${field}"]`,
    // A chip (since Oct 2021): the address and the name are data attributes.
    CHIP: '[role="option"][data-hovercard-id]',
    CHIP_NAME_TEXT: '.akl',
    // Anything that looks like a chip, counted apart from CHIP: a chip we cannot read still counts.
    CHIP_SHOWN: '.afV, .vR, [role="option"][data-name], [role="option"][data-hovercard-id]',
    // The chip's own remove control; the only way to take a recipient out of Gmail's state.
    CHIP_REMOVE: '.afX[aria-label], .vM',
    // Before 2021: chips `.vR` with a hidden `Name <addr>` input per recipient.
    LEGACY_HIDDEN: (field) => `input[type="hidden"][name="${field}"]`,
    // Text still being typed in a recipient row.
    TYPED: 'input[role="combobox"][peoplekit-id], input[role="combobox"], textarea[name]',
    // The collapsed recipient area: rows inside `.fX.aiL` are hidden and the cover `div.aoD.hl` shows
    // a summary; edits are lost until the cover gets a focus event (InboxSDK PR #751).
    RECIPIENT_AREA: '.fX.aiL',
    COLLAPSED_COVER: 'div.aoD.hl',
    // Links that reveal the Cc and Bcc rows.
    SHOW_FIELD: { cc: 'span.pE[role="link"]', bcc: 'span.pB[role="link"]' },
    SUBJECT: ['input[name="subjectbox"]', 'input[name="subject"]'],
    BODY: ['[g_editable="true"][role="textbox"]', 'div[contenteditable="true"][role="textbox"]'],
    QUOTE: '.gmail_quote_container, div.gmail_quote',
    ATTACHMENT: 'div.dL',
    ATTACHMENT_NAME: 'div.vI',
    // Send and Send+Archive (`.Uo`); the dropdown next to Send (`aria-haspopup`) is not a send, and
    // neither are buttons InboxSDK-based extensions add beside it (`inboxsdk__compose_sendButton`).
    SEND: '.IZ .Up div > div[role="button"]:not([aria-haspopup="true"]), .T-I.aoO',
    NOT_GMAIL: '[class*="inboxsdk_"]',
    SEND_TOOLTIP: /^(Send|送信)/,
    // "Schedule send" in the menu of the arrow beside Send (InboxSDK getScheduleSendButton).
    SCHEDULE: '[selector="scheduledSend"]',
    MORE_SEND_OPTIONS: '.IZ .Up .hG, .IZ .Up div > [role="button"][aria-haspopup="true"]',
    // People on the thread's messages, shown above an inline reply.
    THREAD_PEOPLE: '.adn span[email], .gE span[email], .hb span[email]',
    // The account's address is in the window title: "Inbox - tanaka@agency.go.jp - Gmail".
    FROM_SELECT: 'select[name="from"], input[name="from"]',
  };
  const FIELDS = ['to', 'cc', 'bcc'];

  function composes(doc) {
    return D.outermost([...doc.querySelectorAll(SEL.COMPOSE)]);
  }

  function composeOf(node) {
    return D.closest(node, SEL.COMPOSE);
  }

  function isSendButton(element) {
    if (!element || element.nodeType !== 1 || element.matches(SEL.NOT_GMAIL)) return false;
    if (element.matches(SEL.SEND) || element.matches(SEL.SCHEDULE)) return true;
    const tooltip = P.cleanText(element.getAttribute('data-tooltip') || element.getAttribute('aria-label') || '');
    return element.getAttribute('role') === 'button' && SEL.SEND_TOOLTIP.test(tooltip) && !element.matches('[aria-haspopup="true"]');
  }

  function sendButtonOf(node) {
    let current = node && node.nodeType === 1 ? node : node && node.parentElement;
    for (let depth = 0; current && depth < 6; depth += 1, current = current.parentElement) {
      if (isSendButton(current)) return current;
    }
    return null;
  }

  /** The control to press to release a checked send: the one pressed, found again if Gmail redrew it. */
  function sendButton(compose, pressed) {
    if (pressed && pressed.matches(SEL.SCHEDULE)) {
      // A scheduled send stays scheduled: open the menu again; never fall back to sending now.
      let item = compose.querySelector(SEL.SCHEDULE);
      if (!item || !item.offsetParent) {
        const more = compose.querySelector(SEL.MORE_SEND_OPTIONS);
        if (more) D.click(more);
        item = compose.querySelector(SEL.SCHEDULE) || compose.ownerDocument.querySelector(SEL.SCHEDULE);
      }
      return item;
    }
    const candidates = [...compose.querySelectorAll('[role="button"], .T-I')].filter((el) => isSendButton(el) && !el.matches(SEL.SCHEDULE));
    // Send itself before Send+Archive: the plain send keeps the user's flow.
    return candidates.find((el) => !el.classList.contains('Uo')) || candidates[0] || null;
  }

  function isSendShortcut(event) {
    return event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey;
  }

  function row(compose, field) {
    return compose.querySelector(SEL.FIELD_ROW(field));
  }

  function inBody(compose, element) {
    const body = D.first(compose, SEL.BODY);
    return Boolean(body && body.contains(element));
  }

  function readField(compose, field) {
    const found = [];
    const container = row(compose, field);
    if (container) {
      for (const chip of container.querySelectorAll(SEL.CHIP)) {
        const address = P.cleanText(chip.getAttribute('data-hovercard-id'));
        const name = P.cleanText(chip.getAttribute('data-name') || D.text(chip.querySelector(SEL.CHIP_NAME_TEXT)));
        if (address.includes('@')) found.push({ field, address, name: name === address ? '' : name });
        else found.push({ field, address: '', name: name === address ? '' : name, unresolved: true });
      }
      const typed = container.querySelector(SEL.TYPED);
      if (typed && P.cleanText(typed.value)) {
        for (const item of P.splitAddressList(typed.value)) found.push({ field, ...item });
      }
    }
    // Collapsed rows stay in the DOM; legacy hidden inputs cover the pre-2021 UI.
    for (const hidden of compose.querySelectorAll(SEL.LEGACY_HIDDEN(field))) {
      for (const item of P.splitAddressList(hidden.value)) found.push({ field, ...item });
    }
    return found;
  }

  /** How many recipients the compose shows: every chip-like element outside the body, and typed text. */
  function shownCount(compose) {
    const chips = D.outermost([...compose.querySelectorAll(SEL.CHIP_SHOWN)]).filter((el) => !inBody(compose, el));
    let typed = 0;
    for (const field of FIELDS) {
      const input = row(compose, field)?.querySelector(SEL.TYPED);
      if (input && P.cleanText(input.value)) typed += P.splitAddressList(input.value).length;
    }
    return chips.length + typed;
  }

  function read(compose) {
    const recipients = FIELDS.flatMap((field) => readField(compose, field));
    const subjectInput = D.first(compose, SEL.SUBJECT);
    const subject = subjectInput ? P.cleanText(subjectInput.value) : '';
    const bodyEl = D.first(compose, SEL.BODY);
    const body = bodyEl ? bodyEl.innerText || bodyEl.textContent || '' : '';
    const attachments = [...compose.querySelectorAll(SEL.ATTACHMENT)].map((el) => ({
      name: D.text(el.querySelector(SEL.ATTACHMENT_NAME)) || D.text(el),
    }));
    const inline = compose.closest(SEL.INLINE_REPLY);
    // Gmail's forward writes its marker line; a quote or an inline reply is a reply unless the
    // subject says forward, which the service reads.
    const forward = /^-{5,}\s*(Forwarded message|転送されたメッセージ)/m.test(body);
    const quoted = Boolean(inline || (bodyEl && bodyEl.querySelector(SEL.QUOTE)));
    const thread = [];
    if (inline) {
      const scope = inline.closest('[role="main"]') || compose.ownerDocument;
      for (const person of scope.querySelectorAll(SEL.THREAD_PEOPLE)) {
        const address = P.cleanText(person.getAttribute('email'));
        if (address && !thread.includes(address)) thread.push(address);
      }
    }
    const fromEl = compose.querySelector(SEL.FROM_SELECT);
    const sender = P.firstAddress(fromEl ? fromEl.value : '') || P.firstAddress(compose.ownerDocument.title);
    return {
      sender,
      ...P.composeKind(forward ? 'forward' : null, quoted),
      subject,
      recipients,
      shown: shownCount(compose),
      thread_recipients: thread,
      body,
      attachments,
    };
  }

  /** Open the collapsed recipient area the way InboxSDK does: a focus event on its cover. */
  function expand(compose) {
    const area = compose.querySelector(SEL.RECIPIENT_AREA);
    const cover = compose.querySelector(SEL.COLLAPSED_COVER);
    if (area && cover && getComputedStyle(area).display === 'none') cover.dispatchEvent(new FocusEvent('focus'));
  }

  function addTo(compose, field, recipient) {
    expand(compose);
    let container = row(compose, field);
    if (field !== 'to' && (!container || !container.offsetParent)) {
      const link = compose.querySelector(SEL.SHOW_FIELD[field]);
      if (link) D.click(link);
      container = row(compose, field);
    }
    const input = container && container.querySelector(SEL.TYPED);
    if (!input) return false;
    input.focus();
    // Gmail makes a chip from a trusted key or from pasted text only (InboxSDK "fix setRecipients
    // to make contact chips"): a synthetic Enter after setting the value does nothing.
    const clipboardData = new DataTransfer();
    clipboardData.setData('text/plain', recipient.name ? `"${recipient.name}" <${recipient.address}>` : recipient.address);
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
    return true;
  }

  function removeFrom(compose, field, address) {
    expand(compose);
    const container = row(compose, field);
    if (!container) return false;
    const wanted = address.toLowerCase();
    for (const chip of container.querySelectorAll(SEL.CHIP)) {
      if (P.cleanText(chip.getAttribute('data-hovercard-id')).toLowerCase() !== wanted) continue;
      // Only the chip's own control: removing its node would leave the recipient in Gmail's state.
      const remove = chip.querySelector(SEL.CHIP_REMOVE);
      if (!remove) return false;
      D.click(remove);
      return true;
    }
    return false;
  }

  const { replaceRecipient, moveToBcc } = D.recipientEdits(removeFrom, addTo);

  AtesakiAdapters.push({
    name: 'gmail',
    // Injected only on the hosts of its entry in adapters.json (the manifests), so any page counts.
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
