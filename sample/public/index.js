// The web page: shows a code with the browser client (nestjs-qr-login/client)
// and moves on to /me once the phone confirms.
import { startQrLogin } from '/assets/client/index.mjs';

// The page /me reads the token under this key.
const TOKEN_KEY = 'qr-login-sample.access-token';
const $ = (id) => document.getElementById(id);

let countdownTimer;

function setStatus(status, text) {
  const el = $('status');
  el.dataset.status = status;
  el.textContent = text;
}

function stopCountdown() {
  clearInterval(countdownTimer);
  countdownTimer = undefined;
  $('countdown').textContent = '';
}

function startCountdown(expiresAt) {
  const tick = () => {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    const m = Math.floor(left / 60);
    const s = String(left % 60).padStart(2, '0');
    $('countdown').textContent = `Expires in ${m}:${s}`;
  };
  clearInterval(countdownTimer);
  tick();
  countdownTimer = setInterval(tick, 1000);
}

function showScanner(user) {
  const name = (user && user.displayName) || 'Someone';
  $('scanner-name').textContent = name;
  const photo = $('scanner-photo');
  if (user && typeof user.photo === 'string') {
    photo.src = user.photo;
    photo.hidden = false;
  } else {
    photo.removeAttribute('src');
    photo.hidden = true;
  }
  $('scanner').hidden = false;
  return name;
}

function hideScanner() {
  $('scanner').hidden = true;
}

/** The end of a code: only a new one goes on from here. */
function offerNewCode(text, status) {
  stopCountdown();
  hideScanner();
  setStatus(status, text);
  $('new-code-btn').hidden = false;
}

function showPayload(payload) {
  const link = $('payload');
  link.textContent = payload;
  if (/^https?:\/\//i.test(payload)) link.href = payload;
  else link.removeAttribute('href');
}

const login = startQrLogin({
  container: $('qr'),
  labels: {
    matchCode: 'On your phone, pick',
    shortCode: 'No camera? Type this code in the app:',
  },
  onCode(code) {
    hideScanner();
    $('new-code-btn').hidden = true;
    setStatus('PENDING', code.rotatedFrom ? 'A fresh code for safety. Waiting for a scan…' : 'Waiting for a scan…');
    startCountdown(code.expiresAt);
    showPayload(code.payload);
  },
  onScanned(user) {
    const name = showScanner(user);
    const match = login.current && login.current.matchCode;
    setStatus(
      'SCANNED',
      match ? `${name} scanned the code. Pick ${match} on the phone to confirm.` : `${name} scanned the code. Confirm on the phone.`,
    );
  },
  onStatus(view) {
    // Any news from the server means the connection works again.
    $('connection').textContent = '';
    if (view.status === 'AUTHORIZED') {
      stopCountdown();
      setStatus('AUTHORIZED', 'Confirmed. Signing you in…');
    }
  },
  onAuthorized(tokens) {
    if (!tokens || typeof tokens.access_token !== 'string') {
      offerNewCode('Signing in failed: the server sent no token.', 'ERROR');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, tokens.access_token);
    location.assign('/me');
  },
  onCancelled(reason) {
    offerNewCode(
      reason === 'MATCH_FAILED'
        ? 'The phone picked the wrong number, so the login was cancelled.'
        : 'The login was cancelled on the phone.',
      'CANCELLED',
    );
  },
  onExpired({ willRefresh }) {
    if (willRefresh) {
      stopCountdown();
      hideScanner();
      setStatus('EXPIRED', 'The code expired. Here comes a new one…');
    } else {
      offerNewCode('The code expired.', 'EXPIRED');
    }
  },
  onError(error) {
    if (error.fatal) offerNewCode(error.message, 'ERROR');
    else $('connection').textContent = `Connection trouble (${error.message}); retrying…`;
  },
  onTransport(transport) {
    $('transport').textContent =
      transport === 'sse' ? 'Live updates: server-sent events.' : 'Live updates: polling the server.';
  },
});

$('new-code-btn').addEventListener('click', () => {
  // The button hides itself; keep the keyboard focus on the page's news instead of losing it.
  $('status').focus();
  login.refresh();
});
