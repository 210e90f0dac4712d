'use strict';

(() => {
  // Apart from the web page's key, so both sides can be tried in one browser.
  const TOKEN_KEY = 'qr-login-sample.phone-token';
  const $ = (id) => document.getElementById(id);

  let token = sessionStorage.getItem(TOKEN_KEY);
  let scannedId = null;

  async function readJson(response) {
    try {
      return await response.json();
    } catch {
      return {};
    }
  }

  function messageOf(body, fallback) {
    const message = body && body.message;
    if (Array.isArray(message)) return message.join(' ');
    return typeof message === 'string' && message ? message : fallback;
  }

  function showError(text) {
    $('error').textContent = text || '';
  }

  function setStatus(text) {
    $('status').textContent = text || '';
  }

  async function call(method, path, body) {
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const init = { method, headers };
    // Fastify refuses an empty body announced as JSON, so only real bodies get the header.
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      return { ok: false, status: 0, body: { message: 'The server cannot be reached.' } };
    }
    return { ok: response.ok, status: response.status, body: await readJson(response) };
  }

  function showLoggedIn(user) {
    $('phone-user').textContent = `Logged in as ${user.displayName} (${user.username})`;
    $('account').hidden = false;
    $('login-form').hidden = true;
  }

  function showLoggedOut() {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $('account').hidden = true;
    $('login-form').hidden = false;
  }

  async function restoreAccount() {
    if (!token) return showLoggedOut();
    const result = await call('GET', '/auth/me');
    if (result.ok) showLoggedIn(result.body);
    else showLoggedOut();
  }

  /** The id from what was typed or pasted: a bare id, or the payload link carrying `?code=`. */
  function codeFrom(text) {
    const value = text.trim();
    try {
      const code = new URL(value).searchParams.get('code');
      if (code) return code;
    } catch {
      // Not a URL: a bare id.
    }
    return value;
  }

  function addRow(list, label, value) {
    if (value === undefined || value === null || value === '') return;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    // textContent, never HTML: the user agent comes from whoever created the code.
    dd.textContent = String(value);
    list.append(dt, dd);
  }

  function showRequester(requester, expiresIn) {
    const list = $('requester');
    list.replaceChildren();
    const when = requester.createdAt ? new Date(requester.createdAt) : null;
    addRow(list, 'Site', requester.appName);
    addRow(list, 'Browser', requester.userAgent);
    addRow(list, 'IP address', requester.ip);
    addRow(list, 'Asked at', when && !Number.isNaN(when.getTime()) ? when.toLocaleString() : requester.createdAt);
    if (typeof expiresIn === 'number') addRow(list, 'Valid for', `${expiresIn} s`);
    $('confirm-section').hidden = false;
  }

  function busy(ids, on) {
    for (const id of ids) $(id).disabled = on;
  }

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showError('');
    busy(['login-btn'], true);
    token = null;
    const result = await call('POST', '/auth/login', {
      username: $('username').value.trim(),
      password: $('password').value,
    });
    busy(['login-btn'], false);
    if (!result.ok) return showError(messageOf(result.body, `Login failed (HTTP ${result.status}).`));
    token = result.body.access_token;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('password').value = '';
    showLoggedIn(result.body.user);
  });

  $('logout-btn').addEventListener('click', () => {
    showLoggedOut();
    setStatus('');
  });

  $('scan-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showError('');
    setStatus('');
    $('confirm-section').hidden = true;
    if (!token) return showError('Log in first: the app scans as its logged-in user.');
    const qrcodeId = codeFrom($('code').value);
    if (!qrcodeId) return showError('Enter the code or paste the link from the QR.');
    $('code').value = qrcodeId;
    busy(['scan-btn'], true);
    const result = await call('POST', `/qr-login/qrcodes/${encodeURIComponent(qrcodeId)}/scan`);
    busy(['scan-btn'], false);
    if (!result.ok) return showError(messageOf(result.body, `Scan failed (HTTP ${result.status}).`));
    scannedId = qrcodeId;
    setStatus('Scanned. Check who is asking before you confirm.');
    showRequester(result.body.requester || {}, result.body.expiresIn);
  });

  async function decide(action) {
    if (!scannedId) return;
    showError('');
    busy(['confirm-btn', 'cancel-btn'], true);
    const result = await call('POST', `/qr-login/qrcodes/${encodeURIComponent(scannedId)}/${action}`);
    busy(['confirm-btn', 'cancel-btn'], false);
    if (!result.ok) return showError(messageOf(result.body, `${action} failed (HTTP ${result.status}).`));
    $('confirm-section').hidden = true;
    scannedId = null;
    setStatus(
      action === 'confirm' ? 'Confirmed. The web page is signing you in.' : 'Cancelled. The web page was told.',
    );
  }

  $('confirm-btn').addEventListener('click', () => decide('confirm'));
  $('cancel-btn').addEventListener('click', () => decide('cancel'));

  const fromUrl = new URLSearchParams(location.search).get('code');
  if (fromUrl) $('code').value = fromUrl;
  restoreAccount();
})();
