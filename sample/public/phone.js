// The phone simulator: what a mobile app does with a scanned (or typed) code.

// Apart from the web page's key, so both sides can be tried in one browser.
const TOKEN_KEY = 'qr-login-sample.phone-token';
const QRCODE_ID = /^[A-Za-z0-9_-]{27}$/;
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem(TOKEN_KEY);
let scannedId = null;
let camera = null;

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
  if (!token) {
    showLoggedOut();
    return false;
  }
  const result = await call('GET', '/auth/me');
  if (result.ok) showLoggedIn(result.body);
  else showLoggedOut();
  return result.ok;
}

/**
 * What was typed, pasted or read by the camera: the link inside the QR (its
 * `?code=`), a device-flow link (its `?user_code=`), a bare qrcodeId, or a
 * user code such as WDJB-MJHT.
 */
function entryOf(text) {
  const value = text.trim();
  try {
    const params = new URL(value).searchParams;
    if (params.get('code')) return { qrcodeId: params.get('code') };
    if (params.get('user_code')) return { userCode: params.get('user_code') };
  } catch {
    // Not a URL.
  }
  if (QRCODE_ID.test(value)) return { qrcodeId: value };
  // The server reads case, spaces and dashes loosely; 8 characters is the shape to try.
  if (value.replace(/[\s-]/g, '').length === 8) return { userCode: value };
  return null;
}

