/* Pastes into a message body: how long, and whether the text is shown on the page in a message to other people. */
'use strict';

globalThis.AtesakiPaste = (() => {
  const SHORTEST_LOOKED_UP = 20; // characters; a shorter paste ("Thanks") is on every page
  const SNIPPET = 80; // characters of the paste looked for on the page
  const ANCESTORS = 10; // how far up from the shown text the message's addresses are looked for
  const MAX_PASTES = 50; // per compose, as the service accepts
  const ADDRESS = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
  const reports = new WeakMap(); // compose -> [{length, from_page, addresses}]

  function squash(text) {
    return String(text || '').replace(/\s+/g, ' ').trim();
  }

  /** The addresses a shown message carries: Gmail's [email] and hovercards, else its text. */
  function addressesNear(element) {
    let node = element;
    for (let depth = 0; node && node !== document.body && depth < ANCESTORS; depth += 1) {
      const found = new Set();
      for (const tagged of node.querySelectorAll('[email], [data-hovercard-id]')) {
        const value = tagged.getAttribute('email') || tagged.getAttribute('data-hovercard-id') || '';
        if (value.includes('@')) found.add(value.toLowerCase());
      }
      if (!found.size) for (const match of (node.innerText || '').matchAll(ADDRESS)) found.add(match[0].toLowerCase());
      if (found.size) return [...found].slice(0, 50);
      node = node.parentElement;
    }
    return [];
  }

  /** The innermost element outside the compose (and our own UI) whose text holds the snippet. */
  function shownElsewhere(snippet, compose) {
    // One look at the whole page first: most pastes come from elsewhere, and then the walk
    // below (which reads the text of every element) is not needed.
    if (!squash((document.body || document.documentElement).textContent).includes(snippet)) return null;
    const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_ELEMENT, {
      acceptNode(node) {
        if (node === compose || node.hasAttribute('data-atesaki')) return NodeFilter.FILTER_REJECT;
        if (/^(SCRIPT|STYLE|TEXTAREA|INPUT|NOSCRIPT)$/.test(node.tagName)) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      },
    });
    let found = null;
    // Walking down: a later match inside an earlier one is the more precise element.
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.contains(compose)) continue; // an ancestor of the compose holds the compose's text too
      if (squash(node.textContent).includes(snippet)) found = node;
      else if (found && !found.contains(node)) break;
    }
    return found;
  }

  function isBody(target) {
    if (!target || target.nodeType !== 1) return false;
    if (target.isContentEditable) return true;
    return target.tagName === 'TEXTAREA' && target.offsetParent !== null;
  }

  /** Start noticing pastes into the bodies of `adapter`'s composes. */
  function watch(adapter) {
    window.addEventListener(
      'paste',
      (event) => {
        const target = event.composedPath()[0] || event.target;
        const element = target && target.nodeType === 1 ? target : target && target.parentElement;
        if (!isBody(element)) return;
        const compose = adapter.composeOf(element);
        if (!compose) return;
        const text = event.clipboardData ? event.clipboardData.getData('text/plain') : '';
        const squashed = squash(text);
        const report = { length: text.length, from_page: false, addresses: [] };
        if (squashed.length >= SHORTEST_LOOKED_UP) {
          const shown = shownElsewhere(squashed.slice(0, SNIPPET), compose);
          if (shown) {
            report.from_page = true;
            report.addresses = addressesNear(shown);
          }
        }
        const list = reports.get(compose) || [];
        if (list.length < MAX_PASTES) list.push(report);
        reports.set(compose, list);
      },
      true,
    );
  }

  /** What was pasted into this compose's body so far (for the check request's `pastes`). */
  function of(compose) {
    return (reports.get(compose) || []).slice();
  }

  return { watch, of };
})();
