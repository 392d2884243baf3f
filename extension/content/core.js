/* The content core: catches every Send in the capture phase, asks for a check, runs the dialog, releases once. */
'use strict';

(() => {
  if (globalThis.__atesakiCore) return; // injected twice (static + dynamic registration): keep one
  globalThis.__atesakiCore = true;

  const P = AtesakiParse;
  let adapter = null; // the first adapter that matches this page, chosen in start()

  // Mouse-side events a webmail may send on; all are held back, the click opens the check.
  const POINTER_EVENTS = ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click', 'dblclick'];
  const KEY_EVENTS = ['keydown', 'keypress', 'keyup'];
  const SLOW_CHECK_MS = 250; // show "checking…" only when the answer is slower than this
  const MESSAGE_TIMEOUT_MS = 4000; // the worker's own limit is 3 s; this covers a dead worker
  const AFTER_RELEASE_MS = 700; // the second click of a double click must not send twice
  const EDIT_SETTLE_MS = 1500; // how long a swap or move-to-Bcc may take to show in the compose
  const REMOTE_WAIT_S = 20; // one long-poll for a checker's decision at another desk
  const REMOTE_MIN_POLL_MS = 1000; // at most one poll a second, however soon the answer came
  const REMOTE_RETRIES = 3; // failed polls in a row before the dialog says so (a central restart)

  let releasing = false; // true only while we replay the user's send
  let active = null; // {compose, dialog, request, response}
  const cooling = new WeakMap(); // compose -> time its send was released
  const pressed = new WeakMap(); // compose -> the send button the user pressed (Send+Archive stays that)
  const waiting = new WeakSet(); // composes counting down to their send (the send delay)

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  async function ask(action, args, timeoutMs = MESSAGE_TIMEOUT_MS) {
    const timeout = new Promise((resolve) =>
      setTimeout(() => resolve({ ok: false, error: 'timeout', message: t('errorTimeout'), hint: t('hintDoctor') }), timeoutMs),
    );
    const call = chrome.runtime.sendMessage({ action, args }).then(
      (answer) => answer || { ok: false, error: 'extension_error', message: t('errorExtension') },
      () => ({ ok: false, error: 'extension_error', message: t('errorExtension') }),
    );
    try {
      return await Promise.race([call, timeout]);
    } catch (error) {
      return { ok: false, error: 'extension_error', message: t('errorExtension') };
    }
  }

  function inDialog(event) {
    return Boolean(active && active.dialog && event.composedPath().includes(active.dialog.host));
  }

  function block(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  function closeDialog(restoreFocus) {
    if (active && active.dialog) active.dialog.close(restoreFocus);
    active = null;
  }

  function ensureDialog(state) {
    if (!state.dialog || !state.dialog.isOpen()) {
      state.dialog = AtesakiDialog.create({
        cancel: () => closeDialog(true),
        retry: () => runCheck(state.compose),
        send: (approval) => confirmSend(state, approval),
        // Only where the adapter can change recipients as a user would (not on Outlook).
        swap: adapter.replaceRecipient ? (recipient, person) => swap(state, recipient, person) : null,
        moveToBcc: adapter.moveToBcc ? (recipients) => moveToBcc(state, recipients) : null,
        loadCheckers: () => ask('checkers', {}),
        loadRemoteCheckers: () => ask('remoteCheckers', {}),
        askChecker: (checker) => askRemote(state, checker),
      });
    }
    return state.dialog;
  }

  /**
   * Read a compose as a check request. What cannot be read is reported, never dropped:
   * a chip with no address, fewer recipients read than the page shows, none read at all.
   * Name-only chips are resolved by the service (exact, unique match in the staff directory).
   */
  async function readCompose(state) {
    const compose = state.compose;
    if (!compose.isConnected) throw new Error('compose closed');
    if (adapter.prepare) await adapter.prepare(compose);
    const reading = adapter.read(compose);
    const raw = reading.recipients;
    const names = state.resolved || (state.resolved = new Map()); // display name -> address, or "" when none
    const asking = raw.filter((r) => r.unresolved && r.name && !names.has(r.name));
    if (asking.length && adapter.resolvesNames) {
      const answer = await ask('resolve', { names: [...new Set(asking.map((r) => r.name))] });
      for (const item of (answer.ok && answer.resolved) || []) names.set(item.name, item.address || '');
    }
    const reports = [];
    const recipients = [];
    for (const r of raw) {
      const address = r.unresolved ? names.get(r.name) || '' : r.address;
      if (address) recipients.push({ field: r.field, address, name: r.name || '' });
      else reports.push({ code: 'unreadable_recipient', field: r.field, name: r.name || '', reason: r.unresolved && r.name && adapter.resolvesNames ? 'unresolved' : 'no_address' });
    }
    if (!raw.length) reports.push({ code: 'unreadable_recipient', reason: 'none_read', shown: reading.shown || 0, read: 0 });
    else if (typeof reading.shown === 'number' && reading.shown !== raw.length) {
      reports.push({ code: 'unreadable_recipient', reason: 'count_mismatch', shown: reading.shown, read: raw.length });
    }
    const request = { ...reading, recipients: P.uniqueRecipients(recipients) };
    delete request.shown;
    if (reports.length) request.findings = reports;
    return request;
  }

  /** The finding the dialog shows for each report, in case the service did not echo them. */
  function unreadableFindings(reports) {
    return reports.map((report) => {
      const who = report.name || '?';
      const message = {
        unresolved: t('unreadableUnresolved', [who]),
        no_address: t('unreadableNoAddress', [who]),
        count_mismatch: t('unreadableCountMismatch', [String(report.shown), String(report.read)]),
        none_read: t('unreadableNoneRead'),
      }[report.reason];
      return { code: 'unreadable_recipient', severity: 'block', message, related: report.name ? [{ field: report.field, name: report.name }] : [] };
    });
  }

  /** A check with unreadable recipients is a block whatever the service said. */
  function failClosed(result, request) {
    const reports = request.findings || [];
    if (!reports.length) return result;
    const echoed = (result.findings || []).some((f) => f.code === 'unreadable_recipient');
    return {
      ...result,
      verdict: 'block',
      findings: echoed ? result.findings : [...unreadableFindings(reports), ...(result.findings || [])],
    };
  }

  /**
   * Read the compose, ask the service, then pass, show the dialog or show why nothing can go.
   * `hold`: the compose changed under a checked send, so even a pass is shown, never sent unseen.
   */
  async function runCheck(compose, notice, hold) {
    if (!compose) {
      closeDialog(true);
      return;
    }
    const state = active && active.compose === compose ? active : { compose, dialog: null };
    active = state;
    const token = {};
    state.pending = token;
    state.response = null;
    state.remoteToken = null; // a token from another desk covers the old check only
    let request;
    try {
      request = await readCompose(state);
    } catch (error) {
      // An adapter may say why (e.g. a broken site profile); the reason goes under the message.
      if (active === state && state.pending === token) ensureDialog(state).error({ error: 'read_failed', message: t('errorReadFailed'), hint: error && error.hint });
      return;
    }
    if (active !== state || state.pending !== token) return; // cancelled while reading
    const pastes = AtesakiPaste.of(compose);
    if (pastes.length) request.pastes = pastes; // the service makes pasted_text of them
    state.request = request;
    state.held = false; // a new check of a held send counts down again
    const slow = setTimeout(() => {
      if (state.pending === token && active === state) ensureDialog(state).checking(request.subject);
    }, SLOW_CHECK_MS);
    const result = await ask('check', { request });
    clearTimeout(slow);
    if (active !== state || state.pending !== token) return; // cancelled meanwhile
    state.pending = null;
    if (!result.ok) {
      ensureDialog(state).error(result, request.subject);
      return;
    }
    if (!P.isCheckAnswer(result)) {
      // The worker checks the shape too; a pass must never come from an answer nobody could read.
      ensureDialog(state).error({ error: 'bad_response', message: t('errorBadResponse'), hint: t('hintDoctor') }, request.subject);
      return;
    }
    state.response = failClosed(result, request);
    if (state.response.verdict === 'pass' && !hold) {
      await release(state, null);
      return;
    }
    try {
      ensureDialog(state).check(state.response, request, notice);
    } catch (error) {
      // Never leave the user looking at "checking…" or at half a dialog: say it and hold the send.
      ensureDialog(state).error({ error: 'display_failed', message: t('errorDisplayFailed') + ' (' + String((error && error.message) || error) + ')', hint: t('hintDoctor') }, request.subject);
    }
  }

  /** The user finished the dialog; whatever goes wrong on the way ends in the error state, not in silence. */
  async function confirmSend(state, approval) {
    try {
      await approveThenRelease(state, approval);
    } catch (error) {
      if (active !== state) return;
      ensureDialog(state).error({ error: 'extension_error', message: t('errorExtension') + ' (' + String((error && error.message) || error) + ')' }, state.request.subject);
    }
  }

  /**
   * Ask a checker at another desk (through the central service) and wait for the decision;
   * an approval becomes a release token for exactly this check. A new check (changed
   * recipients) or a closed dialog ends the wait.
   */
  async function askRemote(state, checker) {
    const response = state.response;
    const current = () => active === state && state.response === response && state.dialog && state.dialog.isOpen();
    if (!response) return;
    state.remoteToken = null;
    state.dialog.remoteState('asking');
    const asked = await ask('remoteAsk', { check_id: response.check_id, checker, subject: state.request.subject });
    if (!current()) return;
    if (!asked.ok) {
      state.dialog.remoteState('error', { message: asked.message });
      return;
    }
    const who = (asked.checker && asked.checker.name) || '';
    state.dialog.remoteState('waiting', { checker: who });
    let failures = 0;
    for (;;) {
      const began = Date.now();
      const answer = await ask('remoteWait', { request_id: asked.request_id, wait: REMOTE_WAIT_S }, (REMOTE_WAIT_S + 15) * 1000);
      if (!current()) return;
      if (!answer.ok) {
        failures += 1;
        if (failures >= REMOTE_RETRIES || answer.status === 404) {
          state.dialog.remoteState('error', { message: answer.message });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
        continue;
      }
      failures = 0;
      if (answer.status === 'waiting') {
        // A service that answers without waiting must not be asked again at once (a busy loop).
        const early = REMOTE_MIN_POLL_MS - (Date.now() - began);
        if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
        continue;
      }
      if (answer.status === 'refused') {
        state.dialog.remoteState('refused', { checker: who, note: answer.note });
        return;
      }
      if (answer.status !== 'approved') {
        state.dialog.remoteState('error', { message: t('remoteUsed') });
        return;
      }
      const released = await ask('remoteRelease', { request_id: asked.request_id, check_id: response.check_id });
      if (!current()) return;
      if (!released.ok) {
        state.dialog.remoteState('error', { message: released.message });
        return;
      }
      state.remoteToken = released.release_token;
      state.dialog.remoteState('approved', { checker: who, note: answer.note });
      return;
    }
  }

  /** Approval first when asked, then release. */
  async function approveThenRelease(state, approval) {
    if (active !== state || !state.response) return;
    if (state.response.verdict === 'approve' && approval && approval.remote && state.remoteToken) {
      await release(state, state.remoteToken); // approved at another desk: the token is for this check
      return;
    }
    if (state.response.verdict === 'approve') {
      const granted = await ask('approve', { check_id: state.response.check_id, checker: approval.checker, code: approval.code });
      if (active !== state) return;
      if (!granted.ok) {
        const key = { bad_code: 'approvalBadCode', code_reused: 'approvalCodeReused', locked: 'approvalLocked' }[granted.error];
        if (key) state.dialog.approvalRefused(t(key), granted.message);
        else if (granted.status === 404) runCheck(state.compose, t('approvalExpired'));
        else state.dialog.error(granted, state.request.subject);
        return;
      }
      await release(state, granted.release_token);
      return;
    }
    await release(state, null);
  }

  /** Send exactly what was checked, once; anything changed since means a new check, shown. */
  async function release(state, releaseToken) {
    const compose = state.compose;
    let now;
    try {
      now = await readCompose(state);
    } catch (error) {
      now = null;
    }
    if (active !== state) return;
    if (!now) {
      ensureDialog(state).error({ error: 'read_failed', message: t('errorReadFailed') }, state.request.subject);
      return;
    }
    if (now.findings || !P.sameRecipients(now.recipients, state.request.recipients)) {
      runCheck(compose, t('noticeRecipientsChanged'), true);
      return;
    }
    now = now.recipients;
    const delay = Math.min(60, Math.max(0, Number(state.response.send_delay) || 0));
    if (delay > 0 && !state.held) {
      closeDialog(false);
      holdWithUndo(state, releaseToken, delay);
      return;
    }
    const record = { check_id: state.response.check_id, recipients: now, release_token: releaseToken, subject: state.request.subject };
    if (state.response.verdict === 'approve') {
      // The service checks the release token against these exact recipients before anything leaves.
      const recorded = await ask('recordSend', record);
      if (active !== state) return;
      if (!recorded.ok) {
        ensureDialog(state).error(recorded, state.request.subject);
        return;
      }
    }
    const chosen = pressed.get(compose);
    // The control the user pressed (Send, Send+Archive, Schedule send); the adapter finds it again if it went.
    const button = chosen && chosen.isConnected ? chosen : adapter.sendButton(compose, chosen);
    if (!button) {
      ensureDialog(state).error({ error: 'no_send_button', message: t('errorNoSendButton') }, state.request.subject);
      return;
    }
    closeDialog(false);
    cooling.set(compose, Date.now());
    releasing = true;
    try {
      AtesakiDom.click(button);
    } finally {
      releasing = false;
    }
    if (state.response.verdict !== 'approve') ask('recordSend', record);
  }

  /**
   * The send delay (policy.send_delay): the dialog is gone and the page is the user's again;
   * a bar counts down with Undo. Nothing has been pressed or recorded yet, so Undo, a closed
   * compose or a closed tab leave the webmail's draft exactly as it was.
   */
  function holdWithUndo(state, releaseToken, seconds) {
    const compose = state.compose;
    waiting.add(compose);
    AtesakiUndo.start(seconds, {
      elapsed: () => {
        waiting.delete(compose);
        if (!compose.isConnected) return; // the compose was closed meanwhile: send nothing
        state.held = true;
        releaseWhenFree(state, releaseToken);
      },
      undone: () => waiting.delete(compose),
    });
  }

  /** Release a held send once no dialog of another compose is open (it owns `active`). */
  function releaseWhenFree(state, releaseToken) {
    if (active && active !== state) {
      setTimeout(() => releaseWhenFree(state, releaseToken), 250);
      return;
    }
    active = state;
    release(state, releaseToken);
  }

  /**
   * Change the compose, read it again until it shows exactly what was meant, then check it again.
   * The old rows go at once so none can be ticked stale. If the webmail did not make the change
   * as meant, nothing can be sent and the dialog says so.
   */
  async function changeAndCheck(state, change, expected, done) {
    state.response = null;
    state.dialog.checking(state.request.subject);
    let changed = false;
    try {
      changed = await change();
    } catch (error) {
      changed = false; // the error below says to change it by hand
    }
    const deadline = Date.now() + EDIT_SETTLE_MS;
    let now = null;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the webmail redraw its chips
      if (active !== state) return;
      try {
        now = await readCompose(state);
      } catch (error) {
        now = null;
      }
      if (changed && now && !now.findings && P.sameRecipients(now.recipients, expected)) break;
      if (!changed || Date.now() > deadline) {
        state.dialog.error({ error: 'edit_mismatch', message: t('errorEditMismatch') }, state.request.subject);
        return;
      }
    }
    runCheck(state.compose, done);
  }

  function swap(state, recipient, person) {
    const same = (r) => r.field === recipient.field && r.address.toLowerCase() === recipient.address.toLowerCase();
    const expected = state.request.recipients.map((r) => (same(r) ? { field: r.field, address: person.address, name: person.name || '' } : r));
    return changeAndCheck(
      state,
      () => adapter.replaceRecipient(state.compose, recipient.field, recipient.address, person),
      P.uniqueRecipients(expected),
      t('noticeSwapped', [person.address]),
    );
  }

  function moveToBcc(state, recipients) {
    const moving = new Set(recipients.filter((r) => r.field !== 'bcc').map((r) => r.field + ':' + r.address.toLowerCase()));
    const expected = state.request.recipients.map((r) => (moving.has(r.field + ':' + r.address.toLowerCase()) ? { ...r, field: 'bcc' } : r));
    return changeAndCheck(state, () => adapter.moveToBcc(state.compose, recipients), P.uniqueRecipients(expected), t('noticeMovedToBcc'));
  }

  /** A send was attempted on this compose: hold it and start the check (once at a time). */
  function attempt(compose, button) {
    if (active) return; // a check or dialog is already running: this is a second press
    if (waiting.has(compose)) return; // already released, counting down with Undo shown
    const released = cooling.get(compose);
    if (released && Date.now() - released < AFTER_RELEASE_MS) return;
    if (button) pressed.set(compose, button);
    else pressed.delete(compose);
    runCheck(compose);
  }

  function onPointer(event) {
    if (releasing || inDialog(event)) return;
    const button = adapter.sendButtonOf(event.composedPath()[0] || event.target);
    if (!button) return;
    block(event);
    if (event.type !== 'click' || (event.button && event.button !== 0)) return;
    const compose = adapter.composeOf(button);
    if (compose) attempt(compose, button);
    else if (!active) {
      // A Send we cannot tie to a compose cannot be checked: fail closed and say so.
      active = { compose: null, dialog: null };
      ensureDialog(active).error({ error: 'read_failed', message: t('errorReadFailed') });
    }
  }

  function onKey(event) {
    if (releasing) return;
    if (inDialog(event)) {
      active.dialog.handleKey(event);
      event.stopImmediatePropagation(); // keep the webmail's own shortcuts out of the dialog
      return;
    }
    const target = event.composedPath()[0] || event.target;
    const onButton = (event.key === 'Enter' || event.key === ' ') && adapter.sendButtonOf(target);
    const shortcut = adapter.isSendShortcut(event);
    if (!onButton && !shortcut) return;
    const compose = adapter.composeOf(onButton || target);
    if (!compose && !onButton) return; // Ctrl+Enter outside any compose is not a send
    block(event);
    if (event.type === 'keydown' && !event.repeat && compose) attempt(compose, onButton || null);
  }

  function start() {
    adapter = (globalThis.AtesakiAdapters || []).find((a) => a.matches(location));
    if (!adapter) return;
    AtesakiPaste.watch(adapter);
    for (const type of POINTER_EVENTS) window.addEventListener(type, onPointer, true);
    for (const type of KEY_EVENTS) window.addEventListener(type, onKey, true);
    document.documentElement.setAttribute('data-atesaki', 'ready');
  }

  // At once: the site-profile adapter (content/adapters/profile.js) holds anything that looks like
  // Send until its profile has arrived from the worker, so no send slips through meanwhile.
  start();
})();
