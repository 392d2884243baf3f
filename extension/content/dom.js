/* DOM helpers the adapters share: reading text, and acting on the page the way a user would. */
'use strict';

/*
 * Every adapter (content/adapters/*.js) pushes one object onto AtesakiAdapters:
 *   name                       'gmail' | 'outlook' | 'profile' (site profiles, Roundcube's included)
 *   matches(location)          true on the pages it serves (each is injected only where extension/adapters.json
 *                               says, so the built-in ones answer true)
 *   composes(document)         every open compose root
 *   composeOf(node)            the compose a node (e.g. a Send button) belongs to, or null
 *   sendButtonOf(node)         the Send button a node is (inside), or null
 *   sendButton(compose)        the button the core presses to release a checked send
 *   isSendShortcut(keyEvent)   the webmail's send shortcuts (Ctrl/Cmd+Enter, ...)
 *   prepare(compose)           optional, async: make the fields readable (Outlook's collapsed replies)
 *   read(compose)              {sender, kind, quoted, subject, recipients:[{field, address, name}], shown,
 *                               thread_recipients, body, attachments:[{name}]} (a /v1/check request;
 *                               kind and quoted from AtesakiParse.composeKind: the service reads the subject);
 *                               a recipient whose address cannot be read is {field, name, address: '',
 *                               unresolved: true}; `shown` counts the recipients the page shows, found
 *                               apart from `recipients`, so the core can refuse when the two differ
 *   resolvesNames              optional: name-only chips may be resolved by the service (Outlook)
 *   replaceRecipient(compose, field, oldAddress, {name, address}) -> Promise<bool>   optional
 *   moveToBcc(compose, recipients) -> Promise<bool>                                  optional
 * Without the last two the dialog offers no changes (the address to copy instead). No adapter
 * removes a webmail's own nodes to change recipients: only the webmail's own controls.
 */
globalThis.AtesakiAdapters = globalThis.AtesakiAdapters || [];

globalThis.AtesakiDom = (() => {
  /** Visible-or-not text of an element, invisible marks removed. */
  function text(element) {
    return element ? AtesakiParse.cleanText(element.innerText || element.textContent || '') : '';
  }

  /** Set an input's value through the native setter so frameworks (React, jQuery) notice. */
  function setValue(element, value) {
    const proto = element instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    const setter = Object.getOwnPropertyDescriptor(proto, 'value').set;
    setter.call(element, value);
    element.dispatchEvent(new Event('input', { bubbles: true }));
    element.dispatchEvent(new Event('change', { bubbles: true }));
  }

  /** Press a key on an element (keydown, keypress, keyup), as the webmail's widgets listen for. */
  function press(element, key, options = {}) {
    const init = { key, code: key === 'Enter' ? 'Enter' : key, keyCode: key === 'Enter' ? 13 : 0, which: key === 'Enter' ? 13 : 0, bubbles: true, cancelable: true, ...options };
    for (const type of ['keydown', 'keypress', 'keyup']) element.dispatchEvent(new KeyboardEvent(type, init));
  }

  /** A full pointer-and-mouse click: webmails act on mousedown/mouseup as often as on click. */
  function click(element) {
    const rect = element.getBoundingClientRect();
    const init = { bubbles: true, cancelable: true, composed: true, view: window, button: 0, clientX: rect.left + rect.width / 2, clientY: rect.top + rect.height / 2 };
    element.dispatchEvent(new PointerEvent('pointerdown', init));
    element.dispatchEvent(new MouseEvent('mousedown', init));
    element.dispatchEvent(new PointerEvent('pointerup', init));
    element.dispatchEvent(new MouseEvent('mouseup', init));
    element.dispatchEvent(new MouseEvent('click', init));
  }

  /** Keep only elements that are not inside another element of the list. */
  function outermost(elements) {
    return elements.filter((el) => !elements.some((other) => other !== el && other.contains(el)));
  }

  /** First match of the first selector that matches anything: a list is in order of preference. */
  function first(root, selectors) {
    for (const selector of Array.isArray(selectors) ? selectors : [selectors]) {
      const found = root.querySelector(selector);
      if (found) return found;
    }
    return null;
  }

  /** Closest match of a selector, also walking out of shadow roots. */
  function closest(node, selector) {
    let current = node && node.nodeType === 1 ? node : node && node.parentElement;
    while (current) {
      const found = current.closest(selector);
      if (found) return found;
      const root = current.getRootNode();
      current = root && root.host ? root.host : null;
    }
    return null;
  }

  /**
   * "Did you mean" and "move to Bcc" for an adapter that can remove a chip from a field and
   * add one: `removeFrom(compose, field, address)` and `addTo(compose, field, recipient)`,
   * each returning true when it worked.
   */
  function recipientEdits(removeFrom, addTo) {
    return {
      async replaceRecipient(compose, field, oldAddress, recipient) {
        return removeFrom(compose, field, oldAddress) && addTo(compose, field, recipient);
      },
      async moveToBcc(compose, recipients) {
        let moved = 0;
        for (const r of recipients) {
          if (r.field === 'bcc') continue;
          if (removeFrom(compose, r.field, r.address) && addTo(compose, 'bcc', r)) moved += 1;
        }
        return moved > 0;
      },
    };
  }

  return { text, setValue, press, click, outermost, closest, first, recipientEdits };
})();
