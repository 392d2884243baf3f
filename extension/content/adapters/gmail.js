/* Gmail adapter (mail.google.com): reads each compose window and acts on it as a user would. */
'use strict';

(() => {
  const P = AtesakiParse;
  const D = AtesakiDom;

  // Selectors, most stable first. Sources: InboxSDK's Gmail driver, gmail.js, Mailvelope (see FACTS.md).
  const SEL = {
    // Every compose root: pop-up, full screen and inline reply (`.ip.adB > .M9`) share `.M9`.
    COMPOSE: '.M9',
    // Marks an inline reply/forward under a thread (the pop-up compose has no such parent).
    INLINE_REPLY: '.ip.adB',
    // A recipient row; `name` is to/cc/bcc in every UI language.
    FIELD_ROW: (field) => `.anm[name="${field}"], div[name="${field}"]`,
    // A chip (since Oct 2021): the address and the name are data attributes.
    CHIP: '[role="option"][data-hovercard-id]',
    CHIP_NAME_TEXT: '.akl',
    CHIP_REMOVE: '.afX, [role="button"][aria-label^="Remove"], [role="button"][aria-label*="削除"]',
    // Before 2021: chips `.vR` with a hidden `Name <addr>` input per recipient.
    LEGACY_HIDDEN: (field) => `input[type="hidden"][name="${field}"]`,
    // Text still being typed in a recipient row.
    TYPED: 'input[role="combobox"][peoplekit-id], input[role="combobox"], textarea[name]',
    // "Bcc" link that reveals the Bcc row (tooltip "Add Bcc recipients").
    SHOW_BCC: 'span.aB.gQ.pB, [role="link"][data-tooltip*="Bcc"], [role="link"][aria-label*="Bcc"]',
    SUBJECT: ['input[name="subjectbox"]', 'input[name="subject"]'],
    BODY: ['[g_editable="true"][role="textbox"]', 'div[contenteditable="true"][role="textbox"]'],
    QUOTE: '.gmail_quote_container, div.gmail_quote',
    ATTACHMENT: 'div.dL',
    ATTACHMENT_NAME: 'div.vI',
    // Send and Send+Archive (`.Uo`); the dropdown next to Send (`aria-haspopup`) is not a send.
    SEND: '.IZ .Up div > div[role="button"]:not([aria-haspopup="true"]), .T-I.aoO',
    SEND_TOOLTIP: /^(Send|送信)/,
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
    if (!element || element.nodeType !== 1) return false;
    if (element.matches(SEL.SEND)) return true;
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

  function sendButton(compose) {
    const candidates = [...compose.querySelectorAll('[role="button"], .T-I')].filter(isSendButton);
    // Send itself before Send+Archive: the plain send keeps the user's flow.
    return candidates.find((el) => !el.classList.contains('Uo')) || candidates[0] || null;
  }

  function isSendShortcut(event) {
    return event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey;
  }

  function row(compose, field) {
    return compose.querySelector(SEL.FIELD_ROW(field));
  }

  function readField(compose, field) {
    const found = [];
    const container = row(compose, field);
    if (container) {
      for (const chip of container.querySelectorAll(SEL.CHIP)) {
        const address = P.cleanText(chip.getAttribute('data-hovercard-id'));
        const name = P.cleanText(chip.getAttribute('data-name') || D.text(chip.querySelector(SEL.CHIP_NAME_TEXT)));
        found.push({ field, address, name: name === address ? '' : name });
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

  function read(compose) {
    const recipients = P.uniqueRecipients(FIELDS.flatMap((field) => readField(compose, field)));
    const subjectInput = D.first(compose, SEL.SUBJECT);
    const subject = subjectInput ? P.cleanText(subjectInput.value) : '';
    const bodyEl = D.first(compose, SEL.BODY);
    const body = bodyEl ? bodyEl.innerText || bodyEl.textContent || '' : '';
    const attachments = [...compose.querySelectorAll(SEL.ATTACHMENT)].map((el) => ({
      name: D.text(el.querySelector(SEL.ATTACHMENT_NAME)) || D.text(el),
    }));
    const inline = compose.closest(SEL.INLINE_REPLY);
    let mode = null;
    if (/^-{5,}\s*(Forwarded message|転送されたメッセージ)/m.test(body)) mode = 'forward';
    else if (inline || (bodyEl && bodyEl.querySelector(SEL.QUOTE))) mode = P.kindFromSubject(subject) || 'reply';
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
      kind: P.decideKind(mode, subject),
      subject,
      recipients,
      thread_recipients: thread,
      body,
      attachments,
    };
  }

  function addTo(compose, field, recipient) {
    if (field === 'bcc' && !row(compose, 'bcc')?.offsetParent) {
      const toggle = compose.querySelector(SEL.SHOW_BCC);
      if (toggle) D.click(toggle);
    }
    const container = row(compose, field);
    const input = container && container.querySelector(SEL.TYPED);
    if (!input) return false;
    input.focus();
    const text = recipient.name ? `"${recipient.name}" <${recipient.address}>` : recipient.address;
    D.setValue(input, text);
    D.press(input, 'Enter');
    return true;
  }

  function removeFrom(compose, field, address) {
    const container = row(compose, field);
    if (!container) return false;
    const wanted = address.toLowerCase();
    for (const chip of container.querySelectorAll(SEL.CHIP)) {
      if (P.cleanText(chip.getAttribute('data-hovercard-id')).toLowerCase() !== wanted) continue;
      const remove = chip.querySelector(SEL.CHIP_REMOVE);
      if (remove) D.click(remove);
      else chip.remove();
      return true;
    }
    return false;
  }

  const { replaceRecipient, moveToBcc } = D.recipientEdits(removeFrom, addTo);

  AtesakiAdapters.push({
    name: 'gmail',
    matches: (loc) => loc.hostname === 'mail.google.com',
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
