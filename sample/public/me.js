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

  async function load() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return signedOut('You are not signed in.');
    let response;
    try {
      response = await fetch('/auth/me', { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
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
