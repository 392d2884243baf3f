/* The send delay: a small countdown bar with Undo after the dialog; the page stays usable meanwhile. */
'use strict';

globalThis.AtesakiUndo = (() => {
  const STYLE = `
    :host { all: initial; }
    .bar { position: fixed; left: 16px; bottom: 16px; z-index: 2147483646; display: flex; gap: 14px; align-items: center;
      background: #0f172a; color: #fff; border-radius: 8px; padding: 10px 14px; box-shadow: 0 8px 24px rgba(0,0,0,.35);
      font: 16px/1.4 "Hiragino Sans", "Noto Sans JP", "Yu Gothic UI", Meiryo, system-ui, sans-serif; }
    button { font: inherit; font-weight: 700; border-radius: 6px; border: 2px solid #fbbf24; background: #fbbf24; color: #0f172a;
      padding: 4px 14px; cursor: pointer; }
    button:focus-visible { outline: 3px solid #fff; outline-offset: 2px; }
  `;

  const NOTICE_MS = 4000; // how long "not sent" stays after Undo

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  /**
   * Count `seconds` down in a bar with Undo, without holding the page: `elapsed()` runs when
   * the time is up, `undone()` when the user pressed Undo. Returns {cancel()} to drop the bar
   * silently (the compose went away). One bar per released message; several may run at once.
   */
  function start(seconds, { elapsed, undone }) {
    const host = document.createElement('div');
    host.setAttribute('data-atesaki', 'countdown');
    const root = host.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.setAttribute('role', 'status');
    bar.setAttribute('aria-live', 'polite');
    const label = document.createElement('span');
    const undo = document.createElement('button');
    undo.type = 'button';
    undo.setAttribute('data-atesaki', 'undo');
    undo.textContent = t('undoButton');
    bar.append(label, undo);
    root.append(style, bar);
    // Stacked above any bar already counting, so each Undo stays reachable.
    bar.style.bottom = 16 + 56 * document.querySelectorAll('[data-atesaki="countdown"]').length + 'px';
    (document.body || document.documentElement).append(host);

    const ends = Date.now() + seconds * 1000;
    let finished = false;
    function show() {
      label.textContent = t('undoSendingIn', [String(Math.max(0, Math.ceil((ends - Date.now()) / 1000)))]);
    }
    function finish() {
      finished = true;
      clearInterval(ticker);
      clearTimeout(timer);
      host.remove();
    }
    show();
    const ticker = setInterval(show, 250);
    const timer = setTimeout(() => {
      if (finished) return;
      finish();
      elapsed();
    }, seconds * 1000);
    undo.addEventListener('click', (event) => {
      event.stopPropagation();
      if (finished) return;
      finished = true;
      clearInterval(ticker);
      clearTimeout(timer);
      // Say what happened for a moment; the button goes at once (the message was not released).
      undo.remove();
      label.textContent = t('noticeUndone');
      setTimeout(() => host.remove(), NOTICE_MS);
      undone();
    });
    return {
      cancel() {
        if (!finished) finish();
      },
    };
  }

  return { start };
})();
