// The phone simulator: what a mobile app does with a scanned (or typed) code,
// through the package's app client (nestjs-qr-login/app).
import { createQrLoginAppClient, isQrLoginAppError, readScannedCode } from '/assets/client/app/index.mjs';

// Apart from the web page's key, so both sides can be tried in one browser.
const TOKEN_KEY = 'qr-login-sample.phone-token';
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem(TOKEN_KEY);
/** The code on the confirm screen: its id, the user code it was scanned by (if any), and its flow. */
let scanned = null;
/** What an opened link asks (`{ qrcodeId }` or `{ userCode }`), kept off the page until the user taps Continue. */
let fromLink = null;
let camera = null;

/*
 * The texts about links and devices, in English and Simplified Chinese:
 * ?lang=zh-CN (as on the web page), else the browser's language.
 */
const TEXTS = {
  en: {
    deviceWarning: (name) =>
      `You are signing in a device: ${name}. Continue only if you started this on a screen in front of you.`,
    linkTitle: 'A link asks you to sign in',
    linkQr: (site) => `A link asks this app to log you in on a computer${site ? ` (${site})` : ''}.`,
    linkNote: 'Nothing happens until you tap Continue. If someone sent you this link, tap Not me.',
    linkContinue: 'Continue',
    linkDismiss: 'Not me',
    linkDismissed: 'Nothing was signed in.',
    deviceTitle: '3. Sign in this device?',
    deviceHint: 'Confirm only if the device is in front of you and you started this on it.',
    pickNumber: 'Which number does the computer show?',
    pickUserCode: 'Which code does the device show on its screen?',
    pickNumberFirst: 'Pick the number the computer shows first.',
    pickUserCodeFirst: 'Pick the code the device shows first.',
    passkeyWhy:
      'This site asks for your passkey on every confirm. Your login token could be copied off this phone; ' +
      'the passkey never leaves it, and it signs exactly this request (this code, the number and the computer described above), ' +
      'so a copied token cannot approve a login, nor can a changed description.',
    passkeyRegistering: 'Setting up a passkey on this phone: unlock it when asked (fingerprint, face or PIN)…',
    passkeyRegistered: 'A passkey is set up on this phone: you will unlock it to approve each login.',
    passkeyRegisterFailed: (why) =>
      `No passkey was set up (${why}); logins cannot be approved from this phone without one.`,
  },
  'zh-CN': {
    deviceWarning: (name) => `你正在登录一台设备：${name}。只有当这是你在面前的屏幕上发起的，才继续。`,
    linkTitle: '一个链接请求你登录',
    linkQr: (site) => `一个链接请求本应用在电脑上为你登录${site ? `（${site}）` : ''}。`,
    linkNote: '点按“继续”之前不会执行任何操作。如果这个链接是别人发给你的，请点按“不是我”。',
    linkContinue: '继续',
    linkDismiss: '不是我',
    linkDismissed: '没有登录任何设备。',
    deviceTitle: '3. 登录这台设备？',
    deviceHint: '只有当设备就在你面前、且是你在上面发起的，才确认。',
    pickNumber: '电脑上显示的是哪个数字？',
    pickUserCode: '设备屏幕上显示的是哪个代码？',
    pickNumberFirst: '请先选择电脑上显示的数字。',
    pickUserCodeFirst: '请先选择设备上显示的代码。',
    passkeyWhy:
      '本网站在每次确认时都要求使用你的通行密钥。你的登录令牌可能被人从这部手机上复制走；通行密钥永远不会离开手机，' +
      '并且它签名的正是这一次请求（这个代码、数字以及上面描述的电脑），所以复制来的令牌无法批准登录，被篡改的描述也无法通过。',
    passkeyRegistering: '正在这部手机上设置通行密钥：请按提示解锁（指纹、面容或 PIN）…',
    passkeyRegistered: '这部手机已设置通行密钥：每次批准登录时都需要解锁它。',
    passkeyRegisterFailed: (why) => `未能设置通行密钥（${why}）；没有它就无法在这部手机上批准登录。`,
  },
};
const LANG = (() => {
  const asked = new URLSearchParams(location.search).get('lang') || navigator.language || 'en';
  return /^zh\b/i.test(asked) ? 'zh-CN' : 'en';
})();
const T = TEXTS[LANG];
document.documentElement.lang = LANG;

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
  $('link-section').hidden = true;
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

