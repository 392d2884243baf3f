/* The service worker: wires settings, the service client, native pairing and the message table together. */
'use strict';

if (typeof importScripts === 'function') {
  // Chrome's worker loads its parts here; Firefox lists the same files in manifest.firefox.json.
  importScripts('../common/parse.js', '../common/profiles.js', 'settings.js', 'client.js', 'native.js', 'profiles.js', 'registration.js', 'inbox.js', 'messages.js');
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  AtesakiMessages.handle(message, sender).then(sendResponse, (error) =>
    sendResponse({ ok: false, error: 'extension_error', message: String(error) }),
  );
  return true; // answer asynchronously
});

/** Re-register the site-profile content scripts; a failure is logged, never left unhandled. */
function syncRegistration() {
  return AtesakiRegistration.sync().catch((error) => {
    console.warn('Atesaki: registering the site-profile content scripts failed', error);
    return [];
  });
}

chrome.storage.onChanged.addListener((changes, area) => {
  if (('webmailHosts' in changes || 'siteProfiles' in changes) && area === 'local') syncRegistration();
  // Another service (or token) may have another central service and other requests.
  if (('serverUrl' in changes || 'token' in changes) && area === 'local') AtesakiInbox.start(true);
});

// The checker's inbox long-polls while the worker lives; the alarm starts it again after
// the browser ends an idle worker (or the central service was away).
const INBOX_ALARM = 'atesaki-inbox';
if (chrome.alarms) {
  chrome.alarms.create(INBOX_ALARM, { periodInMinutes: 1 });
  chrome.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === INBOX_ALARM) AtesakiInbox.start();
  });
}
// Managed hosts arrive late after start-up (see settings.js) and on policy changes.
AtesakiSettings.onManagedLoaded(syncRegistration);

if (chrome.permissions && chrome.permissions.onAdded) {
  chrome.permissions.onAdded.addListener(syncRegistration);
  chrome.permissions.onRemoved.addListener(syncRegistration);
}

// The worker can be evicted at any time; each start re-registers and says hello to the native host.
chrome.runtime.onInstalled.addListener(syncRegistration);
chrome.runtime.onStartup.addListener(syncRegistration);
syncRegistration();
AtesakiNative.hello();
AtesakiInbox.start();
