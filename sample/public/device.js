// A second device: starts a device flow with the sample's public client and polls for the token,
// as a CLI would with openid-client (see the README).
const CLIENT_ID = 'sample-device';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const $ = (id) => document.getElementById(id);

function form(values) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(values),
  };
}

function usernameOf(jwt) {
  try {
    return JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).username;
  } catch {
    return undefined;
  }
}

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function start() {
  $('restart-btn').hidden = true;
  $('device-status').textContent = 'Starting a device flow…';
  const response = await fetch('/qr-login/device_authorization', form({ client_id: CLIENT_ID }));
  const flow = await response.json();
  if (!response.ok) {
    $('device-status').textContent = `Could not start: ${flow.error_description || flow.error}`;
    $('restart-btn').hidden = false;
    return;
  }
  $('user-code').textContent = flow.user_code;
  $('device-qr').src = `/device/qr.svg?user_code=${encodeURIComponent(flow.user_code)}`;
  $('device-qr').hidden = false;
  $('verification-link').href = flow.verification_uri_complete;
  $('verification-link').textContent = flow.verification_uri;
  $('device-status').textContent = 'Waiting for the phone to confirm…';
  let interval = flow.interval || 5;
  for (;;) {
    await sleep(interval);
    const polled = await fetch(
      '/qr-login/token',
      form({ client_id: CLIENT_ID, grant_type: GRANT_TYPE, device_code: flow.device_code }),
    );
    const body = await polled.json();
    if (polled.ok) {
      // The sample's access token is a JWT naming the user; a real device would just keep the token.
      const name = usernameOf(body.access_token);
      $('device-status').textContent = 'This device is logged in' + (name ? ` as ${name}.` : '.');
      $('device-status').dataset.status = 'LOGGED_IN';
      break;
    }
    if (body.error === 'authorization_pending') continue;
    if (body.error === 'slow_down') {
      interval += 5;
      continue;
    }
    $('device-status').textContent =
      body.error === 'access_denied' ? 'Declined on the phone.' : `Stopped: ${body.error_description || body.error}`;
    $('device-status').dataset.status = body.error;
    break;
  }
  $('user-code').textContent = '';
  $('device-qr').hidden = true;
  $('restart-btn').hidden = false;
}

$('restart-btn').addEventListener('click', () => start());
start();