/** Number matching: one radio button per choice the server offers (numbers for a QR, user codes for a device). */
function showChoices(choices, kind) {
  const box = $('match-choices');
  box.replaceChildren();
  const list = Array.isArray(choices) ? choices : [];
  $('match').hidden = list.length === 0;
  $('match-legend').textContent = kind === 'user-code' ? T.pickUserCode : T.pickNumber;
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

/** For a device flow: what it signs in, and the question only its user can answer. */
function showFlow(answer) {
  const device = answer.flow === 'device';
  const name = (answer.client && answer.client.name) || (answer.client && answer.client.id) || '';
  $('device-warning').hidden = !device;
  $('device-warning').textContent = device ? T.deviceWarning(name) : '';
  $('confirm-title').textContent = device ? T.deviceTitle : '3. Log in on this computer?';
  $('confirm-hint').textContent = device
    ? T.deviceHint
    : 'Confirm only if you started this login yourself, on the computer described here.';
}

/**
 * Scans what the user typed, the camera read, or (after a tap) what a link
 * asked. `link`: the code came in a link, so the server has a device flow's
 * user code picked among decoys before it confirms; a code typed in the
 * field is `typed`, unless it is itself a link.
 */
async function scan(text, { link = false } = {}) {
  showError('');
  setStatus('');
  $('confirm-section').hidden = true;
  $('link-section').hidden = true;
  if (!token) return showError('Log in first: the app scans as its logged-in user.');
  const entry = readScannedCode(text);
  if (!entry) return showError('That is neither a code like K7QM-4XPD nor the link from the QR.');
  const cameAsLink = link || /[?&]user_code=|:\/\//.test(text);
  busy(['scan-btn'], true);
  try {
    const answer = entry.qrcodeId
      ? await qrLogin.scan(entry.qrcodeId)
      : await qrLogin.scanUserCode(entry.userCode, { entry: cameAsLink ? 'link' : 'typed' });
    scanned = {
      qrcodeId: answer.qrcodeId,
      userCode: entry.userCode,
      flow: answer.flow,
      matchKind: answer.matchKind,
      answer,
    };
    showFlow(answer);
    // The site asks for the passkey on this code: say why, before the user decides.
    $('passkey-why').textContent = answer.approval ? T.passkeyWhy : '';
    $('passkey-why').hidden = !answer.approval;
    showRequester(answer);
    showRisk(answer.risk);
    showChoices(answer.matchChoices, answer.matchKind);
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
  if (!scanned) return;
  showError('');
  let matchCode;
  if (action === 'confirm' && !$('match').hidden) {
    matchCode = pickedNumber();
    if (!matchCode) return showError(scanned.matchKind === 'user-code' ? T.pickUserCodeFirst : T.pickNumberFirst);
  }
  busy(['confirm-btn', 'cancel-btn'], true);
  // A code scanned by its user code goes on by it: a device flow can be reached no other way.
  const { qrcodeId, userCode, flow } = scanned;
  try {
    if (action === 'confirm' && scanned.answer.approval) {
      // Signs what the scan showed (code, number, requester) with the passkey, then confirms.
      await qrLogin.approveWithPasskey(scanned.answer, { matchCode, ...(userCode ? { userCode } : {}) });
    } else if (action === 'confirm') {
      if (userCode) await qrLogin.confirmUserCode(userCode, { matchCode });
      else await qrLogin.confirm(qrcodeId, { matchCode });
    } else if (userCode) await qrLogin.cancelUserCode(userCode);
    else await qrLogin.cancel(qrcodeId);
  } catch (error) {
    // Unreachable, throttled or busy: the same decision can be sent again. Anything else ends this code.
    if (!isQrLoginAppError(error) || !error.retryable) {
      $('confirm-section').hidden = true;
      scanned = null;
    }
    return showError(error instanceof Error ? error.message : String(error));
  } finally {
    busy(['confirm-btn', 'cancel-btn'], false);
  }
  $('confirm-section').hidden = true;
  scanned = null;
  $('code').value = '';
  const other = flow === 'device' ? 'The device' : 'The web page';
  setStatus(action === 'confirm' ? `Confirmed. ${other} is signing you in.` : `Cancelled. ${other} was told.`);
}

/**
 * A page opened by a link does nothing by itself: it says what the link
 * asks (for a device flow, which device, read without acting on the code)
 * and waits for a tap. The link's code is never shown, so a pick of the
 * device's code has to come from the device's own screen.
 */
async function showLink() {
  if (!fromLink || !token) return;
  showError('');
  $('confirm-section').hidden = true;
  $('link-title').textContent = T.linkTitle;
  $('link-note').textContent = T.linkNote;
  $('link-continue-btn').textContent = T.linkContinue;
  $('link-dismiss-btn').textContent = T.linkDismiss;
  let what = T.linkQr('');
  if (fromLink.userCode) {
    try {
      const asked = await qrLogin.describeUserCode(fromLink.userCode);
      what =
        asked.flow === 'device'
          ? T.deviceWarning((asked.client && asked.client.name) || (asked.client && asked.client.id) || '')
          : T.linkQr(asked.appName);
    } catch (error) {
      fromLink = null;
      return showError(error instanceof Error ? error.message : String(error));
    }
  }
  $('link-what').textContent = what;
  $('link-section').hidden = false;
  $('link-title').focus();
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
  await registerPasskey();
  if (fromLink) showLink();
  else if ($('code').value.trim()) scan($('code').value);
  else $('code').focus();
});

/**
 * Right after the password login, the phone registers its passkey (the site
 * allows it only then). A site without passkeys says so, and nothing is shown.
 */
async function registerPasskey() {
  if (!window.PublicKeyCredential) return;
  $('passkey-note').textContent = T.passkeyRegistering;
  try {
    await qrLogin.registerPasskey();
    $('passkey-note').textContent = T.passkeyRegistered;
  } catch (error) {
    const code = isQrLoginAppError(error) ? error.code : '';
    if (code === 'QR_PASSKEYS_DISABLED') $('passkey-note').textContent = '';
    else
      $('passkey-note').textContent = T.passkeyRegisterFailed(error instanceof Error ? error.message : String(error));
  }
}

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
$('link-continue-btn').addEventListener('click', () => {
  const asked = fromLink;
  fromLink = null;
  if (asked) scan(asked.userCode || asked.qrcodeId, { link: true });
});
$('link-dismiss-btn').addEventListener('click', () => {
  fromLink = null;
  $('link-section').hidden = true;
  setStatus(T.linkDismissed);
});
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

// Opened from the link inside the QR (as a phone camera would), or from a device flow's
// verification_uri_complete (?user_code=): say what it asks, and act only on a tap.
const query = new URLSearchParams(location.search);
const linked = query.get('code') || query.get('user_code');
fromLink = linked ? readScannedCode(linked) || null : null;
restoreAccount().then((loggedIn) => {
  if (loggedIn && fromLink) showLink();
});
