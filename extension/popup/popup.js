/* The toolbar popup: is Atesaki connected, what was checked last, and the way to report a wrong send. */
'use strict';

(() => {
  const { ask, t } = AtesakiPage;

  function lastCheckText(check) {
    if (!check) return t('popupNoCheck');
    const when = new Date(check.at).toLocaleString();
    const verdict = check.ok ? t('verdict_' + check.verdict) : t('verdict_error');
    return `${when} — ${verdict}${check.subject ? ' — ' + check.subject : ''}`;
  }

  async function refresh() {
    const status = await ask('status');
    const connection = document.getElementById('connection');
    connection.textContent = AtesakiPage.statusText(status);
    connection.className = status.paired ? 'ok' : 'bad';
    document.getElementById('last-check').textContent = lastCheckText(status.lastCheck);
    // Requests from other desks, as the worker's long-poll last saw them (only when joined).
    const { inbox } = await chrome.storage.session.get('inbox');
    const section = document.getElementById('inbox');
    section.hidden = !(inbox && inbox.joined);
    if (inbox && inbox.joined) {
      document.getElementById('inbox-count').textContent = t('popupInboxCount', [String(inbox.requests.length)]);
    }
  }

  document.getElementById('wrong-send').addEventListener('click', () => {
    chrome.tabs.create({ url: chrome.runtime.getURL('popup/incident.html') });
    window.close();
  });
  document.getElementById('options').addEventListener('click', () => chrome.runtime.openOptionsPage());
  document.getElementById('open-approvals').addEventListener('click', () => {
    chrome.tabs.create({ url: chrome.runtime.getURL('popup/approvals.html') });
    window.close();
  });

  AtesakiPage.translate();
  refresh();
})();
