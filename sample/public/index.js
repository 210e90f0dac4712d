// The web page: the package's <qr-login-code> element (nestjs-qr-login/client)
// does the whole login; the page only moves on to /me once it is done.
import { defineQrLoginElement } from '/assets/client/index.mjs';

// The page /me reads the token under this key.
const TOKEN_KEY = 'qr-login-sample.access-token';
const $ = (id) => document.getElementById(id);
const qr = $('qr');

// ?lang=zh-CN shows the element in Simplified Chinese (it follows its own lang, else the page's).
const lang = new URLSearchParams(location.search).get('lang');
if (lang) qr.setAttribute('lang', lang);

qr.addEventListener('qr-login-code', (event) => {
  $('page-error').textContent = '';
  const link = $('payload');
  link.textContent = event.detail.payload;
  if (/^https?:\/\//i.test(event.detail.payload)) link.href = event.detail.payload;
  else link.removeAttribute('href');
});

qr.addEventListener('qr-login-transport', (event) => {
  $('transport').textContent =
    event.detail.transport === 'sse' ? 'Live updates: server-sent events.' : 'Live updates: polling the server.';
});

qr.addEventListener('qr-login-authorized', (event) => {
  const tokens = event.detail.result;
  if (!tokens || typeof tokens.access_token !== 'string') {
    $('page-error').textContent = 'Signing in failed: the server sent no token.';
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, tokens.access_token);
  location.assign('/me');
});

defineQrLoginElement();
