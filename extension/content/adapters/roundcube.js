/* Roundcube (elastic skin): the built-in site profile, run on the hosts listed in webmailHosts. */
'use strict';

(() => {
  // Roundcube submits the hidden textareas; the chip widget (`.recipient-input`) only mirrors them,
  // writes the chips into them in order, then the typed text, and rebuilds itself from a textarea's
  // `change` event (skins/elastic/ui.js recipient_input, apply_func). docs/site-profiles.md explains
  // each key; an administrator's profile for another webmail has the same shape.
  const field = (name) => ({
    text: `textarea#_${name}, input#_${name}`,
    chips: `#compose_${name} .recipient-input .recipient`,
    address: 'title',
    name: '.name',
    typed: `#compose_${name} .recipient-input input`,
    row: `#compose_${name}`,
    reveal: `#headers-menu a.recipient[data-target="${name}"], a[data-target="${name}"]`,
  });
  const ROUNDCUBE = {
    id: 'roundcube',
    name: 'Roundcube (elastic)',
    compose: ['#compose-content', 'form[name="form"]'],
    scope: 'page',
    fields: { to: field('to'), cc: field('cc'), bcc: field('bcc') },
    send: ['button.send', 'a.send', '#rcmbtn_send', '[data-command="send"]'],
    // Roundcube's own prompts (e.g. "send without a subject?") carry a `button.send` too; they come
    // only after a send we released, and continue that same checked send, so they pass.
    notSend: '.ui-dialog',
    shortcuts: ['Ctrl+Enter', 'Meta+Enter'],
    subject: ['#compose-subject', 'input[name="_subject"]'],
    body: ['#composebody', 'textarea[name="_message"]'],
    bodyFrame: '#composebody_ifr',
    attachments: '#attachment-list li',
    attachmentName: '.attachment-name, a.filename, span.name',
    from: '#_from',
    // Reply/forward marks: compose URL parameters and the form's hidden fields.
    reply: ['param:_reply_uid', 'input[name="_reply_uid"]'],
    forward: ['param:_forward_uid', 'input[name="_forward_uid"]'],
  };

  const made = AtesakiProfile.adapter(ROUNDCUBE);
  // Injected only on the hosts the user or administrator listed, so any page it lands on counts.
  made.matches = () => true;
  made.SEL = { COMPOSE: ROUNDCUBE.compose.join(', '), SEND: ROUNDCUBE.send.join(', ') };
  AtesakiAdapters.push(made);
})();