/** "Chrome 126 on Linux" from a User-Agent header; the raw header is shown too. */
function describeBrowser(userAgent) {
  if (!userAgent) return undefined;
  const browsers = [
    [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
    [/OPR\/(\d+)/, 'Opera'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/FxiOS\/(\d+)/, 'Firefox'],
    [/CriOS\/(\d+)/, 'Chrome'],
    [/(?:HeadlessChrome|Chrome|Chromium)\/(\d+)/, 'Chrome'],
    [/Version\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  ];
  const systems = [
    [/Windows NT/, 'Windows'],
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Mac OS X/, 'macOS'],
    [/Android/, 'Android'],
    [/CrOS/, 'ChromeOS'],
    [/Linux/, 'Linux'],
  ];
  const browser = browsers.map(([pattern, name]) => [userAgent.match(pattern), name]).find(([match]) => match);
  const system = systems.find(([pattern]) => pattern.test(userAgent));
  const name = browser ? `${browser[1]} ${browser[0][1]}` : 'An unknown browser';
  return system ? `${name} on ${system[1]}` : name;
}

function addRow(list, label, value, className) {
  if (value === undefined || value === null || value === '') return;
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  // textContent, never HTML: the user agent comes from whoever created the code.
  dd.textContent = String(value);
  if (className) dd.className = className;
  list.append(dt, dd);
}

function timeOf(iso) {
  const when = iso ? new Date(iso) : null;
  if (!when || Number.isNaN(when.getTime())) return iso;
  const seconds = Math.max(0, Math.round((Date.now() - when.getTime()) / 1000));
  const ago = seconds < 60 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
  return `${when.toLocaleTimeString()} (${ago})`;
}

function showRequester(requester, expiresIn) {
  const list = $('requester');
  list.replaceChildren();
  addRow(list, 'Site', requester.appName);
  addRow(list, 'Browser', describeBrowser(requester.userAgent));
  addRow(list, 'User agent', requester.userAgent, 'raw');
  addRow(list, 'IP address', requester.ip);
  addRow(list, 'Asked at', timeOf(requester.createdAt));
  if (typeof expiresIn === 'number') addRow(list, 'Valid for', `${expiresIn} s`);
}

/** Number matching: one radio button per number the server offers. */
function showChoices(choices) {
  const box = $('match-choices');
  box.replaceChildren();
  const list = Array.isArray(choices) ? choices : [];
  $('match').hidden = list.length === 0;
  list.forEach((choice, index) => {
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'match';
    input.id = `match-${index}`;
    input.value = String(choice);
    const label = document.createElement('label');
    label.htmlFor = input.id;
    label.textContent = String(choice);
    box.append(input, label);
  });
}

function pickedNumber() {
  const picked = document.querySelector('input[name="match"]:checked');
  return picked ? picked.value : undefined;
}

function busy(ids, on) {
  for (const id of ids) $(id).disabled = on;
}

async function scan(text) {
  showError('');
  setStatus('');
  $('confirm-section').hidden = true;
  if (!token) return showError('Log in first: the app scans as its logged-in user.');
  const entry = entryOf(text);
  if (!entry) return showError('That is neither a code like WDJB-MJHT nor the link from the QR.');
  busy(['scan-btn'], true);
  try {
    // A user code is scanned by the module in one call, which answers the qrcodeId to confirm.
    const result = entry.userCode
      ? await call('POST', '/qr-login/user-codes/scan', { userCode: entry.userCode })
      : await call('POST', `/qr-login/qrcodes/${encodeURIComponent(entry.qrcodeId)}/scan`);
    if (!result.ok) return showError(messageOf(result.body, `Scan failed (HTTP ${result.status}).`));
    scannedId = result.body.qrcodeId;
    showRequester(result.body.requester || {}, result.body.expiresIn);
    showChoices(result.body.matchChoices);
    $('confirm-section').hidden = false;
    setStatus('Scanned. Check who is asking before you confirm.');
    $('confirm-title').focus();
  } finally {
    busy(['scan-btn'], false);
  }
}

async function decide(action) {
  if (!scannedId) return;
  showError('');
  let body;
  if (action === 'confirm' && !$('match').hidden) {
    const matchCode = pickedNumber();
    if (!matchCode) return showError('Pick the number the computer shows first.');
    body = { matchCode };
  }
  busy(['confirm-btn', 'cancel-btn'], true);
  const result = await call('POST', `/qr-login/qrcodes/${encodeURIComponent(scannedId)}/${action}`, body);
  busy(['confirm-btn', 'cancel-btn'], false);
  // Unreachable, throttled or busy: the same decision can be sent again. Anything else ends this code.
  const retry = !result.ok && [0, 429, 503].includes(result.status);
  if (!retry) {
    $('confirm-section').hidden = true;
    scannedId = null;
  }
  if (!result.ok) return showError(messageOf(result.body, `${action} failed (HTTP ${result.status}).`));
  $('code').value = '';
  setStatus(action === 'confirm' ? 'Confirmed. The web page is signing you in.' : 'Cancelled. The web page was told.');
}

// The camera, where the browser can read QR codes itself (BarcodeDetector).
async function cameraSupported() {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false;
  try {
    return (await window.BarcodeDetector.getSupportedFormats()).includes('qr_code');
  } catch {
    return false;
  }
}

function stopCamera() {
  if (!camera) return;
  clearTimeout(camera.timer);
  for (const track of camera.stream.getTracks()) track.stop();
  $('camera-video').srcObject = null;
  camera = null;
  $('camera-view').hidden = true;
  $('camera-btn').hidden = false;
}

async function startCamera() {
  showError('');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  } catch (error) {
    return showError(`The camera is not available (${error && error.name ? error.name : 'refused'}); type the code instead.`);
  }
  const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  const video = $('camera-video');
  video.srcObject = stream;
  camera = { stream, timer: undefined };
  $('camera-view').hidden = false;
  $('camera-btn').hidden = true;
  // Not awaited: play() settles only once frames arrive, and the look-out loop copes without them.
  video.play().catch(() => undefined);
  const look = async () => {
    if (!camera) return;
    let found;
    try {
      found = (await detector.detect(video))[0];
    } catch {
      found = undefined;
    }
    if (!camera) return;
    if (found && found.rawValue) {
      stopCamera();
      $('code').value = found.rawValue;
      scan(found.rawValue);
      return;
    }
    camera.timer = setTimeout(look, 250);
  };
  look();
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
  if ($('code').value.trim()) scan($('code').value);
  else $('code').focus();
});

$('logout-btn').addEventListener('click', () => {
  showLoggedOut();
  setStatus('');
  $('confirm-section').hidden = true;
});

$('scan-form').addEventListener('submit', (event) => {
  event.preventDefault();
  scan($('code').value);
});

$('confirm-btn').addEventListener('click', () => decide('confirm'));
$('cancel-btn').addEventListener('click', () => decide('cancel'));
$('camera-btn').addEventListener('click', startCamera);
$('camera-stop-btn').addEventListener('click', stopCamera);
window.addEventListener('pagehide', stopCamera);

cameraSupported().then((supported) => {
  $('camera').hidden = !supported;
  $('camera-note').textContent = supported
    ? 'Or scan the QR code with the camera.'
    : 'This browser cannot read QR codes with its camera here (it needs BarcodeDetector and HTTPS or localhost): type the code instead.';
});

// Opened from the link inside the QR (as a phone camera would): scan at once when logged in.
// A device flow's verification_uri_complete brings ?user_code= instead.
const query = new URLSearchParams(location.search);
const fromUrl = query.get('code') || query.get('user_code');
if (fromUrl) $('code').value = fromUrl;
restoreAccount().then((loggedIn) => {
  if (loggedIn && fromUrl) scan(fromUrl);
});
