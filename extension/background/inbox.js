/* The checker's inbox: long-polls the approval requests waiting for this PC's user; badge and notification. */
'use strict';

const AtesakiInbox = (() => {
  const WAIT_S = 20; // one long-poll (the service allows 25; the worker lives 30 s between events)
  const RETRY_MS = [2000, 5000, 15000];
  const NOTIFICATION = 'atesaki-request:';
  const PAGE = 'popup/approvals.html';
  let generation = 0; // a settings change bumps it: the running loop ends, a new one starts
  let running = false;

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  function path(after, wait) {
    return '/v1/remote-approvals/inbox?after=' + after + '&wait=' + wait;
  }

  /** Badge and the list the approvals page shows (session storage: gone when the browser closes). */
  async function show(result) {
    const requests = Array.isArray(result.requests) ? result.requests : [];
    await chrome.action.setBadgeText({ text: requests.length ? String(requests.length) : '' });
    if (requests.length) await chrome.action.setBadgeBackgroundColor({ color: '#c2410c' });
    await chrome.storage.session.set({ inbox: { joined: Boolean(result.joined), requests, at: Date.now() } });
  }

  function notify(requests, seen) {
    for (const request of requests) {
      if (!(Number(request.cursor) > seen)) continue;
      const who = (request.requester && request.requester.name) || request.sender || '';
      chrome.notifications.create(NOTIFICATION + request.id, {
        type: 'basic',
        iconUrl: chrome.runtime.getURL('icons/icon128.png'),
        title: t('inboxNotifyTitle', [who]),
        message: t('inboxNotifyMessage', [request.subject || t('inboxNoSubject'), String((request.recipients || []).length)]),
        priority: 2,
        requireInteraction: true,
      });
    }
  }

  /** Look once, now (the approvals page, after a decision): the badge and list, no notification. */
  async function refresh() {
    const { inboxCursor = 0 } = await chrome.storage.local.get('inboxCursor');
    const result = await AtesakiClient.call('GET', path(inboxCursor, 0));
    if (result.ok) await show(result);
    return result;
  }

  async function loop(mine) {
    let wait = 0; // the first look answers at once: the badge is right from the start
    let failures = 0;
    while (mine === generation) {
      const { inboxCursor = 0 } = await chrome.storage.local.get('inboxCursor');
      const result = await AtesakiClient.call('GET', path(inboxCursor, wait), undefined, null, (WAIT_S + 10) * 1000);
      if (mine !== generation) return;
      if (!result.ok) {
        // Not paired, or the service or central service away: try a few times, then leave
        // it to the alarm (the worker may sleep meanwhile).
        if (result.error === 'not_paired' || failures >= RETRY_MS.length) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS[failures]));
        failures += 1;
        continue;
      }
      failures = 0;
      await show(result);
      if (!result.joined) return; // no central service: look again at the next alarm
      notify(result.requests || [], Number(inboxCursor));
      await chrome.storage.local.set({ inboxCursor: Number(result.cursor) || 0 });
      wait = WAIT_S;
    }
  }

  /** Start the long-poll unless it runs; `restart` after a settings change. */
  function start(restart) {
    if (restart) generation += 1;
    if (running && !restart) return;
    const mine = generation;
    running = true;
    loop(mine).catch((error) => console.warn('Atesaki: the approvals inbox failed', error)).finally(() => {
      if (mine === generation) running = false;
    });
  }

  function openPage() {
    return chrome.tabs.create({ url: chrome.runtime.getURL(PAGE) });
  }

  if (chrome.notifications && chrome.notifications.onClicked) {
    chrome.notifications.onClicked.addListener((id) => {
      if (!id.startsWith(NOTIFICATION)) return;
      chrome.notifications.clear(id);
      openPage();
    });
  }

  return { start, refresh, openPage, WAIT_S };
})();
