/* The "I sent to the wrong person" form: which message, what went wrong, who is affected; then the steps. */
'use strict';

(() => {
  const { ask, t } = AtesakiPage;
  let sends = [];

  function label(send) {
    const when = new Date(send.at).toLocaleString();
    const who = send.recipients.map((r) => r.address).slice(0, 3).join(', ');
    return `${when} — ${send.subject || '—'} — ${who}${send.recipients.length > 3 ? ' …' : ''}`;
  }

  function fillAddresses() {
    const chosen = sends[Number(document.getElementById('send').value)];
    const list = document.getElementById('addresses');
    list.replaceChildren();
    for (const r of chosen ? chosen.recipients : []) {
      const option = document.createElement('option');
      option.value = r.address;
      option.label = r.name ? `${r.name} (${r.field})` : r.field;
      list.append(option);
    }
  }

  function report(send, values) {
    const lines = [
      `# ${t('reportHeading')}`,
      '',
      `- ${t('reportWhen')}: ${new Date().toLocaleString()}`,
      `- ${t('reportSubject')}: ${send ? send.subject || '—' : '—'}`,
      `- ${t('reportSentAt')}: ${send ? new Date(send.at).toLocaleString() : '—'}`,
      `- ${t('reportWrongRecipient')}: ${values.address}`,
      `- ${t('reportWhat')}: ${t('incidentWhat_' + values.what)}`,
      `- ${t('reportAffected')}: ${values.affected || '—'}`,
      `- ${t('reportNote')}: ${values.note || '—'}`,
      `- ${t('reportCheck')}: ${send ? send.check_id : '—'}`,
      '',
      `## ${t('incidentStepsTitle')}`,
      '',
      `1. ${t('incidentStep1')}`,
      `2. ${t('incidentStep2')}`,
      `3. ${t('incidentStep3')}`,
    ];
    return lines.join('\n');
  }

  async function load() {
    const answer = await ask('recentSends');
    sends = answer.sends || [];
    const select = document.getElementById('send');
    sends.forEach((send, index) => {
      const option = document.createElement('option');
      option.value = String(index);
      option.textContent = label(send);
      select.append(option);
    });
    const other = document.createElement('option');
    other.value = '';
    other.textContent = t('incidentOther');
    select.append(other);
    document.getElementById('no-sends').hidden = sends.length > 0;
    fillAddresses();
  }

  document.getElementById('send').addEventListener('change', fillAddresses);

  document.getElementById('incident').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const error = document.getElementById('error');
    error.hidden = true;
    const send = form.send.value === '' ? null : sends[Number(form.send.value)];
    const values = {
      address: form.address.value.trim(),
      what: form.what.value,
      affected: form.affected.value.trim(),
      note: form.note.value.trim(),
    };
    if (!values.address) {
      error.textContent = t('incidentNeedAddress');
      error.hidden = false;
      return;
    }
    const note = [`what: ${values.what}`, values.affected && `affected: ${values.affected}`, values.note].filter(Boolean).join('\n');
    const answer = await ask('reportIncident', { check_id: send ? send.check_id : null, address: values.address, note });
    if (!answer.ok) {
      error.textContent = t('incidentFailed', [answer.message || answer.error]);
      error.hidden = false;
      return;
    }
    form.hidden = true;
    document.getElementById('report').value = report(send, values);
    document.getElementById('done').hidden = false;
  });

  document.getElementById('copy').addEventListener('click', async () => {
    await navigator.clipboard.writeText(document.getElementById('report').value);
    document.getElementById('copied').hidden = false;
  });

  AtesakiPage.translate();
  load();
})();
