'use strict';

(() => {
  // The page /me reads the token under this key.
  const TOKEN_KEY = 'qr-login-sample.access-token';
  const TERMINAL = new Set(['AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR']);
  const $ = (id) => document.getElementById(id);

  let source = null;
  let countdownTimer = null;
  let generation = 0;

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

  function setStatus(status, text) {
    const el = $('status');
    el.dataset.status = status;
    el.textContent = text;
  }

  function closeStream() {
    if (source) source.close();
    source = null;
  }

  function stopCountdown() {
    clearInterval(countdownTimer);
    countdownTimer = null;
    $('countdown').textContent = '';
  }

  function startCountdown(seconds) {
    const deadline = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      const m = Math.floor(left / 60);
      const s = String(left % 60).padStart(2, '0');
      $('countdown').textContent = `Expires in ${m}:${s}`;
    };
    clearInterval(countdownTimer);
    tick();
    countdownTimer = setInterval(tick, 1000);
  }

  /** A terminal state the user can only leave with a new code. */
  function finish(status, text) {
    closeStream();
    stopCountdown();
    setStatus(status, text);
    $('qr').classList.add('done');
    $('new-code-btn').hidden = false;
  }

  function showScanner(info) {
    const name = (info && info.displayName) || 'Someone';
    $('scanner-name').textContent = name;
    const photo = $('scanner-photo');
    if (info && typeof info.photo === 'string') {
      photo.src = info.photo;
      photo.hidden = false;
    } else {
      photo.removeAttribute('src');
      photo.hidden = true;
    }
    $('scanner').hidden = false;
    return name;
  }

  async function redeem(ticket) {
    setStatus('AUTHORIZED', 'Confirmed. Signing you in…');
    let response;
    try {
      response = await fetch('/qr-login/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ ticket }),
        credentials: 'same-origin',
      });
    } catch {
      return finish('ERROR', 'The server cannot be reached. Try a new code.');
    }
    const body = await readJson(response);
    if (!response.ok || typeof body.access_token !== 'string') {
      return finish('ERROR', messageOf(body, `Signing in failed (HTTP ${response.status}).`));
    }
    sessionStorage.setItem(TOKEN_KEY, body.access_token);
    location.assign('/me');
  }

  function show(view) {
    if (typeof view.expiresIn === 'number' && !TERMINAL.has(view.status)) startCountdown(view.expiresIn);
    switch (view.status) {
      case 'PENDING':
        setStatus('PENDING', 'Waiting for a scan…');
        break;
      case 'SCANNED': {
        const name = showScanner(view.briefUserInfo);
        setStatus('SCANNED', `${name} scanned the code. Confirm on the phone.`);
        break;
      }
      case 'AUTHORIZED':
        closeStream();
        stopCountdown();
        if (view.briefUserInfo) showScanner(view.briefUserInfo);
        if (view.ticket) redeem(view.ticket);
        else finish('AUTHORIZED', 'Confirmed, but for another browser: this one cannot use the login.');
        break;
      case 'CANCELLED':
        $('scanner').hidden = true;
        finish('CANCELLED', 'The login was cancelled on the phone.');
        break;
      case 'EXPIRED':
        $('scanner').hidden = true;
        finish('EXPIRED', 'This code has expired.');
        break;
      case 'ERROR':
        finish('ERROR', messageOf(view, 'Something went wrong.'));
        break;
    }
  }

  function follow(qrcodeId, mine) {
    source = new EventSource(`/qr-login/qrcodes/${encodeURIComponent(qrcodeId)}/events`);
    source.onmessage = (event) => {
      if (mine !== generation) return;
      let view;
      try {
        view = JSON.parse(event.data);
      } catch {
        return;
      }
      show(view);
    };
    source.onerror = () => {
      // While CONNECTING the browser retries by itself and the server resends the
      // current status; CLOSED means it refused the stream.
      if (mine === generation && source && source.readyState === EventSource.CLOSED) {
        finish('ERROR', 'Lost the connection to the server.');
      }
    };
  }

  async function createCode() {
    const mine = ++generation;
    closeStream();
    stopCountdown();
    $('new-code-btn').hidden = true;
    $('scanner').hidden = true;
    $('qr').classList.remove('done');
    setStatus('CREATING', 'Creating a code…');
    let response;
    try {
      response = await fetch('/qr-login/qrcodes', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
        // Same origin, so the browser keeps the creator cookie that alone may redeem the ticket.
        credentials: 'same-origin',
      });
    } catch {
      return finish('ERROR', 'The server cannot be reached.');
    }
    const body = await readJson(response);
    if (mine !== generation) return;
    if (!response.ok) return finish('ERROR', messageOf(body, `Could not create a code (HTTP ${response.status}).`));
    $('qr-img').src = body.url;
    const payload = $('payload');
    payload.textContent = body.payload;
    if (/^https?:\/\//i.test(body.payload)) payload.href = body.payload;
    else payload.removeAttribute('href');
    setStatus('PENDING', 'Waiting for a scan…');
    startCountdown(body.expiresIn);
    follow(body.qrcodeId, mine);
  }

  $('new-code-btn').addEventListener('click', createCode);
  createCode();
})();
