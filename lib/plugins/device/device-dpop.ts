import { QrLoginError, httpStatusOf, type QrLoginDpopVerifier } from '../../plugin';
import { formField } from './device-client.auth';
import type { DeviceGrantRequest } from './device-grant.service';
import { deviceErrors } from './device.errors';

/*
 * DPoP for the device grant (RFC 9449 with draft-parecki-oauth-dpop-device-flow):
 * the device names its key at device_authorization (a `dpop_jkt` parameter,
 * or a DPoP proof whose key is taken), and every token request of the flow
 * must carry a proof by that key; the token it gets is a DPoP token.
 */

/** An RFC 7638 SHA-256 thumbprint: 32 bytes, base64url. */
const JKT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Verifies the request's DPoP header for its own method and URL; any refusal is `invalid_dpop_proof`, a
 * store that fails meanwhile `temporarily_unavailable`.
 */
export async function verifyDeviceDpop(
  verifier: QrLoginDpopVerifier,
  request: DeviceGrantRequest,
): Promise<{ jkt: string }> {
  try {
    return await verifier.verify(request.dpop?.proof, { method: 'POST', htu: request.dpop?.htu });
  } catch (error) {
    if (!(error instanceof QrLoginError)) throw error;
    // The store failing as it records the proof's jti is no fault of the proof: 503, as every store failure.
    if (httpStatusOf(error.code) >= 500) throw deviceErrors.unavailable(error.retryAfterSeconds ?? 5);
    throw deviceErrors.invalidDpopProof(`${error.code}: ${error.message}`);
  }
}

/**
 * The key a device authorization binds its flow to: the proof's, or the
 * `dpop_jkt` parameter's; both given, they must agree. Undefined when the
 * device names none (the flow is bound to its device code and client only).
 */
export async function deviceDpopKey(
  verifier: QrLoginDpopVerifier,
  request: DeviceGrantRequest,
): Promise<{ jkt: string } | undefined> {
  const named = formField(request.body, 'dpop_jkt');
  if (named !== undefined && !JKT.test(named))
    throw deviceErrors.invalidRequest('"dpop_jkt" must be the RFC 7638 SHA-256 thumbprint of a key, base64url.');
  if (!request.dpop) return named === undefined ? undefined : { jkt: named };
  const { jkt } = await verifyDeviceDpop(verifier, request);
  if (named !== undefined && named !== jkt)
    throw deviceErrors.invalidDpopProof('"dpop_jkt" names another key than the one that signed the DPoP proof.');
  return { jkt };
}
