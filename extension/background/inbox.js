/* The checker's inbox: long-polls the approval requests waiting for this PC's user; badge and notification. */
'use strict';

const AtesakiInbox = (() => {
  const WAIT_S = 20; // one long-poll (the service allows 25; the worker lives 30 s between events)
  const RETRY_MS = [2000, 5000, 15000];
  const MIN_GAP_MS = 2000; // the least time between two looks, whatever the service answers
  const NOTIFICATION = 'atesaki-request:';
  const PAGE = 'popup/approvals.html';
  let generation = 0; // a settings change bumps it: the running loop ends, a new one starts
  let running = false;

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  /** Run a notification or tab call; a failure is logged, never left unhandled. */
  function quietly(what, run) {
    return Promise.resolve().then(run).catch((error) => console.warn('Atesaki: ' + what + ' failed', error));
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
      quietly('a notification', () => chrome.notifications.create(NOTIFICATION + request.id, {
        type: 'basic',
        iconUrl: chrome.runtime.getURL('icons/icon128.png'),
        title: t('inboxNotifyTitle', [who]),
        message: t('inboxNotifyMessage', [request.subject || t('inboxNoSubject'), String((request.recipients || []).length)]),
        priority: 2,
        requireInteraction: true,
      }));
    }
  }

  /** Look once, now (the approvals page, after a decision): the badge and list, no notification. */
  async function refresh() {
    const { inboxCursor = 0 } = await chrome.storage.local.get('inboxCursor');
    const result = await AtesakiClient.call('GET', path(inboxCursor, 0));
    if (result.ok) await show(result);
    return result;
  }

  /**
   * The cursor belongs to one enrolment at one central service: another service or
   * token, joining, leaving or joining again (a new `central`) starts it again from 0
   * (another central service counts from its own start, and a cursor kept from the last
   * one would hide its requests from notify). `inboxJoined` keeps that enrolment ('' when
   * not joined).
   */
  async function forget(enrolment) {
    await chrome.storage.local.set({ inboxCursor: 0, inboxJoined: enrolment });
  }

  async function loop(mine, reset) {
    let wait = 0; // the first look answers at once: the badge is right from the start
    let failures = 0;
    if (reset) await chrome.storage.local.remove(['inboxCursor', 'inboxJoined']);
    while (mine === generation) {
      const { inboxCursor = 0 } = await chrome.storage.local.get('inboxCursor');
      const asked = Date.now();
      const result = await AtesakiClient.call('GET', path(inboxCursor, wait), undefined, null, (WAIT_S + 10) * 1000);
      if (mine !== generation) return;
      // The service answers a long-poll at once when its few waiting slots are taken (other
      // profiles, a dialog waiting for a checker): never ask again sooner than MIN_GAP_MS.
      const early = wait > 0 ? MIN_GAP_MS - (Date.now() - asked) : 0;
      if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
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
      const joined = Boolean(result.joined);
      const enrolment = joined ? String(result.central || 'joined') : '';
      const { inboxJoined } = await chrome.storage.local.get('inboxJoined');
      if (mine !== generation) return;
      if (inboxJoined !== enrolment) {
        await forget(enrolment);
        // Just joined with an old cursor: look again from 0 at once, the new ones notified.
        if (joined && inboxJoined !== undefined && Number(inboxCursor)) {
          wait = 0;
          continue;
        }
      }
      if (!joined) return; // no central service: look again at the next alarm
      notify(result.requests || [], Number(inboxCursor));
      if (mine !== generation) return; // a restart has forgotten the cursor: keep it so
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
    loop(mine, Boolean(restart)).catch((error) => console.warn('Atesaki: the approvals inbox failed', error)).finally(() => {
      if (mine === generation) running = false;
    });
  }

  function openPage() {
    return quietly('opening the approvals page', () => chrome.tabs.create({ url: chrome.runtime.getURL(PAGE) }));
  }

  if (chrome.notifications && chrome.notifications.onClicked) {
    chrome.notifications.onClicked.addListener((id) => {
      if (!id.startsWith(NOTIFICATION)) return;
      quietly('clearing a notification', () => chrome.notifications.clear(id));
      openPage();
    });
  }

  return { start, refresh, openPage, WAIT_S };
})();
