/* The content core: catches every Send in the capture phase, asks for a check, runs the dialog, releases once. */
'use strict';

(() => {
  if (globalThis.__atesakiCore) return; // injected twice (static + dynamic registration): keep one
  globalThis.__atesakiCore = true;

  const P = AtesakiParse;
  const adapter = (globalThis.AtesakiAdapters || []).find((a) => a.matches(location));
  if (!adapter) return;

  // Mouse-side events a webmail may send on; all are held back, the click opens the check.
  const POINTER_EVENTS = ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click', 'dblclick'];
  const KEY_EVENTS = ['keydown', 'keypress', 'keyup'];
  const SLOW_CHECK_MS = 250; // show "checking…" only when the answer is slower than this
  const MESSAGE_TIMEOUT_MS = 4000; // the worker's own limit is 3 s; this covers a dead worker
  const AFTER_RELEASE_MS = 700; // the second click of a double click must not send twice

  let releasing = false; // true only while we replay the user's send
  let active = null; // {compose, dialog, request, response}
  const cooling = new WeakMap(); // compose -> time its send was released
  const pressed = new WeakMap(); // compose -> the send button the user pressed (Send+Archive stays that)

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  async function ask(action, args) {
    const timeout = new Promise((resolve) =>
      setTimeout(() => resolve({ ok: false, error: 'timeout', message: t('errorTimeout'), hint: t('hintDoctor') }), MESSAGE_TIMEOUT_MS),
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
        swap: (recipient, person) => swap(state, recipient, person),
        moveToBcc: (recipients) => moveToBcc(state, recipients),
        loadCheckers: () => ask('checkers', {}),
      });
    }
    return state.dialog;
  }

  /** Read the compose, ask the service, then pass, show the dialog or show why nothing can go. */
  async function runCheck(compose, notice) {
    if (!compose) {
      closeDialog(true);
      return;
    }
    const state = active && active.compose === compose ? active : { compose, dialog: null };
    active = state;
    let request;
    try {
      request = adapter.read(compose);
    } catch (error) {
      ensureDialog(state).error({ error: 'read_failed', message: t('errorReadFailed') });
      return;
    }
    state.request = request;
    state.response = null;
    const token = {};
    state.pending = token;
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
    state.response = result;
    if (result.verdict === 'pass') {
      await release(state, null);
      return;
    }
    try {
      ensureDialog(state).check(result, request, notice);
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

  /** Approval first when asked, then release. */
  async function approveThenRelease(state, approval) {
    if (active !== state || !state.response) return;
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

  /** Send exactly what was checked, once; anything changed since means a new check. */
  async function release(state, releaseToken) {
    const compose = state.compose;
    let now;
    try {
      now = adapter.read(compose).recipients;
    } catch (error) {
      now = null;
    }
    if (!now || !P.sameRecipients(now, state.request.recipients)) {
      runCheck(compose, t('noticeRecipientsChanged'));
      return;
    }
    const record = { check_id: state.response.check_id, recipients: now, release_token: releaseToken, subject: state.request.subject };
    if (state.response.verdict === 'approve') {
      // The service checks the release token against these exact recipients before anything leaves.
      const recorded = await ask('recordSend', record);
      if (active !== state) return;
      if (!recorded.ok) {
        state.dialog.error(recorded, state.request.subject);
        return;
      }
    }
    const chosen = pressed.get(compose);
    const button = chosen && chosen.isConnected ? chosen : adapter.sendButton(compose);
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

  /** Change the compose, then check it again; the old rows go at once so none can be ticked stale. */
  async function changeAndCheck(state, change, done, failed) {
    state.response = null;
    state.dialog.checking(state.request.subject);
    let changed = false;
    try {
      changed = await change();
    } catch (error) {
      changed = false; // the notice says to change it by hand; the re-check below still runs
    }
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the webmail redraw its chips
    runCheck(state.compose, changed ? done : failed);
  }

  function swap(state, recipient, person) {
    return changeAndCheck(
      state,
      () => adapter.replaceRecipient(state.compose, recipient.field, recipient.address, person),
      t('noticeSwapped', [person.address]),
      t('noticeSwapFailed'),
    );
  }

  function moveToBcc(state, recipients) {
    return changeAndCheck(state, () => adapter.moveToBcc(state.compose, recipients), t('noticeMovedToBcc'), t('noticeMoveFailed'));
  }

  /** A send was attempted on this compose: hold it and start the check (once at a time). */
  function attempt(compose, button) {
    if (active) return; // a check or dialog is already running: this is a second press
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

  for (const type of POINTER_EVENTS) window.addEventListener(type, onPointer, true);
  for (const type of KEY_EVENTS) window.addEventListener(type, onKey, true);
  document.documentElement.setAttribute('data-atesaki', 'ready');
})();
