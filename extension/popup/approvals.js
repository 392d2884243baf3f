/* The checker's approvals page: the requests waiting for this PC's user, approved or refused with a note. */
'use strict';

(() => {
  const { ask, t } = AtesakiPage;
  const list = document.getElementById('requests');
  const decided = new Map(); // request id -> its item, kept on screen after the decision

  const { el } = AtesakiEl;

  function findingNodes(codes) {
    return (codes || []).map((code) => el('span', {
      class: 'finding', 'data-atesaki': 'request-finding', 'data-code': code,
      text: chrome.i18n.getMessage('finding_' + code) || code,
    }));
  }

  /** One request: who asks, the subject, each recipient with field and findings (never a body). */
  function item(request) {
    const who = (request.requester && request.requester.name) || '';
    const note = el('textarea', { rows: '2', maxlength: '500', 'data-atesaki': 'request-note' });
    const approve = el('button', { type: 'button', class: 'approve', 'data-atesaki': 'request-approve', text: t('inboxApprove') });
    const refuse = el('button', { type: 'button', class: 'refuse', 'data-atesaki': 'request-refuse', text: t('inboxRefuse') });
    const state = el('p', { class: 'state', role: 'status', 'data-atesaki': 'request-state' });
    const node = el('li', { 'data-atesaki': 'request', 'data-request-id': request.id, 'data-state': 'waiting' },
      el('h2', { text: request.subject || t('inboxNoSubject') }),
      el('p', { class: 'from', text: t('inboxFrom', [who, request.sender || '—']) }),
      el('table', {},
        el('thead', {}, el('tr', {}, ['inboxField', 'inboxName', 'inboxAddress', 'inboxFindings'].map((key) => el('th', { text: t(key) })))),
        el('tbody', {}, (request.recipients || []).map((r) => el('tr', { 'data-atesaki': 'request-recipient', 'data-address': r.address },
          el('td', { class: 'field', text: t('field_' + r.field) }),
          el('td', { text: r.name || '' }),
          el('td', { text: r.address }),
          el('td', {}, findingNodes(r.findings)))))),
      (request.findings || []).length ? el('p', {}, t('inboxMessageFindings'), ' ', findingNodes(request.findings)) : null,
      el('label', {}, el('span', { text: t('inboxNote') }), note),
      approve, refuse, state);
    const decide = async (decision) => {
      approve.disabled = true;
      refuse.disabled = true;
      // Kept on screen from now: the worker's refresh drops the request from the list.
      decided.set(request.id, node);
      let result;
      try {
        result = await ask('decide', { request_id: request.id, decision, note: note.value.trim() });
      } catch (error) {
        result = { ok: false, error: 'extension_error', message: String((error && error.message) || error) };
      }
      if (result.error === 'extension_error') {
        // The message never reached the worker: not decided, the buttons work again.
        decided.delete(request.id);
        approve.disabled = false;
        refuse.disabled = false;
        showError(t('inboxDecideFailed', [result.message || result.error]));
        return;
      }
      if (!result.ok) {
        if (result.error !== 'already_decided') decided.delete(request.id);
        state.textContent = result.message || result.error;
        approve.disabled = result.error === 'already_decided';
        refuse.disabled = approve.disabled;
        return;
      }
      node.dataset.state = result.status;
      note.disabled = true;
      state.textContent = t(result.status === 'approved' ? 'inboxApproved' : 'inboxRefused');
    };
    approve.addEventListener('click', () => decide('approve'));
    refuse.addEventListener('click', () => decide('refuse'));
    return node;
  }

  /** Show the waiting requests; items already on screen stay as they are (a note being typed). */
  function render(inbox) {
    const requests = (inbox && inbox.requests) || [];
    const shown = new Map([...list.querySelectorAll('li[data-request-id]')].map((node) => [node.dataset.requestId, node]));
    const nodes = requests.map((request) => shown.get(request.id) || item(request));
    for (const [id, node] of decided) if (!requests.some((r) => r.id === id)) nodes.push(node);
    list.replaceChildren(...nodes);
    document.getElementById('empty').hidden = nodes.length > 0;
  }

  /** The page's error line: ``text``, or hidden when null. */
  function showError(text) {
    const error = document.getElementById('error');
    error.hidden = text === null;
    error.textContent = text || '';
  }

  async function load() {
    const result = await ask('inbox');
    if (!result.ok) {
      showError((result.message || result.error) + (result.hint ? ' ' + result.hint : ''));
      return;
    }
    showError(result.joined ? null : t('inboxNotJoined'));
    render(result);
  }

  // The worker's long-poll writes every change here: the page follows without asking.
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'session' && changes.inbox) render(changes.inbox.newValue);
  });
  AtesakiPage.translate();
  load();
})();
