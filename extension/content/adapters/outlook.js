/* Outlook on the web adapter (outlook.office.com, office365.com, live.com, cloud.microsoft). */
'use strict';

(() => {
  const P = AtesakiParse;
  const D = AtesakiDom;

  // Outlook changes its DOM often (recipient selectors changed 3 times in a year): ids by pattern,
  // roles and Fluent `fui-*` slot classes only; labels are matched by prefix in both languages.
  const SEL = {
    COMPOSE: '[data-app-section="Form_Content"], [id^="docking_InitVisiblePart"]',
    // The recipient group for a field: ids like MSG_3_TO / MSG_3_CC / MSG_3_BCC.
    FIELD: (field) => `[id^="MSG_"][id$="_${field.toUpperCase()}"]`,
    FIELD_EDITOR: '[contenteditable="true"]',
    // A resolved recipient chip; the address sits in its aria-label or title in some builds only.
    CHIP: '[class*="_EType_RECIPIENT_ENTITY"]',
    CHIP_REMOVE: 'button[aria-label^="Remove"], button[aria-label*="削除"], [role="button"][aria-label^="Remove"]',
    SHOW_BCC: 'button[aria-label="Bcc"], button[title*="Bcc"], button[aria-label*="BCC"]',
    SUBJECT: ['[id$="_SUBJECT"] input', 'input[aria-label="Add a subject"]', 'input[aria-label="件名を追加"]'],
    BODY: ['[id^="editorParent_"] [role="textbox"][contenteditable="true"]', '[role="textbox"][contenteditable="true"][aria-label*="body" i]', '[role="textbox"][contenteditable="true"][aria-label*="本文"]'],
    // The quoted message of a reply or forward.
    QUOTE: '#divRplyFwdMsg, #mail-editor-reference-message-container',
    ATTACHMENT: '[data-testid="AttachmentCard"], [role="listitem"][aria-label*="."][title]',
    SEND: 'button.fui-SplitButton__primaryActionButton, button[id*="primaryActionButton"], button[aria-label="Send"], button[aria-label="送信"], button[title^="Send"], button[title^="送信"]',
    FROM: '[id$="_FROM"] [aria-label], button[aria-label^="From"], button[aria-label^="差出人"]',
  };
  const FIELDS = ['to', 'cc', 'bcc'];

  function composes(doc) {
    const found = D.outermost([...doc.querySelectorAll(SEL.COMPOSE)]);
    // A popped-out compose window is a whole document with the fields but no marked root.
    if (!found.length && doc.querySelector(SEL.FIELD('to'))) return [doc.body];
    return found;
  }

  function composeOf(node) {
    const root = D.closest(node, SEL.COMPOSE);
    if (root) return root;
    const doc = node && (node.ownerDocument || node);
    const all = doc ? composes(doc) : [];
    // The toolbar with Send sits outside the form in some layouts; with one compose, it is that one.
    return all.length === 1 ? all[0] : null;
  }

  function sendButtonOf(node) {
    const button = D.closest(node, 'button, [role="button"]');
    return button && button.matches(SEL.SEND) ? button : null;
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

  function chipAddress(chip) {
    return P.firstAddress(chip.getAttribute('aria-label')) || P.firstAddress(chip.getAttribute('title')) || P.firstAddress(D.text(chip));
  }

  function chipName(chip, address) {
    // The chip's own text, without its remove button's "×" and without the address.
    const clone = chip.cloneNode(true);
    for (const button of clone.querySelectorAll('button, [role="button"]')) button.remove();
    let name = P.cleanText(clone.textContent).replace(address, '');
    if (!name.replace(/[<>();,\s]/g, '')) name = P.cleanText(chip.getAttribute('aria-label') || '').replace(address, '');
    return name.replace(/[<>();,]/g, ' ').replace(/\s+/g, ' ').trim();
  }

  function readField(compose, field) {
    const box = editor(compose, field);
    if (!box) return [];
    const found = [];
    for (const chip of box.querySelectorAll(SEL.CHIP)) {
      const address = chipAddress(chip);
      const name = chipName(chip, address);
      // A chip with no address cannot be checked: send its name so the service refuses it.
      if (address) found.push({ field, address, name });
      else found.push({ field, address: name || '?', name, unresolved: true });
    }
    // Typed text between chips (not yet resolved) is sent too.
    const clone = box.cloneNode(true);
    for (const chip of clone.querySelectorAll(SEL.CHIP)) chip.remove();
    for (const item of P.splitAddressList(clone.textContent || '')) found.push({ field, ...item });
    return found;
  }

  function read(compose) {
    const recipients = P.uniqueRecipients(FIELDS.flatMap((field) => readField(compose, field)));
    const subjectInput = D.first(compose, SEL.SUBJECT);
    const subject = subjectInput ? P.cleanText(subjectInput.value) : '';
    const bodyEl = D.first(compose, SEL.BODY);
    const quote = compose.querySelector(SEL.QUOTE);
    let body = bodyEl ? bodyEl.innerText || bodyEl.textContent || '' : '';
    if (quote && !(bodyEl && bodyEl.contains(quote))) body += '\n' + (quote.innerText || quote.textContent || '');
    const attachments = [...compose.querySelectorAll(SEL.ATTACHMENT)].map((el) => ({
      name: P.cleanText(el.getAttribute('title') || el.getAttribute('aria-label') || D.text(el)),
    }));
    const mode = quote ? P.kindFromSubject(subject) || 'reply' : null;
    const fromEl = compose.querySelector(SEL.FROM);
    return {
      sender: fromEl ? P.firstAddress(fromEl.getAttribute('aria-label') || D.text(fromEl)) : '',
      kind: P.decideKind(mode, subject),
      subject,
      recipients,
      thread_recipients: [],
      body,
      attachments,
    };
  }

  function addTo(compose, field, recipient) {
    if (!compose.querySelector(SEL.FIELD(field))) {
      const toggle = compose.ownerDocument.querySelector(SEL.SHOW_BCC);
      if (field === 'bcc' && toggle) D.click(toggle);
    }
    const box = editor(compose, field);
    if (!box) return false;
    box.focus();
    const selection = box.ownerDocument.getSelection();
    selection.selectAllChildren(box);
    selection.collapseToEnd();
    // Outlook resolves typed text into a chip at ';'. insertText keeps its editor state consistent.
    const inserted = box.ownerDocument.execCommand('insertText', false, recipient.address + ';');
    if (!inserted) {
      box.append(recipient.address + ';');
      box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: ';' }));
    }
    return true;
  }

  function removeFrom(compose, field, address) {
    const box = editor(compose, field);
    if (!box) return false;
    for (const chip of box.querySelectorAll(SEL.CHIP)) {
      if (chipAddress(chip).toLowerCase() !== address.toLowerCase()) continue;
      const remove = chip.querySelector(SEL.CHIP_REMOVE);
      if (remove) D.click(remove);
      else {
        chip.remove();
        box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'deleteContentBackward' }));
      }
      return true;
    }
    return false;
  }

  const { replaceRecipient, moveToBcc } = D.recipientEdits(removeFrom, addTo);

  AtesakiAdapters.push({
    name: 'outlook',
    matches: (loc) => /(^|\.)outlook\.(office\.com|office365\.com|live\.com|cloud\.microsoft)$/.test(loc.hostname) || loc.protocol === 'about:',
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
