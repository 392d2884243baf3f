/* The check dialog: an open shadow root the webmail's CSS cannot reach, Japanese or English, focus trapped. */
'use strict';

globalThis.AtesakiDialog = (() => {
  const P = AtesakiParse;
  const LANG = (chrome.i18n.getUILanguage() || 'en').toLowerCase().startsWith('ja') ? 'ja' : 'en';

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  // Codes the dialog says in other words already (the internal/external badge says `external`).
  const SILENT_CODES = new Set(['external']);
  // Findings whose `related` people can replace the recipient in one click.
  const SWAP_CODES = new Set(['surname_homonym', 'name_mismatch']);
  const SEVERITY_ORDER = { block: 0, high: 1, warn: 2, info: 3 };

  const STYLE = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    .backdrop { position: fixed; inset: 0; z-index: 2147483647; background: rgba(15, 23, 42, .55);
      display: flex; align-items: flex-start; justify-content: center; overflow: auto; padding: 4vh 12px;
      font: 16px/1.5 "Hiragino Sans", "Noto Sans JP", "Yu Gothic UI", Meiryo, system-ui, sans-serif; color: #0f172a; }
    .panel { background: #fff; border-radius: 10px; width: min(860px, 100%); box-shadow: 0 20px 60px rgba(0,0,0,.35);
      padding: 20px 24px; }
    h2 { font-size: 22px; margin: 0 0 4px; }
    .subject { color: #334155; margin: 0 0 12px; font-size: 16px; overflow-wrap: anywhere; }
    .banner { border-radius: 8px; padding: 10px 14px; margin: 8px 0 12px; font-size: 16px; }
    .banner.block, .banner.error { background: #fef2f2; border: 2px solid #b91c1c; color: #7f1d1d; }
    .banner.approve { background: #fff7ed; border: 2px solid #c2410c; color: #7c2d12; }
    .banner.confirm, .banner.notice { background: #eff6ff; border: 2px solid #1d4ed8; color: #1e3a8a; }
    ul { margin: 0; padding: 0; list-style: none; }
    .rows > li { border: 2px solid #cbd5e1; border-radius: 8px; padding: 12px 14px; margin: 0 0 10px; display: grid;
      grid-template-columns: auto 1fr; gap: 4px 14px; align-items: start; }
    .rows > li.ticked { border-color: #15803d; background: #f0fdf4; }
    .tick { grid-row: 1 / span 4; display: flex; flex-direction: column; align-items: center; gap: 2px; font-size: 13px; cursor: pointer; }
    .tick input { width: 28px; height: 28px; margin: 0; cursor: pointer; }
    .who { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: baseline; }
    .field { font-weight: 700; background: #e2e8f0; border-radius: 4px; padding: 0 8px; font-size: 15px; }
    .name { font-size: 20px; font-weight: 700; }
    .address { font-size: 20px; font-family: ui-monospace, "Cascadia Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
    .address .domain { font-weight: 800; text-decoration: underline; text-decoration-thickness: 2px; }
    .badge { border-radius: 999px; padding: 1px 10px; font-size: 14px; font-weight: 700; }
    .badge.internal { background: #dcfce7; color: #14532d; border: 1px solid #15803d; }
    .badge.external { background: #ffedd5; color: #7c2d12; border: 1px solid #c2410c; }
    .badge.list { background: #ede9fe; color: #3b0764; border: 1px solid #6d28d9; }
    .history { color: #334155; font-size: 15px; }
    .history.first { color: #9a3412; font-weight: 700; }
    .findings li { margin: 4px 0; padding: 4px 8px; border-left: 4px solid #94a3b8; font-size: 15px; }
    .findings li.high, .findings li.block { border-color: #b91c1c; background: #fef2f2; }
    .findings li.warn { border-color: #c2410c; background: #fff7ed; }
    .actions-inline { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 4px; }
    button, select, input[type=text] { font: inherit; }
    button { border-radius: 6px; border: 2px solid #1e3a8a; background: #fff; color: #1e3a8a; padding: 6px 14px; cursor: pointer; }
    button.primary { background: #1d4ed8; color: #fff; border-color: #1d4ed8; font-weight: 700; font-size: 17px; }
    button:disabled { opacity: .45; cursor: not-allowed; }
    button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
    .approval { border: 2px solid #c2410c; border-radius: 8px; padding: 12px 14px; margin: 8px 0; display: grid; gap: 8px; }
    .approval label { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
    .approval input { width: 9ch; font-size: 22px; letter-spacing: .2em; padding: 2px 6px; }
    .approval select { font-size: 17px; padding: 2px 6px; }
    .approval-error { color: #7f1d1d; font-weight: 700; }
    .remote { border-top: 1px dashed #c2410c; margin-top: 8px; padding-top: 8px; display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; }
    .remote-status { font-weight: 700; }
    .remote-status[data-state="approved"] { color: #14532d; }
    .remote-status[data-state="refused"] { color: #7f1d1d; }
    .remote-note { flex-basis: 100%; overflow-wrap: anywhere; }
    .what-to-do { margin-top: 6px; overflow-wrap: anywhere; }
    .footer { display: flex; justify-content: space-between; align-items: center; gap: 12px; margin-top: 14px; flex-wrap: wrap; }
    .footer .hint { color: #334155; font-size: 14px; }
    .footer .buttons { display: flex; gap: 10px; }
    .checking { font-size: 18px; padding: 16px 0; }
    [hidden] { display: none !important; }
  `;

  const { el } = AtesakiEl;

  function findingText(finding) {
    const messages = finding.messages || {};
    return messages[LANG] || finding.message || t('finding_' + finding.code) || finding.code;
  }

  function historyText(recipient) {
    if (!recipient.sent_count) return t('historyNever');
    const date = recipient.last_sent ? new Date(recipient.last_sent) : null;
    const when = date && !Number.isNaN(date.getTime()) ? date.toLocaleDateString(LANG === 'ja' ? 'ja-JP' : 'en-GB', { year: 'numeric', month: 'short', day: 'numeric' }) : '—';
    return t('historySent', [String(recipient.sent_count), when]);
  }

  /** A known mailing list: "list · N members" (its size where the directory knows it). */
  function mailingListBadge(list) {
    if (!list) return null;
    const known = Number.isInteger(list.members);
    return el('span', { class: 'badge list', 'data-atesaki': 'mailing-list', 'data-members': known ? String(list.members) : null,
      text: known ? t('badgeMailingListMembers', [String(list.members)]) : t('badgeMailingList') });
  }

  function addressNode(address) {
    const { local, domain } = P.splitAddress(address);
    if (!domain) return el('span', { class: 'address' }, local);
    return el('span', { class: 'address' }, el('span', { class: 'local' }, local + '@'), el('span', { class: 'domain' }, domain));
  }

  /**
   * Open a dialog; `handlers` = {cancel(), retry(), send({checker, code} or {remote: true}),
   * swap(recipient, person), moveToBcc(recipients), loadCheckers(), loadRemoteCheckers(),
   * askChecker(checkerId)}. Returns the controller the core drives.
   */
  function create(handlers) {
    const host = document.createElement('div');
    host.setAttribute('data-atesaki', 'dialog');
    const root = host.attachShadow({ mode: 'open' });
    root.append(el('style', {}, STYLE));
    const panel = el('div', { class: 'panel', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'atesaki-title', lang: LANG });
    root.append(el('div', { class: 'backdrop' }, panel));
    const previousFocus = document.activeElement;
    let current = null; // {verdict, sendButton, ticks, codeInput, checkerSelect}
    let closed = false;
    (document.body || document.documentElement).append(host);

    function focusables() {
      return [...panel.querySelectorAll('button, input, select, [tabindex]:not([tabindex="-1"])')].filter(
        (node) => !node.disabled && !node.closest('[hidden]'),
      );
    }

    function focusFirst(preferred) {
      const target = (preferred && panel.querySelector(preferred)) || focusables()[0];
      if (target) target.focus();
    }

    function header(title, subject) {
      return [el('h2', { id: 'atesaki-title', text: title }), subject ? el('p', { class: 'subject', text: t('dialogSubject', [subject]) }) : null];
    }

    function footer(sendEnabled, hint) {
      const cancel = el('button', { type: 'button', 'data-atesaki': 'cancel', text: t('buttonCancel') });
      const send = el('button', { type: 'button', class: 'primary', 'data-atesaki': 'send', text: t('buttonSend') });
      send.disabled = !sendEnabled;
      cancel.addEventListener('click', () => handlers.cancel());
      return { node: el('div', { class: 'footer' }, el('span', { class: 'hint', text: hint || '' }), el('div', { class: 'buttons' }, cancel, send)), send };
    }

    function render(nodes) {
      panel.replaceChildren(...nodes.flat().filter(Boolean));
    }

    /** The check is taking a moment: say so, keep Cancel available. */
    function checking(subject) {
      const { node } = footer(false, '');
      render([header(t('dialogChecking'), subject), el('p', { class: 'checking', role: 'status', text: t('dialogCheckingText') }), node]);
      current = null;
      focusFirst('[data-atesaki="cancel"]');
    }

    /** Nothing can be sent: show why, offer Retry. */
    function error(result, subject) {
      const retry = el('button', { type: 'button', 'data-atesaki': 'retry', text: t('buttonRetry') });
      retry.addEventListener('click', () => handlers.retry());
      const { node } = footer(false, t('hintNothingSent'));
      render([
        header(t('dialogErrorTitle'), subject),
        el('div', { class: 'banner error', role: 'alert', 'data-atesaki': 'error', 'data-error': result.error || 'error' },
          el('strong', { text: (result.message || t('errorServiceDown')) }),
          el('div', { text: t('errorNothingSent') }),
          result.hint ? el('div', { class: 'what-to-do', 'data-atesaki': 'error-hint', text: result.hint }) : null),
        el('div', { class: 'actions-inline' }, retry),
        node,
      ]);
      current = null;
      focusFirst('[data-atesaki="retry"]');
    }

    function recipientRow(recipient, update) {
      const tickBox = el('input', { type: 'checkbox', 'data-atesaki': 'tick', 'aria-label': t('tickLabel', [recipient.address]) });
      const row = el('li', { 'data-address': recipient.address, 'data-field': recipient.field });
      tickBox.addEventListener('change', () => {
        row.classList.toggle('ticked', tickBox.checked);
        update();
      });
      const internal = Boolean(recipient.internal);
      const findings = (recipient.findings || []).filter((f) => !SILENT_CODES.has(f.code))
        .sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9));
      const swaps = [];
      for (const finding of recipient.findings || []) {
        for (const person of finding.related || []) {
          if (SWAP_CODES.has(finding.code) && person.address && swaps.length < 3 && !swaps.some((s) => s.address === person.address)) {
            swaps.push({ name: person.name || '', address: person.address });
          } else if (finding.code === 'lookalike_domain' && person.domain && swaps.length < 3) {
            const { local } = P.splitAddress(recipient.address);
            swaps.push({ name: recipient.name || '', address: local + '@' + person.domain });
          }
        }
      }
      const swapButtons = swaps.map((person) => {
        const label = person.name ? `${person.name} <${person.address}>` : person.address;
        if (!handlers.swap) {
          // The adapter cannot change recipients reliably here (Outlook): show the address to copy.
          const copy = el('input', { type: 'text', readonly: true, value: person.address, 'aria-label': person.address, size: String(person.address.length + 2) });
          return el('span', { 'data-atesaki': 'did-you-mean-copy', 'data-address': person.address }, t('didYouMeanCopy', [label]), ' ', copy);
        }
        const button = el('button', { type: 'button', 'data-atesaki': 'did-you-mean', 'data-address': person.address, text: t('didYouMean', [label]) });
        button.addEventListener('click', () => handlers.swap(recipient, person));
        return button;
      });
      const parts = [
        el('label', { class: 'tick' }, tickBox, el('span', { text: t('tickShort') })),
        el('div', { class: 'who' },
          el('span', { class: 'field', text: t('field_' + recipient.field) }),
          recipient.name ? el('span', { class: 'name', text: recipient.name }) : null,
          addressNode(recipient.address),
          el('span', { class: 'badge ' + (internal ? 'internal' : 'external'), 'data-atesaki': internal ? 'internal' : 'external', text: t(internal ? 'badgeInternal' : 'badgeExternal') }),
          mailingListBadge(recipient.mailing_list)),
        el('div', { class: 'history' + (recipient.sent_count ? '' : ' first'), text: historyText(recipient) }),
        findings.length ? el('ul', { class: 'findings' }, findings.map((f) => el('li', { class: f.severity || '', 'data-atesaki': 'finding', 'data-code': f.code, text: findingText(f) }))) : null,
        swapButtons.length ? el('div', { class: 'actions-inline' }, swapButtons) : null,
      ];
      row.append(...parts.filter(Boolean));
      return { row, tickBox };
    }

    /** Show the service's answer: one row per recipient, ticks, findings, and approval if asked. */
    function check(response, request, notice) {
      const verdict = response.verdict;
      const subject = request.subject;
      const names = new Map(request.recipients.map((r) => [r.field + ':' + r.address.toLowerCase(), r.name]));
      const recipients = (response.recipients || request.recipients).map((r) => ({
        ...r,
        name: r.name || names.get(r.field + ':' + String(r.address).toLowerCase()) || '',
      }));
      const ticks = [];
      const rows = [];
      let sendButton = null;
      let codeInput = null;
      let checkerSelect = null;
      let remoteApproved = false; // a checker at another desk approved: no code needed
      const update = () => {
        const allTicked = ticks.every((box) => box.checked);
        let ready = allTicked && verdict !== 'block';
        if (verdict === 'approve') ready = ready && (remoteApproved || (Boolean(checkerSelect.value) && /^\d{6}$/.test(codeInput.value.trim())));
        sendButton.disabled = !ready;
      };
      for (const recipient of recipients) {
        const { row, tickBox } = recipientRow(recipient, update);
        ticks.push(tickBox);
        rows.push(row);
      }
      const messageFindings = (response.findings || []).filter((f) => !SILENT_CODES.has(f.code));
      const externals = recipients.filter((r) => !r.internal && r.field !== 'bcc');
      // The service may report it for the message or on each external recipient: either way, one action.
      const everyFinding = [...(response.findings || []), ...recipients.flatMap((r) => r.findings || [])];
      const moveButton = handlers.moveToBcc && everyFinding.some((f) => f.code === 'visible_external_recipients') && externals.length
        ? el('button', { type: 'button', 'data-atesaki': 'move-to-bcc', text: t('moveToBcc', [String(externals.length)]) })
        : null;
      if (moveButton) moveButton.addEventListener('click', () => handlers.moveToBcc(externals));
      let approval = null;
      let remote = null; // the "ask a checker at another desk" controls, when shown
      /**
       * "Ask a checker at another desk": shown only when this PC has joined a central
       * service; an unreachable central service is said here, and codes still work.
       */
      function remoteBlock() {
        const picker = el('select', { 'data-atesaki': 'remote-checker', 'aria-label': t('remoteChecker') }, el('option', { value: '', text: t('approvalPickChecker') }));
        const button = el('button', { type: 'button', 'data-atesaki': 'ask-checker', text: t('remoteAsk'), disabled: true });
        remote = {
          picker,
          button,
          status: el('div', { class: 'remote-status', role: 'status', 'aria-live': 'polite', 'data-atesaki': 'remote-status', hidden: true }),
          note: el('div', { class: 'remote-note', 'data-atesaki': 'remote-note', hidden: true }),
          error: el('div', { class: 'approval-error', role: 'alert', 'data-atesaki': 'remote-error', hidden: true }),
        };
        const block = el('div', { class: 'remote', 'data-atesaki': 'remote', hidden: true },
          el('span', { text: t('remoteExplain') }),
          el('label', {}, el('span', { text: t('remoteChecker') }), picker),
          button, remote.status, remote.note, remote.error);
        picker.addEventListener('change', () => { button.disabled = !picker.value; });
        button.addEventListener('click', () => {
          if (!picker.value || button.disabled) return;
          button.disabled = true;
          picker.disabled = true;
          handlers.askChecker(picker.value);
        });
        Promise.resolve(handlers.loadRemoteCheckers()).then((result) => {
          if (result && result.ok && !result.joined) return; // no central service: codes only
          block.hidden = false;
          if (!result || !result.ok) {
            picker.disabled = true;
            remoteShow({ error: (result && result.message) || t('remoteUnreachable') });
            return;
          }
          for (const checker of result.checkers || []) picker.append(el('option', { value: checker.id, text: checker.name }));
          if (!(result.checkers || []).length) remoteShow({ error: t('remoteNoCheckers') });
        });
        return block;
      }
      /** Show one state of the request to a checker at another desk. */
      function remoteShow({ state, text, note, error: problem }) {
        if (!remote) return;
        const { status, note: noteBox, error: errorBox } = remote; // this dialog's, not a later one's
        status.hidden = !state;
        if (state) {
          status.dataset.state = state;
          status.textContent = text;
        }
        noteBox.hidden = !note;
        noteBox.textContent = note ? t('remoteNote', [note]) : '';
        errorBox.hidden = !problem;
        errorBox.textContent = problem || '';
        // Asking, waiting or approved holds the picker; a refusal or a failure lets the user ask again.
        const settled = state === 'asking' || state === 'waiting' || state === 'approved';
        remote.picker.disabled = settled;
        remote.button.disabled = settled || !remote.picker.value;
        remoteApproved = state === 'approved';
        update();
      }
      if (verdict === 'approve') {
        checkerSelect = el('select', { 'data-atesaki': 'checker', 'aria-label': t('approvalChecker') }, el('option', { value: '', text: t('approvalPickChecker') }));
        codeInput = el('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]{6}', 'data-atesaki': 'code', 'aria-label': t('approvalCode') });
        checkerSelect.addEventListener('change', update);
        codeInput.addEventListener('input', update);
        approval = el('div', { class: 'approval', role: 'group', 'aria-label': t('approvalTitle') },
          el('strong', { text: t('approvalTitle') }),
          el('span', { text: t('approvalExplain') }),
          el('label', {}, el('span', { text: t('approvalChecker') }), checkerSelect),
          el('label', {}, el('span', { text: t('approvalCode') }), codeInput),
          el('div', { class: 'approval-error', role: 'alert', 'data-atesaki': 'approval-error', hidden: true }),
          handlers.loadRemoteCheckers ? remoteBlock() : null);
        Promise.resolve(handlers.loadCheckers()).then((result) => {
          if (!result || !result.ok) {
            showApprovalError((result && result.message) || t('approvalNoCheckers'), result && result.hint);
            return;
          }
          for (const checker of result.checkers || []) checkerSelect.append(el('option', { value: checker.id, text: checker.name }));
          if (!(result.checkers || []).length) showApprovalError(t('approvalNoCheckers'));
        });
      }
      const bannerKey = { block: 'verdictBlock', approve: 'verdictApprove', confirm: 'verdictConfirm' }[verdict] || 'verdictConfirm';
      const { node, send } = footer(false, verdict === 'block' ? t('hintBlocked') : t('hintTickAll'));
      sendButton = send;
      sendButton.addEventListener('click', () => {
        if (sendButton.disabled) return;
        sendButton.disabled = true;
        if (verdict === 'approve' && remoteApproved) handlers.send({ remote: true });
        else handlers.send(verdict === 'approve' ? { checker: checkerSelect.value, code: codeInput.value.trim() } : {});
      });
      render([
        header(t('dialogTitle'), subject),
        notice ? el('div', { class: 'banner notice', role: 'status', text: notice }) : null,
        el('div', { class: 'banner ' + (verdict === 'block' ? 'block' : verdict === 'approve' ? 'approve' : 'confirm'), 'data-verdict': verdict, text: t(bannerKey, [String(recipients.length)]) }),
        messageFindings.length ? el('ul', { class: 'findings' }, messageFindings.map((f) => el('li', { class: f.severity || '', 'data-atesaki': 'finding', 'data-code': f.code, text: findingText(f) }))) : null,
        moveButton ? el('div', { class: 'actions-inline' }, moveButton) : null,
        el('ul', { class: 'rows', 'aria-label': t('recipientsLabel') }, rows),
        approval,
        node,
      ]);
      current = { verdict, sendButton, update, remoteShow };
      focusFirst('[data-atesaki="tick"]');
    }

    function showApprovalError(message, detail) {
      const box = panel.querySelector('[data-atesaki="approval-error"]');
      if (!box) return;
      box.textContent = detail && detail !== message ? message + ' — ' + detail : message;
      box.hidden = false;
      if (current) current.update();
      const code = panel.querySelector('[data-atesaki="code"]');
      if (code) {
        code.value = '';
        code.focus();
      }
    }

    /**
     * The request to a checker at another desk: `state` is asking, waiting, approved,
     * refused or error; `detail` = {checker, note, message}.
     */
    function remoteState(state, detail = {}) {
      if (!current || !current.remoteShow) return;
      const who = detail.checker || '';
      if (state === 'error') {
        current.remoteShow({ error: detail.message || t('remoteUnreachable') });
        return;
      }
      const text = {
        asking: t('remoteAsking'),
        waiting: t('remoteWaiting', [who]),
        approved: t('remoteApproved', [who]),
        refused: t('remoteRefused', [who]),
      }[state];
      current.remoteShow({ state, text, note: detail.note || '' });
    }

    /** Re-enable Send after a refused approval (the code field is cleared). */
    function approvalRefused(message, detail) {
      showApprovalError(message, detail);
    }

    /** Keys reach us from the core's capture listener, before the webmail's shortcuts see them. */
    function handleKey(event) {
      if (event.type !== 'keydown') return;
      if (event.key === 'Escape') {
        event.preventDefault();
        handlers.cancel();
      } else if (event.key === 'Tab') {
        const list = focusables();
        if (!list.length) return;
        const active = root.activeElement;
        const index = list.indexOf(active);
        event.preventDefault();
        const next = event.shiftKey ? (index <= 0 ? list.length - 1 : index - 1) : (index + 1) % list.length;
        list[next].focus();
      } else if (event.key === 'Enter' && root.activeElement && root.activeElement.matches('[data-atesaki="code"]')) {
        event.preventDefault();
        if (current && !current.sendButton.disabled) current.sendButton.click();
      }
    }

    function keepFocus(event) {
      if (!closed && !host.contains(event.target) && event.target !== host) focusFirst();
    }
    document.addEventListener('focusin', keepFocus, true);

    function close(restoreFocus) {
      if (closed) return;
      closed = true;
      document.removeEventListener('focusin', keepFocus, true);
      host.remove();
      if (restoreFocus && previousFocus && previousFocus.focus) previousFocus.focus();
    }

    return { host, root, checking, error, check, approvalRefused, remoteState, handleKey, close, isOpen: () => !closed };
  }

  return { create, LANG };
})();
