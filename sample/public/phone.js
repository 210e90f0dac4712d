// The phone simulator: what a mobile app does with a scanned (or typed) code,
// through the package's app client (nestjs-qr-login/app).
import { createQrLoginAppClient, isQrLoginAppError, readScannedCode } from '/assets/client/app/index.mjs';

// Apart from the web page's key, so both sides can be tried in one browser.
const TOKEN_KEY = 'qr-login-sample.phone-token';
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem(TOKEN_KEY);
let scannedId = null;
let camera = null;

const qrLogin = createQrLoginAppClient({ getAccessToken: () => token });

/** What the phone says about each risk flag of the scan answer; unknown flags are shown by name. */
const RISK_TEXTS = {
  'different-network': () => 'The computer is on another network than this phone.',
  'different-asn': () => 'The computer is on another internet provider than this phone.',
  'different-country': () => 'The computer appears to be in another country.',
  'far-away': (facts) =>
    typeof facts.distanceKm === 'number'
      ? `The computer appears to be far away (about ${Math.round(facts.distanceKm)} km).`
      : 'The computer appears to be far away.',
  'anonymous-network': () => 'The computer hides its address (VPN, Tor or proxy).',
  'unknown-location': () => 'Where the computer is cannot be told.',
};

function showError(text) {
  $('error').textContent = text || '';
}

function setStatus(text) {
  $('status').textContent = text || '';
}

// The sample's own account routes (not the QR protocol): log in, and who am I.
async function callAuth(method, path, body) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    const response = await fetch(path, init);
    const answer = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body: answer };
  } catch {
    return { ok: false, status: 0, body: { message: 'The server cannot be reached.' } };
  }
}

function messageOf(body, fallback) {
  const message = body && body.message;
  if (Array.isArray(message)) return message.join(' ');
  return typeof message === 'string' && message ? message : fallback;
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
  const result = await callAuth('GET', '/auth/app/me');
  if (result.ok) showLoggedIn(result.body);
  else showLoggedOut();
  return result.ok;
}

/** "Chrome 140 on Linux": from the server's parsed fields, or the raw header where the server sends none. */
function describeBrowser(requester) {
  // Major versions only ("Chrome 140", "Android 14"); parsers also put architectures ("x86_64") there.
  const major = (version) => (/^\d/.test(version || '') ? ` ${String(version).split('.')[0]}` : '');
  if (requester.browser || requester.os) {
    const { browser, os } = requester;
    const name = browser && browser.name ? `${browser.name}${major(browser.version)}` : 'An unknown browser';
    return os && os.name ? `${name} on ${os.name}${major(os.version)}` : name;
  }
  return guessBrowser(requester.userAgent);
}

/** A rough reading of a User-Agent header, for servers that do not parse it. */
function guessBrowser(userAgent) {
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

function describePlace(place) {
  if (!place) return undefined;
  const where = [place.city, place.country].filter(Boolean).join(', ');
  const network = place.asOrg || (place.asn ? `AS${place.asn}` : '');
  return [where, network && `network: ${network}`].filter(Boolean).join(' · ') || undefined;
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

function showRequester(answer) {
  const requester = answer.requester || {};
  const forgeable = new Set(requester.clientSupplied || []);
  const list = $('requester');
  list.replaceChildren();
  addRow(list, 'Site', requester.appName);
  addRow(list, 'Browser', describeBrowser(requester));
  if (requester.device && (requester.device.vendor || requester.device.model)) {
    addRow(list, 'Device', [requester.device.vendor, requester.device.model].filter(Boolean).join(' '));
  }
  addRow(list, 'Place', describePlace(requester.place));
  addRow(
    list,
    forgeable.has('userAgent') ? 'User agent (as the browser says)' : 'User agent',
    requester.userAgent,
    'raw',
  );
  addRow(list, 'IP address', requester.ip);
  addRow(list, 'Asked at', timeOf(requester.createdAt));
  if (typeof answer.expiresIn === 'number') addRow(list, 'Valid for', `${answer.expiresIn} s`);
}

function showRisk(risk) {
  const flags = (risk && Array.isArray(risk.flags) && risk.flags) || [];
  const items = flags.map((flag) => {
    const li = document.createElement('li');
    const text = RISK_TEXTS[flag];
    li.textContent = text ? text((risk && risk.facts) || {}) : `Unusual: ${flag}.`;
    li.dataset.flag = flag;
    return li;
  });
  $('risk-flags').replaceChildren(...items);
  $('risk').hidden = items.length === 0;
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
  const entry = readScannedCode(text);
  if (!entry) return showError('That is neither a code like K7QM-4XPD nor the link from the QR.');
  busy(['scan-btn'], true);
  try {
    const answer = entry.qrcodeId ? await qrLogin.scan(entry.qrcodeId) : await qrLogin.scanUserCode(entry.userCode);
    scannedId = answer.qrcodeId;
    showRequester(answer);
    showRisk(answer.risk);
    showChoices(answer.matchChoices);
    $('confirm-section').hidden = false;
    setStatus('Scanned. Check who is asking before you confirm.');
    $('confirm-title').focus();
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
  } finally {
    busy(['scan-btn'], false);
  }
}

async function decide(action) {
  if (!scannedId) return;
  showError('');
  let matchCode;
  if (action === 'confirm' && !$('match').hidden) {
    matchCode = pickedNumber();
    if (!matchCode) return showError('Pick the number the computer shows first.');
  }
  busy(['confirm-btn', 'cancel-btn'], true);
  try {
    if (action === 'confirm') await qrLogin.confirm(scannedId, { matchCode });
    else await qrLogin.cancel(scannedId);
  } catch (error) {
    // Unreachable, throttled or busy: the same decision can be sent again. Anything else ends this code.
    if (!isQrLoginAppError(error) || !error.retryable) {
      $('confirm-section').hidden = true;
      scannedId = null;
    }
    return showError(error instanceof Error ? error.message : String(error));
  } finally {
    busy(['confirm-btn', 'cancel-btn'], false);
  }
  $('confirm-section').hidden = true;
  scannedId = null;
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
    return showError(
      `The camera is not available (${error && error.name ? error.name : 'refused'}); type the code instead.`,
    );
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
  const result = await callAuth('POST', '/auth/app/login', {
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
