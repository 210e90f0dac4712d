'use strict';

(() => {
  // Written by the web page (/) after the QR login.
  const TOKEN_KEY = 'qr-login-sample.access-token';
  const $ = (id) => document.getElementById(id);

  function signedOut(text) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('who').textContent = text;
    $('details').hidden = true;
    $('logout-btn').hidden = true;
    $('signed-out').hidden = false;
  }

  // A session from a key-bound QR login is a DPoP token: each request carries a proof by the tab's key,
  // which the QR login made and kept non-extractable (nestjs-qr-login/client).
  async function authHeaders(token) {
    const headers = { accept: 'application/json' };
    const { qrLoginDpopProof } = await import('/assets/client/index.mjs');
    const proof = isDpopToken(token) ? await qrLoginDpopProof('GET', '/auth/me', { accessToken: token }) : undefined;
    if (!proof) return { ...headers, authorization: `Bearer ${token}` };
    return { ...headers, authorization: `DPoP ${token}`, dpop: proof };
  }

  function isDpopToken(token) {
    try {
      const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return Boolean(claims.cnf && claims.cnf.jkt);
    } catch {
      return false;
    }
  }

  async function load() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return signedOut('You are not signed in.');
    let response;
    try {
      response = await fetch('/auth/me', { headers: await authHeaders(token) });
    } catch {
      $('who').textContent = 'The server cannot be reached.';
      return;
    }
    if (!response.ok) return signedOut('Your session has ended. Please log in again.');
    const user = await response.json();
    $('who').textContent = `Signed in as ${user.displayName}`;
    $('details').textContent = `Username: ${user.username} · id: ${user.id}`;
    $('details').hidden = false;
    $('logout-btn').hidden = false;
  }

  $('logout-btn').addEventListener('click', () => signedOut('You signed out.'));
  load();
})();
