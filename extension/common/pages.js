/* Shared by the options page and the popup: translated text and the message call to the worker. */
'use strict';

const AtesakiPage = (() => {
  /** Put each `data-i18n` element's message (ja/en from the browser language) in place. */
  function translate(root = document) {
    document.documentElement.lang = chrome.i18n.getUILanguage().toLowerCase().startsWith('ja') ? 'ja' : 'en';
    for (const node of root.querySelectorAll('[data-i18n]')) {
      node.textContent = chrome.i18n.getMessage(node.dataset.i18n) || node.dataset.i18n;
    }
    for (const node of root.querySelectorAll('[data-i18n-title]')) {
      node.title = chrome.i18n.getMessage(node.dataset.i18nTitle) || node.dataset.i18nTitle;
    }
  }

  /** Ask the service worker; resolves to its answer or an error object. */
  async function ask(action, args = {}) {
    try {
      return (await chrome.runtime.sendMessage({ action, args })) || { ok: false, error: 'no_answer' };
    } catch (error) {
      return { ok: false, error: 'extension_error', message: String(error && error.message) };
    }
  }

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  /** A one-line connection state from the worker's `status` answer. */
  function statusText(status) {
    if (status.paired) return t('statusOk', [status.serverUrl]);
    const hint = status.hint ? ' ' + status.hint : '';
    if (!status.reachable) return t('statusUnreachable', [status.serverUrl]) + hint;
    return t('statusUnpaired', [status.message || status.error || '']) + hint;
  }

  return { translate, ask, t, statusText };
})();
